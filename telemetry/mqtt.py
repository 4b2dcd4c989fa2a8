"""The MQTT bridge: device telemetry published to ``<prefix>/<external id>/telemetry`` becomes
stored readings through the same ingest_readings() the HTTP API uses.

Delivery: a persistent session (clean session off, a stable client id) with QoS 1 and manual
acknowledgement. A message is acked only after its readings are committed. When storing fails
(say the database is down) the message is not acked; the bridge disconnects, waits (backoff)
and reconnects, and the broker redelivers what was never acked. Messages that can never
succeed (unknown device, not JSON, wrong shape, too many readings) are logged, counted in
``stats.bad_messages`` and acked, so they do not come back forever. Items rejected inside a
good message are logged and counted; the rest of the message is stored.

Run it with ``manage.py mqtt_bridge``; in tests, run ``TelemetryBridge.run`` in a thread and
``stop()`` it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from paho.mqtt.enums import CallbackAPIVersion

from devices.models import Device
from telemetry.services import MAX_BATCH, ingest_readings
from telemetry.validation import InvalidBody, readings_from_json

logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "energyhome-telemetry-bridge"
TELEMETRY_SUFFIX = "telemetry"
ACK_SUFFIX = "commands/ack"
QOS = 1


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_mqtt_url(url: str) -> BrokerAddress:
    """``mqtt://[user[:password]@]host[:port]`` (or ``mqtts://`` for TLS) as a BrokerAddress.
    ImproperlyConfigured for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"}:
        raise ImproperlyConfigured(f"MQTT_URL={url!r}: expected mqtt://host:port or mqtts://host:port")
    tls = parts.scheme in {"mqtts", "ssl"}
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as exc:
        raise ImproperlyConfigured(f"MQTT_URL={url!r}: bad port") from exc
    if not parts.hostname:
        raise ImproperlyConfigured(f"MQTT_URL={url!r}: no host")
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


@dataclass
class BridgeStats:
    """Running counters (mutable on purpose: the bridge updates them as messages arrive)."""

    connects: int = 0
    messages: int = 0
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    bad_messages: int = 0
    failed: int = 0
    acks: int = 0


class TelemetryBridge:
    """Subscribe to ``{topic_prefix}/+/telemetry`` and store what arrives. ``run()`` blocks until
    ``stop()``; connection losses are retried with exponential backoff."""

    def __init__(
        self,
        *,
        url: str | None = None,
        topic_prefix: str | None = None,
        client_id: str | None = None,
        keepalive_s: int = 30,
        min_backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
    ) -> None:
        self.broker = parse_mqtt_url(url or settings.MQTT_URL)
        self.topic_prefix = (topic_prefix or settings.MQTT_TOPIC_PREFIX).strip("/")
        self.client_id = client_id or getattr(settings, "MQTT_BRIDGE_CLIENT_ID", "") or DEFAULT_CLIENT_ID
        self.keepalive_s = keepalive_s
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.stats = BridgeStats()
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._reconnect_requested = False
        self._store_failing = False
        self._backoff_s = min_backoff_s

    @property
    def subscription(self) -> str:
        return f"{self.topic_prefix}/+/{TELEMETRY_SUFFIX}"

    @property
    def ack_subscription(self) -> str:
        """Devices acknowledge commands here (devices.transports)."""
        return f"{self.topic_prefix}/+/{ACK_SUFFIX}"

    def stop(self) -> None:
        """Ask run() to disconnect and return (within about half a second)."""
        self._stopping.set()

    def run(self) -> None:
        """Connect, subscribe and process messages until stop(). Never raises for broker or
        message trouble: it logs, waits and reconnects."""
        client = self._new_client()
        try:
            while not self._stopping.is_set():
                self._reconnect_requested = False
                try:
                    client.connect(self.broker.host, self.broker.port, keepalive=self.keepalive_s)
                except (OSError, ValueError) as exc:
                    logger.warning("MQTT broker %s:%s unreachable: %s", self.broker.host, self.broker.port, exc)
                else:
                    while not self._stopping.is_set() and not self._reconnect_requested:
                        if client.loop(timeout=0.5) != mqtt.MQTT_ERR_SUCCESS:
                            break
                    client.disconnect()
                    self.connected.clear()
                if self._stopping.is_set():
                    break
                logger.info("MQTT bridge reconnecting in %.1f s", self._backoff_s)
                self._stopping.wait(self._backoff_s)
                self._backoff_s = min(self._backoff_s * 2, self.max_backoff_s)
        finally:
            self.connected.clear()
            connections.close_all()

    def _new_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT broker refused the connection: %s", reason_code)
            return
        self.stats.connects += 1
        if not self._store_failing:
            self._backoff_s = self.min_backoff_s
        client.subscribe([(self.subscription, QOS), (self.ack_subscription, QOS)])
        self.connected.set()
        logger.info(
            "MQTT bridge connected as %s (session present: %s), subscribed to %s and %s",
            self.client_id,
            flags.session_present,
            self.subscription,
            self.ack_subscription,
        )

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            logger.warning("MQTT bridge disconnected: %s", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self.stats.messages += 1
        try:
            ack = self._store(message)
        except Exception:
            logger.exception("MQTT message could not be stored; it stays unacked for redelivery")
            ack = False
        finally:
            close_old_connections()
        if ack:
            client.ack(message.mid, message.qos)
            return
        self.stats.failed += 1
        self._store_failing = True
        # The broker redelivers unacked messages of a persistent session on reconnect; until
        # then they also hold its in-flight window, so reconnect (after a backoff) now.
        self._reconnect_requested = True

    def _store(self, message: mqtt.MQTTMessage) -> bool:
        """True when the message is done with (stored, or hopeless and dropped); False to retry."""
        try:
            topic = message.topic
        except UnicodeDecodeError:
            return self._drop("topic is not UTF-8", "?")
        ack_id = self._external_id(topic, ACK_SUFFIX)
        if ack_id is not None:
            close_old_connections()
            return self._ack(ack_id, message.payload, topic)
        external_id = self._external_id(topic)
        if external_id is None:
            return self._drop("topic does not match the subscription", topic)
        close_old_connections()
        device = Device.objects.select_related("type", "home").filter(external_id=external_id).first()
        if device is None:
            return self._drop("unknown device", topic)
        try:
            items = readings_from_json(message.payload)
        except InvalidBody as bad:
            return self._drop(bad.message, topic)
        if len(items) > MAX_BATCH:
            return self._drop(f"{len(items)} readings in one message; the limit is {MAX_BATCH}", topic)
        result = ingest_readings(items=items, device=device, source="mqtt")
        self.stats.stored += result.stored
        self.stats.duplicate += result.duplicate
        self.stats.rejected += result.rejected
        if result.rejected:
            first = result.errors[0]
            logger.warning(
                "MQTT %s: %d of %d readings rejected (first: #%d %s %s)",
                topic,
                result.rejected,
                result.received,
                first.index,
                first.field,
                first.reason,
            )
        # The store worked, so a backoff left from an earlier failure no longer applies.
        self._store_failing = False
        self._backoff_s = self.min_backoff_s
        return True

    def _ack(self, external_id: str, payload: bytes, topic: str) -> bool:
        """A device's answer to a command: ``{"id", "status", "result", "error"}``. Only the device
        the command was for may answer it (the topic names the device)."""
        import json

        from django.core.exceptions import ValidationError

        from devices.commands import CommandConflict, record_ack
        from devices.models import Command

        try:
            body = json.loads(payload)
        except ValueError:
            return self._drop("command ack is not JSON", topic)
        if not isinstance(body, dict) or body.get("status") not in (Command.Status.ACKNOWLEDGED, Command.Status.FAILED):
            return self._drop("command ack needs an id and status 'acknowledged' or 'failed'", topic)
        command_id = body.get("id")
        if isinstance(command_id, bool) or not isinstance(command_id, int):
            return self._drop("command ack needs an integer id", topic)
        command = Command.objects.filter(pk=command_id, device__external_id=external_id).first()
        if command is None:
            return self._drop(f"no command {command_id} for this device", topic)
        try:
            record_ack(
                command=command,
                ok=body["status"] == Command.Status.ACKNOWLEDGED,
                result=body.get("result") or {},
                error=body.get("error") or "",
            )
        except (ValidationError, CommandConflict) as exc:
            return self._drop(f"command ack refused: {exc}", topic)
        self.stats.acks += 1
        return True

    def _external_id(self, topic: str, suffix: str = TELEMETRY_SUFFIX) -> str | None:
        head = f"{self.topic_prefix}/"
        tail = f"/{suffix}"
        if not topic.startswith(head) or not topic.endswith(tail):
            return None
        external_id = topic[len(head) : -len(tail)]
        if not external_id or "/" in external_id:
            return None
        return external_id

    def _drop(self, reason: str, topic: str) -> bool:
        self.stats.bad_messages += 1
        logger.warning("MQTT bad message on %s dropped: %s", topic, reason)
        return True

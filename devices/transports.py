"""How a command reaches a device over MQTT: ``<prefix>/<external id>/commands``, QoS 1.

The message is JSON::

    {"id": 42, "type": "set_power", "payload": {"on": false}, "attempt": 1,
     "issued_at": "2026-12-02T10:00:00+00:00", "expires_at": "2026-12-02T10:02:00+00:00"}

The device answers on ``<prefix>/<external id>/commands/ack`` with
``{"id": 42, "status": "acknowledged" | "failed", "result": {...}, "error": "..."}``, which the MQTT
bridge (telemetry.mqtt) records through devices.commands.record_ack. A re-sent command keeps its
id, so a device that saw it before acknowledges again without acting twice.

One publishing connection per process, opened on first use and kept (a command then costs one
PUBLISH/PUBACK round trip, not a TCP and MQTT handshake).
"""

from __future__ import annotations

import json
import logging
import threading

import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion

from devices.models import Command

logger = logging.getLogger(__name__)

COMMANDS_SUFFIX = "commands"
ACK_SUFFIX = "commands/ack"
QOS = 1
PUBLISH_TIMEOUT_S = 3.0


class PublishError(Exception):
    """The broker could not be reached or did not confirm the publish."""


def command_topic(external_id: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX.strip('/')}/{external_id}/{COMMANDS_SUFFIX}"


def command_message(command: Command) -> dict:
    """The JSON a device receives for ``command`` (the same shape the polling API returns)."""
    return {
        "id": command.pk,
        "type": command.command_type,
        "payload": command.payload,
        "attempt": command.attempts,
        "issued_at": command.created_at.isoformat(),
        "expires_at": command.expires_at.isoformat(),
    }


class _Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None

    def _connect(self) -> mqtt.Client:
        from telemetry.mqtt import parse_mqtt_url

        broker = parse_mqtt_url(settings.MQTT_URL)
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set()
        ready = threading.Event()
        client.on_connect = lambda c, userdata, flags, reason_code, properties: ready.set()
        try:
            client.connect(broker.host, broker.port, keepalive=60)
        except (OSError, ValueError) as exc:
            raise PublishError(f"MQTT broker {broker.host}:{broker.port} unreachable: {exc}") from exc
        client.loop_start()
        if not ready.wait(PUBLISH_TIMEOUT_S):
            client.loop_stop()
            raise PublishError(f"MQTT broker {broker.host}:{broker.port} did not accept the connection")
        return client

    def publish(self, topic: str, body: bytes) -> None:
        with self._lock:
            if self._client is None or not self._client.is_connected():
                self.reset()
                self._client = self._connect()
            client = self._client
        info = client.publish(topic, body, qos=QOS)
        try:
            info.wait_for_publish(timeout=PUBLISH_TIMEOUT_S)
        except (RuntimeError, ValueError) as exc:
            self.reset()
            raise PublishError(f"MQTT publish failed: {exc}") from exc
        if not info.is_published():
            self.reset()
            raise PublishError("the MQTT broker did not confirm the command in time")

    def reset(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.loop_stop()
                client.disconnect()
            except Exception:  # a dead connection may refuse even that
                logger.debug("MQTT publisher reset", exc_info=True)


_publisher = _Publisher()


def publish_command(command: Command) -> None:
    """Publish ``command`` to its device's command topic (QoS 1); PublishError when that fails."""
    body = json.dumps(command_message(command)).encode()
    _publisher.publish(command_topic(command.device.external_id), body)

"""The MQTT bridge against the real Mosquitto: round trip, bad messages, redelivery, offline queueing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from paho.mqtt.enums import CallbackAPIVersion

from devices.tests.factories import DeviceTypeFactory, register
from telemetry.models import Reading
from telemetry.mqtt import BrokerAddress, TelemetryBridge, parse_mqtt_url
from telemetry.tests.factories import minutes_ago, reading

TIMEOUT_S = 15


def wait_for(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared in-memory test database may be briefly locked by the bridge thread
        time.sleep(0.1)
    return False


def stored_count(device) -> int:
    return Reading.objects.filter(device=device).count()


class Bridges:
    """Starts bridges in threads and makes sure every one is stopped and its session removed."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.client_id = f"eh-test-bridge-{uuid.uuid4().hex[:10]}"
        self.running: list[tuple[TelemetryBridge, threading.Thread]] = []

    def start(self) -> TelemetryBridge:
        bridge = TelemetryBridge(client_id=self.client_id, min_backoff_s=0.2, max_backoff_s=1.0)
        thread = threading.Thread(target=bridge.run, name="mqtt-bridge", daemon=True)
        thread.start()
        self.running.append((bridge, thread))
        assert bridge.connected.wait(TIMEOUT_S), "the bridge did not connect to the broker"
        time.sleep(0.2)  # let the SUBSCRIBE reach the broker before the test publishes
        return bridge

    def stop(self, bridge: TelemetryBridge) -> None:
        for running, thread in self.running:
            if running is bridge:
                running.stop()
                thread.join(TIMEOUT_S)
                assert not thread.is_alive()

    def close(self) -> None:
        for bridge, _thread in self.running:
            self.stop(bridge)
        # Drop the persistent session these tests created, so the broker does not keep it.
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=self.client_id)
        broker = parse_mqtt_url(settings.MQTT_URL)
        try:
            client.connect(broker.host, broker.port)
            client.loop(0.2)
            client.disconnect()
        except OSError:
            pass


@pytest.fixture
def bridges(require_service, settings, transactional_db):
    # transactional_db: the bridge thread has its own database connection and sees only committed rows.
    require_service("mqtt")
    settings.MQTT_TOPIC_PREFIX = f"eh-test-{uuid.uuid4().hex[:10]}"
    helper = Bridges(settings.MQTT_TOPIC_PREFIX)
    yield helper
    helper.close()


def publish(topic: str, payload: bytes | str | dict | list) -> None:
    """Publish one QoS 1 message and wait until the broker has it."""
    if isinstance(payload, dict | list):
        payload = json.dumps(payload)
    broker = parse_mqtt_url(settings.MQTT_URL)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"eh-test-pub-{uuid.uuid4().hex}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(TIMEOUT_S)
    finally:
        client.disconnect()
        client.loop_stop()


def new_plug(home):
    # Not the seeded type: this also works where an earlier transactional test emptied the tables.
    plug_type = DeviceTypeFactory(slug="smart-plug", name="Smart plug", max_power_w=4_000)
    return register(home, type=plug_type, external_id=f"plug-{uuid.uuid4().hex[:6]}").device


def topic_for(prefix: str, external_id: str) -> str:
    return f"{prefix}/{external_id}/telemetry"


def test_a_published_reading_is_stored(bridges, home):
    plug = new_plug(home)
    bridge = bridges.start()

    publish(topic_for(bridges.prefix, plug.external_id), reading(power_w=123.5))

    assert wait_for(lambda: stored_count(plug) == 1)
    assert Reading.objects.get(device=plug).power_w == 123.5
    assert wait_for(lambda: bridge.stats.stored == 1)
    plug.refresh_from_db()
    assert plug.last_seen is not None


def test_a_list_of_readings_in_one_message_is_stored(bridges, home):
    plug = new_plug(home)
    bridges.start()

    publish(
        topic_for(bridges.prefix, plug.external_id), {"readings": [reading(time=minutes_ago(m)) for m in (3, 2, 1)]}
    )

    assert wait_for(lambda: stored_count(plug) == 3)


def test_bad_messages_are_counted_and_do_not_stop_the_bridge(bridges, home):
    plug = new_plug(home)
    bridge = bridges.start()
    topic = topic_for(bridges.prefix, plug.external_id)

    publish(topic_for(bridges.prefix, "no-such-device"), reading())
    publish(topic, b"{not json")
    publish(topic, b"\xff\xfe")
    publish(topic, "42")
    publish(topic, [reading(time=minutes_ago(2), power_w=-1), reading(time=minutes_ago(1), power_w=7)])

    assert wait_for(lambda: bridge.stats.stored == 1 and bridge.stats.rejected == 1)
    assert stored_count(plug) == 1
    assert (bridge.stats.messages, bridge.stats.bad_messages, bridge.stats.failed) == (5, 4, 0)


def test_a_failed_store_is_not_acked_and_comes_back(bridges, home, monkeypatch):
    import telemetry.mqtt

    plug = new_plug(home)
    real = telemetry.mqtt.ingest_readings
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is down")
        return real(**kwargs)

    monkeypatch.setattr(telemetry.mqtt, "ingest_readings", flaky)
    bridge = bridges.start()

    publish(topic_for(bridges.prefix, plug.external_id), reading(power_w=42))

    assert wait_for(lambda: stored_count(plug) == 1)
    assert bridge.stats.failed == 1
    assert calls["n"] == 2
    assert bridge.stats.connects >= 2  # it reconnected to get the message redelivered


def test_messages_published_while_the_bridge_is_down_are_stored_when_it_returns(bridges, home):
    plug = new_plug(home)
    first = bridges.start()  # creates the persistent session and its subscription
    bridges.stop(first)

    publish(topic_for(bridges.prefix, plug.external_id), reading(power_w=11))
    assert stored_count(plug) == 0
    bridges.start()

    assert wait_for(lambda: stored_count(plug) == 1)


def test_stop_returns_even_when_the_broker_is_unreachable(db):
    bridge = TelemetryBridge(url="mqtt://127.0.0.1:1", client_id="eh-test-unreachable", min_backoff_s=0.1)
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    time.sleep(0.5)

    bridge.stop()
    thread.join(5)

    assert not thread.is_alive()
    assert not bridge.connected.is_set()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://127.0.0.1:1883", BrokerAddress("127.0.0.1", 1883)),
        ("mqtt://broker", BrokerAddress("broker", 1883)),
        ("mqtts://broker", BrokerAddress("broker", 8883, tls=True)),
        ("mqtt://bridge:p%40ss@broker:1884", BrokerAddress("broker", 1884, "bridge", "p@ss")),
    ],
)
def test_mqtt_url_is_parsed(url, expected):
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize("url", ["http://broker", "mqtt://", "mqtt://broker:notaport", "broker:1883"])
def test_bad_mqtt_url_is_a_configuration_error(url):
    with pytest.raises(ImproperlyConfigured):
        parse_mqtt_url(url)

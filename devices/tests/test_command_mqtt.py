"""The whole command loop over the real Mosquitto: publish -> device receives -> device acks -> stored."""

from __future__ import annotations

import json
import queue
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion

from devices import commands
from devices.models import Command
from devices.services import send_command
from devices.tests.factories import register
from devices.tests.test_commands import online
from telemetry.mqtt import parse_mqtt_url
from telemetry.tests.test_mqtt_bridge import TIMEOUT_S, bridges, publish, wait_for  # noqa: F401 - fixture

S = Command.Status

# Transactional: the bridge thread has its own connection and sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


class FakeDevice:
    """A device on the broker: subscribes to its command topic and collects what arrives."""

    def __init__(self, external_id: str) -> None:
        self.topic = f"{settings.MQTT_TOPIC_PREFIX}/{external_id}/commands"
        self.ack_topic = f"{self.topic}/ack"
        self.received: queue.Queue = queue.Queue()
        broker = parse_mqtt_url(settings.MQTT_URL)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"eh-dev-{uuid.uuid4().hex}"
        )
        subscribed = queue.Queue()
        self.client.on_message = lambda c, u, message: self.received.put(json.loads(message.payload))
        self.client.on_subscribe = lambda *args: subscribed.put(True)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(self.topic, qos=1)
        subscribed.get(timeout=TIMEOUT_S)

    def next(self) -> dict:
        return self.received.get(timeout=TIMEOUT_S)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def mqtt_device(bridges, home):  # noqa: F811 - the fixture from the bridge tests
    device = register(home, type="smart-plug", name="Plug", external_id=f"plug-{uuid.uuid4().hex[:6]}").device
    device.mqtt_topic = f"{settings.MQTT_TOPIC_PREFIX}/{device.external_id}/telemetry"
    device.save(update_fields=["mqtt_topic"])
    online(device)
    fake = FakeDevice(device.external_id)
    bridges.start()
    yield device, fake
    fake.close()


def test_command_lifecycle_over_mqtt(mqtt_device):
    device, fake = mqtt_device

    command = send_command(device=device, command_type="set_power", payload={"on": False})

    message = fake.next()  # the Celery task (eager in tests) published it after commit
    assert message["id"] == command.pk
    assert message["type"] == "set_power" and message["payload"] == {"on": False}
    command.refresh_from_db()
    assert command.transport == Command.Transport.MQTT
    assert command.status == S.SENT and command.attempts == 1

    publish(fake.ack_topic, {"id": command.pk, "status": "acknowledged", "result": {"on": False}})

    assert wait_for(lambda: Command.objects.get(pk=command.pk).status == S.ACKNOWLEDGED)
    device.refresh_from_db()
    assert device.state["on"] is False


def test_unacknowledged_mqtt_command_is_resent_with_the_same_id(mqtt_device):
    from datetime import timedelta

    device, fake = mqtt_device
    command = send_command(device=device, command_type="set_power", payload={"on": True})
    assert fake.next()["attempt"] == 1
    command.refresh_from_db()

    stats = commands.sweep(now=command.next_attempt_at + timedelta(milliseconds=1))

    assert stats.redispatched == 1
    again = fake.next()
    assert again["id"] == command.pk and again["attempt"] == 2


def test_an_ack_on_another_devices_topic_is_ignored(mqtt_device, home):
    device, fake = mqtt_device
    other = register(home, type="smart-plug", name="Other", external_id=f"other-{uuid.uuid4().hex[:6]}").device
    command = send_command(device=device, command_type="set_power", payload={"on": False})
    fake.next()

    publish(
        f"{settings.MQTT_TOPIC_PREFIX}/{other.external_id}/commands/ack", {"id": command.pk, "status": "acknowledged"}
    )
    # A good ack after it proves the bridge processed the forged one first (one subscription, in order).
    publish(fake.ack_topic, {"id": command.pk, "status": "failed", "error": "relay stuck"})

    assert wait_for(lambda: Command.objects.get(pk=command.pk).status != S.SENT)
    command.refresh_from_db()
    assert command.status == S.FAILED and command.error == "relay stuck"


def test_broker_down_leaves_the_command_pending_for_the_sweep(home, settings, django_capture_on_commit_callbacks):
    settings.MQTT_URL = "mqtt://127.0.0.1:1"  # nothing listens there
    from devices import transports

    transports._publisher.reset()
    device = register(home, type="smart-plug", external_id="plug-offbroker", mqtt_topic="x/telemetry").device
    online(device)

    with django_capture_on_commit_callbacks(execute=True):
        command = send_command(device=device, command_type="set_power", payload={"on": False})

    command.refresh_from_db()
    assert command.status == S.PENDING and command.attempts == 1
    assert "unreachable" in command.error
    transports._publisher.reset()

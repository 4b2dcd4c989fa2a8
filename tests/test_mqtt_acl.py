"""The production Mosquitto rules (deploy/mosquitto.conf + .acl) against a private broker started here:
per-device credentials, a device publishes only its own telemetry and reads only its own commands.

Under MQTT 3.1.1 a publish refused by the ACL is still acknowledged, so the rules are tested by what
was stored and what arrived, not by the client's result.
"""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from conftest import CI

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
PASSWORDS = {"energyhome": "service-secret-1", "dev-a": "device-a-secret", "dev-b": "device-b-secret"}
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_broker(tmp_path, settings):
    binary, passwd = shutil.which("mosquitto") or "/usr/sbin/mosquitto", shutil.which("mosquitto_passwd")
    if not Path(binary).exists() or passwd is None:
        if CI:
            pytest.fail("mosquitto and mosquitto_passwd are needed (Debian package mosquitto)")
        pytest.skip("mosquitto is not installed")
    password_file = tmp_path / "passwd"
    for user, secret in PASSWORDS.items():
        flags = ["-b", "-c"] if not password_file.exists() else ["-b"]
        subprocess.run([passwd, *flags, str(password_file), user, secret], check=True, capture_output=True)
    port = _free_port()
    conf = (DEPLOY / "mosquitto.conf").read_text()
    conf = conf.replace("listener 1883", f"listener {port} 127.0.0.1")
    conf = conf.replace("/etc/mosquitto/energyhome.passwd", str(password_file))
    conf = conf.replace("/etc/mosquitto/energyhome.acl", str(DEPLOY / "mosquitto.acl"))
    conf = conf.replace("persistence true", "persistence false").replace(
        "persistence_location /var/lib/mosquitto/\n", ""
    )
    # Started as root, mosquitto switches to its own user, which cannot read pytest's private tmp dir.
    conf += "\nuser root\n"
    (tmp_path / "mosquitto.conf").write_text(conf)
    process = subprocess.Popen(
        [binary, "-c", str(tmp_path / "mosquitto.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"private mosquitto did not start: {process.stdout.read().decode()[-500:]}")
            time.sleep(0.1)
    settings.MQTT_URL = f"mqtt://energyhome:{PASSWORDS['energyhome']}@127.0.0.1:{port}"
    settings.MQTT_TOPIC_PREFIX = "energyhome"
    from devices import transports

    transports._publisher.reset()
    yield port
    transports._publisher.reset()
    process.terminate()
    process.wait(timeout=10)


def _client(port: int, user: str, secret: str) -> tuple[mqtt.Client, queue.Queue, int]:
    arrivals: queue.Queue = queue.Queue()
    connected: queue.Queue = queue.Queue()
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}")
    client.username_pw_set(user, secret)
    client.on_connect = lambda c, u, f, reason_code, p: connected.put(reason_code)
    client.on_message = lambda c, u, m: arrivals.put((m.topic, json.loads(m.payload)))
    client.connect("127.0.0.1", port)
    client.loop_start()
    reason = connected.get(timeout=10)
    return client, arrivals, 0 if not reason.is_failure else 1


def test_a_device_may_publish_only_its_own_telemetry_and_read_only_its_own_commands(private_broker, home):
    from devices.models import Command
    from devices.services import send_command
    from devices.tests.factories import register
    from telemetry.models import Reading
    from telemetry.mqtt import TelemetryBridge
    from telemetry.services import ingest_readings
    from telemetry.tests.test_mqtt_bridge import wait_for

    port = private_broker
    dev_a = register(
        home, type="smart-plug", name="A", external_id="dev-a", mqtt_topic="energyhome/dev-a/telemetry"
    ).device
    dev_b = register(
        home, type="smart-plug", name="B", external_id="dev-b", mqtt_topic="energyhome/dev-b/telemetry"
    ).device
    for device in (dev_a, dev_b):
        ingest_readings(items=[{"time": datetime.now(UTC), "power_w": 1.0}], device=device, source="test")
        device.refresh_from_db()
    bridge = TelemetryBridge(client_id=f"eh-acl-bridge-{uuid.uuid4().hex[:6]}", min_backoff_s=0.2, max_backoff_s=1.0)
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    try:
        assert bridge.connected.wait(10), "the bridge could not sign in to the private broker"
        time.sleep(0.3)
        device_a, arrivals, failed = _client(port, "dev-a", PASSWORDS["dev-a"])
        assert not failed
        device_a.subscribe([("energyhome/dev-b/commands", 1), ("energyhome/dev-a/commands", 1)])
        time.sleep(0.3)

        forged = {"time": datetime.now(UTC).isoformat(), "power_w": 2222.0}
        own = {"time": datetime.now(UTC).isoformat(), "power_w": 1111.0}
        device_a.publish("energyhome/dev-b/telemetry", json.dumps(forged), qos=1).wait_for_publish(5)
        device_a.publish("energyhome/dev-a/telemetry", json.dumps(own), qos=1).wait_for_publish(5)
        assert wait_for(lambda: Reading.objects.filter(device=dev_a, power_w=1111.0).exists())
        assert not Reading.objects.filter(device=dev_b, power_w=2222.0).exists()

        send_command(device=dev_b, command_type="set_power", payload={"on": False})
        mine = send_command(device=dev_a, command_type="set_power", payload={"on": False})
        topic, message = arrivals.get(timeout=10)
        assert (topic, message["id"]) == ("energyhome/dev-a/commands", mine.pk)
        time.sleep(0.3)
        assert arrivals.empty(), "device A read device B's commands"

        # A forged acknowledgement of B's command on A's own ack topic is refused by the bridge.
        other = Command.objects.filter(device=dev_b).get()
        device_a.publish("energyhome/dev-a/commands/ack", json.dumps({"id": other.pk, "status": "acknowledged"}), qos=1)
        device_a.publish("energyhome/dev-a/commands/ack", json.dumps({"id": mine.pk, "status": "acknowledged"}), qos=1)
        assert wait_for(lambda: Command.objects.get(pk=mine.pk).status == Command.Status.ACKNOWLEDGED)
        assert Command.objects.get(pk=other.pk).status != Command.Status.ACKNOWLEDGED
        device_a.disconnect()
        device_a.loop_stop()
    finally:
        bridge.stop()
        thread.join(10)


def test_a_wrong_password_is_refused(private_broker):
    client, _arrivals, failed = _client(private_broker, "dev-a", "not-the-password")
    client.loop_stop()
    assert failed

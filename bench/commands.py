"""Benchmark: command latency, from send_command() to the device having it, over MQTT and polling.

Run: ``.venv/bin/python bench/commands.py [--n 200]`` (not part of the test suite; needs the
Mosquitto broker at MQTT_URL, default 127.0.0.1:1883).

A throw-away SQLite database (embedded profile, eager Celery: the dispatch runs right after the
command's transaction commits, as a worker would pick it up) with one device of each transport.

* **MQTT**: a device client subscribed (QoS 1) to its command topic; latency = the moment its
  message arrives minus the moment ``send_command`` was called. Ceiling, measured in the same run
  on the same broker: a bare QoS 1 publish of the same message from a connected client to the
  same subscriber.
* **Polling**: the device polls ``GET /api/v1/device/commands/`` (Django's test client, full
  middleware stack) right after the command is sent; latency = send to poll response. Ceiling: a
  constant JSON view behind the same middleware. A real device adds its poll interval on top.

Prints p50 and p95 in milliseconds, the ceilings and the ratios; target p95 < 100 ms over MQTT.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="eh-bench-commands-"))
os.environ.pop("DATABASE_URL", None)
os.environ["REDIS_URL"] = "memory://"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "energyhome.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import paho.mqtt.client as mqtt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402


def constant_json(request):
    return JsonResponse({"commands": []})


urlpatterns = [path("bench/constant/", constant_json), path("", include("energyhome.urls"))]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summary(label: str, values_s: list[float]) -> tuple[float, float]:
    p50, p95 = percentile(values_s, 50) * 1000, percentile(values_s, 95) * 1000
    print(f"  {label:<44} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   (n={len(values_s)})")
    return p50, p95


class Subscriber:
    def __init__(self, topic: str) -> None:
        from telemetry.mqtt import parse_mqtt_url

        broker = parse_mqtt_url(settings.MQTT_URL)
        self.arrivals: queue.Queue = queue.Queue()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex}"
        )
        ready = queue.Queue()
        self.client.on_subscribe = lambda *args: ready.put(True)
        self.client.on_message = lambda c, u, m: self.arrivals.put((time.perf_counter(), m.payload))
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        ready.get(timeout=10)

    def next(self) -> tuple[float, bytes]:
        return self.arrivals.get(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200, help="commands per transport (default 200)")
    args, _unknown = parser.parse_known_args()  # bench/run.py passes --n to every benchmark
    n = args.commands

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from accounts.services import create_home
    from devices.models import Command
    from devices.services import register_device, send_command
    from devices.transports import command_message, command_topic
    from telemetry.services import ingest_readings

    user = User.objects.create_user(email="bench@example.com", password="bench-password-42")  # noqa: S106
    home = create_home(owner=user, name="Bench", time_zone="Europe/Berlin", currency="EUR")
    prefix = f"eh-bench-{uuid.uuid4().hex[:8]}"
    settings.MQTT_TOPIC_PREFIX = prefix
    mqtt_device = register_device(
        home=home,
        type="smart-plug",
        name="MQTT plug",
        external_id="bench-mqtt",
        mqtt_topic=f"{prefix}/bench-mqtt/telemetry",
    ).device
    poll_registered = register_device(home=home, type="smart-plug", name="Polling plug", external_id="bench-poll")
    for device in (mqtt_device, poll_registered.device):
        ingest_readings(items=[{"time": timezone.now(), "power_w": 10.0}], device=device, source="bench")
        device.refresh_from_db()

    try:
        device_side = Subscriber(command_topic(mqtt_device.external_id))
    except OSError as exc:
        print(f"MQTT broker at {settings.MQTT_URL} unreachable: {exc}", file=sys.stderr)
        return 1

    print(f"Command latency, {n} commands per transport (SQLite, eager dispatch, Mosquitto at {settings.MQTT_URL})")
    # --- MQTT -------------------------------------------------------------------------------------
    latencies: list[float] = []
    for i in range(n + 5):
        started = time.perf_counter()
        command = send_command(device=mqtt_device, command_type="set_power", payload={"on": i % 2 == 0})
        arrived, payload = device_side.next()
        assert json.loads(payload)["id"] == command.pk
        if i >= 5:  # the first ones open the publishing connection
            latencies.append(arrived - started)
    mqtt_p50, mqtt_p95 = summary("MQTT: send_command -> device has it", latencies)

    publisher = Subscriber(f"{prefix}/unused")  # a connected client, to publish from
    body = json.dumps(command_message(Command.objects.latest("id"))).encode()
    bare: list[float] = []
    for _ in range(n):
        started = time.perf_counter()
        publisher.client.publish(command_topic(mqtt_device.external_id), body, qos=1)
        arrived, _payload = device_side.next()
        bare.append(arrived - started)
    bare_p50, bare_p95 = summary("ceiling: bare MQTT publish -> subscriber", bare)
    publisher.close()
    device_side.close()

    # --- polling -----------------------------------------------------------------------------------
    client = Client(HTTP_AUTHORIZATION=f"Device {poll_registered.plain_key}")
    client.get("/api/v1/device/commands/")
    polled: list[float] = []
    for i in range(n):
        started = time.perf_counter()
        command = send_command(device=poll_registered.device, command_type="set_power", payload={"on": i % 2 == 0})
        response = client.get("/api/v1/device/commands/")
        polled.append(time.perf_counter() - started)
        assert [c["id"] for c in response.json()["commands"]] == [command.pk], response.content
    poll_p50, poll_p95 = summary("polling: send_command -> poll response", polled)
    with override_settings(ROOT_URLCONF=__name__):
        constant = Client()
        constant.get("/bench/constant/")
        flat: list[float] = []
        for _ in range(n):
            started = time.perf_counter()
            constant.get("/bench/constant/")
            flat.append(time.perf_counter() - started)
    const_p50, const_p95 = summary("ceiling: constant JSON view", flat)

    print()
    print(f"  MQTT p95 {mqtt_p95:.1f} ms (target < 100 ms): {'met' if mqtt_p95 < 100 else 'NOT met'}")
    print(f"  MQTT / bare publish: p50 {mqtt_p50 / bare_p50:.1f}x, p95 {mqtt_p95 / bare_p95:.1f}x")
    print(f"  polling / constant view: p50 {poll_p50 / const_p50:.1f}x, p95 {poll_p95 / const_p95:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

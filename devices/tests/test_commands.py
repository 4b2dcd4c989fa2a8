"""Device commands through the public doors: send_command, the device API (poll, ack), the sweep."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from devices import commands
from devices.models import Command, Device, Issuer
from devices.services import create_device_key, send_command
from devices.tests.factories import register
from telemetry.services import ingest_readings

S = Command.Status


def online(device: Device, power_w: float = 100.0) -> Device:
    """Make ``device`` recently seen by ingesting a reading now (the real path)."""
    ingest_readings(items=[{"time": timezone.now(), "power_w": power_w}], device=device, source="test")
    device.refresh_from_db()
    return device


def device_client(plain_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Device {plain_key}")


@pytest.fixture
def charger(home):
    registered = register(home, type="ev-charger", name="Wallbox", external_id="wallbox-1")
    online(registered.device, 7000)
    registered.device.refresh_from_db()
    return registered


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_slug", "command_type", "payload", "field"),
    [
        ("fridge", "set_power", {"on": False}, "command_type"),  # a fridge takes no commands
        ("smart-plug", "reboot", {}, "command_type"),  # unknown command
        ("smart-plug", "set_power", {"on": "off"}, "on"),  # must be a boolean
        ("smart-plug", "set_power", {}, "on"),  # missing
        ("smart-plug", "set_power", {"on": True, "speed": 3}, "payload"),  # unknown field
        ("smart-plug", "set_power", ["on"], "payload"),  # not an object
        ("heat-pump", "set_temperature", {"temperature_c": 80}, "temperature_c"),  # above 60 °C
        ("heat-pump", "set_temperature", {"temperature_c": 10}, "temperature_c"),  # below 16 °C
        ("heat-pump", "set_temperature", {"temperature_c": "21"}, "temperature_c"),  # text
        ("heat-pump", "set_temperature", {"temperature_c": float("nan")}, "temperature_c"),
        ("heat-pump", "set_mode", {"mode": "turbo"}, "mode"),
        ("home-battery", "set_charge_limit", {"limit_pct": 101}, "limit_pct"),
        ("ev-charger", "set_charge_limit", {"limit_pct": 5}, "limit_pct"),
        ("ev-charger", "set_charge_limit", {"limit_pct": 50.5}, "limit_pct"),
        ("ev-charger", "set_temperature", {"temperature_c": 20}, "command_type"),
    ],
)
def test_bad_commands_are_refused_naming_the_field(home, type_slug, command_type, payload, field):
    device = online(register(home, type=type_slug, name="X").device, 10)

    with pytest.raises(ValidationError) as caught:
        send_command(device=device, command_type=command_type, payload=payload, issued_by=Issuer.USER)

    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0]
    assert not Command.objects.exists()


@pytest.mark.parametrize(
    ("type_slug", "command_type", "payload", "stored"),
    [
        ("smart-plug", "set_power", {"on": False}, {"on": False}),
        ("heat-pump", "set_temperature", {"temperature_c": 21.04}, {"temperature_c": 21.0}),
        ("heat-pump", "set_mode", {"mode": "eco"}, {"mode": "eco"}),
        ("home-battery", "set_mode", {"mode": "backup"}, {"mode": "backup"}),
        ("home-battery", "set_charge_limit", {"limit_pct": 80}, {"limit_pct": 80}),
        ("ev-charger", "set_charge_limit", {"limit_pct": 80.0}, {"limit_pct": 80}),
    ],
)
def test_valid_commands_are_stored_pending_and_normalised(home, type_slug, command_type, payload, stored):
    device = online(register(home, type=type_slug, name="X").device, 10)

    command = send_command(device=device, command_type=command_type, payload=payload, issued_by=Issuer.USER)

    command.refresh_from_db()
    assert command.payload == stored
    assert command.transport == Command.Transport.POLL
    assert command.status == S.PENDING
    assert command.expires_at - command.created_at == timedelta(seconds=120)


def test_offline_device_is_refused_unless_queued(home):
    device = register(home, type="smart-plug", name="Garden plug").device  # never seen

    with pytest.raises(ValidationError) as caught:
        send_command(device=device, command_type="set_power", payload={"on": True})
    assert "offline" in caught.value.message_dict["device"][0]

    command = send_command(device=device, command_type="set_power", payload={"on": True}, queue_if_offline=True)
    assert command.queued_while_offline
    assert command.expires_at - command.created_at == timedelta(hours=24)


def test_deactivated_device_is_refused(home):
    from devices.services import deactivate_device

    device = online(register(home, type="smart-plug").device)
    deactivate_device(device=device)

    with pytest.raises(ValidationError) as caught:
        send_command(device=device, command_type="set_power", payload={"on": True})
    assert "deactivated" in caught.value.message_dict["device"][0]


def test_send_command_pushes_live_after_commit(home, django_capture_on_commit_callbacks, monkeypatch):
    pushed = []
    monkeypatch.setattr("telemetry.live.publish_command", lambda home_id, **kw: pushed.append((home_id, kw)))
    device = online(register(home, type="smart-plug").device)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        command = send_command(device=device, command_type="set_power", payload={"on": False})
    assert pushed == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert pushed[0] == (home.pk, {"device_id": device.pk, "command_id": command.pk, "created": True})


# --- polling lifecycle -------------------------------------------------------------------------------


def test_polling_lifecycle_pending_sent_acknowledged_updates_state(charger):
    command = send_command(device=charger.device, command_type="set_power", payload={"on": False})
    client = device_client(charger.plain_key)

    polled = client.get("/api/v1/device/commands/")
    assert polled.status_code == 200
    body = polled.json()
    assert [c["id"] for c in body["commands"]] == [command.pk]
    assert body["commands"][0]["type"] == "set_power"
    assert body["commands"][0]["payload"] == {"on": False}
    command.refresh_from_db()
    assert command.status == S.SENT and command.attempts == 1 and command.sent_at

    # Polling again before the backoff returns nothing: the device is not flooded with repeats.
    assert client.get("/api/v1/device/commands/").json()["commands"] == []

    ack = client.post(
        f"/api/v1/device/commands/{command.pk}/ack/",
        data=json.dumps({"status": "acknowledged", "result": {"on": False}}),
        content_type="application/json",
    )
    assert ack.status_code == 200, ack.content
    assert ack.json()["status"] == "acknowledged"
    command.refresh_from_db()
    charger.device.refresh_from_db()
    assert command.status == S.ACKNOWLEDGED and command.completed_at
    assert charger.device.state["on"] is False

    # The same ack again is harmless (devices retry); a contradicting one is a conflict.
    again = client.post(
        f"/api/v1/device/commands/{command.pk}/ack/",
        data=json.dumps({"status": "acknowledged"}),
        content_type="application/json",
    )
    assert again.status_code == 200
    conflict = client.post(
        f"/api/v1/device/commands/{command.pk}/ack/",
        data=json.dumps({"status": "failed", "error": "x"}),
        content_type="application/json",
    )
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict"


def test_failed_ack_records_the_device_error(charger):
    command = send_command(device=charger.device, command_type="set_charge_limit", payload={"limit_pct": 50})
    client = device_client(charger.plain_key)
    client.get("/api/v1/device/commands/")

    response = client.post(
        f"/api/v1/device/commands/{command.pk}/ack/",
        data=json.dumps({"status": "failed", "error": "car not connected"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    command.refresh_from_db()
    assert command.status == S.FAILED and command.error == "car not connected"
    charger.device.refresh_from_db()
    assert "limit_pct" not in charger.device.state


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "done"}, "status"), ({"status": "acknowledged", "result": [1]}, "result"), ({}, "status")],
)
def test_bad_ack_is_a_400_naming_the_field(charger, body, field):
    command = send_command(device=charger.device, command_type="set_power", payload={"on": True})
    response = device_client(charger.plain_key).post(
        f"/api/v1/device/commands/{command.pk}/ack/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    command.refresh_from_db()
    assert command.status == S.PENDING


def test_unacknowledged_poll_command_is_retried_with_backoff_then_expires(charger):
    start = timezone.now()
    client = device_client(charger.plain_key)
    with time_machine.travel(start, tick=False):
        command = send_command(device=charger.device, command_type="set_power", payload={"on": False})
        assert len(client.get("/api/v1/device/commands/").json()["commands"]) == 1
    with time_machine.travel(start + timedelta(seconds=4), tick=False):
        assert client.get("/api/v1/device/commands/").json()["commands"] == []  # backoff 5 s
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        again = client.get("/api/v1/device/commands/").json()["commands"]
        assert [c["id"] for c in again] == [command.pk] and again[0]["attempt"] == 2
    with time_machine.travel(start + timedelta(seconds=6 + 9), tick=False):
        assert client.get("/api/v1/device/commands/").json()["commands"] == []  # backoff now 10 s
    with time_machine.travel(start + timedelta(seconds=17), tick=False):
        assert len(client.get("/api/v1/device/commands/").json()["commands"]) == 1

    stats = commands.sweep(now=start + timedelta(seconds=121))

    command.refresh_from_db()
    assert stats.expired == 1
    assert command.status == S.EXPIRED and "3 attempts" in command.error
    with time_machine.travel(start + timedelta(seconds=130), tick=False):
        assert client.get("/api/v1/device/commands/").json()["commands"] == []
    assert commands.sweep(now=start + timedelta(seconds=200)).expired == 0  # idempotent


def test_a_late_ack_after_expiry_is_still_recorded(charger):
    command = send_command(device=charger.device, command_type="set_power", payload={"on": False})
    commands.sweep(now=timezone.now() + timedelta(minutes=3))
    command.refresh_from_db()
    assert command.status == S.EXPIRED

    commands.record_ack(command=command, ok=True, result={"on": False})

    command.refresh_from_db()
    assert command.status == S.ACKNOWLEDGED
    assert "after it had expired" in command.error


def test_a_device_key_cannot_poll_or_ack_another_devices_command(home, charger):
    other = register(home, type="smart-plug", name="Plug", external_id="plug-1")
    online(other.device)
    command = send_command(device=charger.device, command_type="set_power", payload={"on": False})
    client = device_client(other.plain_key)

    assert client.get("/api/v1/device/commands/").json()["commands"] == []
    response = client.post(
        f"/api/v1/device/commands/{command.pk}/ack/",
        data=json.dumps({"status": "acknowledged"}),
        content_type="application/json",
    )

    assert response.status_code == 404
    command.refresh_from_db()
    assert command.status == S.PENDING


def test_a_home_key_polls_every_device_of_its_home_but_not_other_homes(home, other_home, charger):
    foreign = online(register(other_home, type="smart-plug", external_id="foreign-plug").device)
    mine = send_command(device=charger.device, command_type="set_power", payload={"on": False})
    send_command(device=foreign, command_type="set_power", payload={"on": False})
    _key, plain = create_device_key(home=home, label="hub")

    polled = device_client(plain).get("/api/v1/device/commands/").json()["commands"]

    assert [(c["id"], c["device"]) for c in polled] == [(mine.pk, "wallbox-1")]


def test_poll_and_ack_need_a_valid_device_key(charger):
    assert Client().get("/api/v1/device/commands/").status_code == 401
    assert device_client("ehk_nonsense").get("/api/v1/device/commands/").status_code == 401

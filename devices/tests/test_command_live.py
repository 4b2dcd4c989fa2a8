"""Command status changes reach open pages live: device controls, dashboard tiles, the command log."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from devices.models import Command
from devices.services import send_command
from devices.tests.factories import register
from devices.tests.test_commands import online
from telemetry.tests import test_consumer as live
from telemetry.tests.test_consumer import _communicator, _owner, _receive_all, run

# The consumer tests' fixtures: the real ASGI application over an in-memory channel layer.
in_memory_layer = live.in_memory_layer
asgi_app = live.application

pytestmark = pytest.mark.django_db(transaction=True)


def test_device_page_sees_pending_then_acknowledged_without_reload(asgi_app, home, django_capture_on_commit_callbacks):
    registered = register(home, type="smart-plug", name="Kettle plug")
    plug = online(registered.device, 1500)
    communicator = _communicator(asgi_app, home, _owner(home), query=f"view=devices&device={plug.pk}")
    device_api = Client(HTTP_AUTHORIZATION=f"Device {registered.plain_key}")

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return send_command(device=plug, command_type="set_power", payload={"on": False}).pk

    def device_acks(command_id):
        with django_capture_on_commit_callbacks(execute=True):
            device_api.get("/api/v1/device/commands/")
        with django_capture_on_commit_callbacks(execute=True):
            device_api.post(
                f"/api/v1/device/commands/{command_id}/ack/",
                data=json.dumps({"status": "acknowledged", "result": {"on": False}}),
                content_type="application/json",
            )

    async def scenario():
        assert (await communicator.connect())[0]
        command_id = await database_sync_to_async(send)()
        pending = await communicator.receive_from(timeout=3)
        await database_sync_to_async(device_acks)(command_id)
        later = await _receive_all(communicator, 1.0)
        await communicator.disconnect()
        return pending, later

    pending, later = run(scenario)
    assert f'id="device-controls-{plug.pk}"' in pending and 'hx-swap-oob="true"' in pending
    assert "Switch off: sending" in pending
    assert "Acknowledged" in later[-1] and "is-pending" not in later[-1]
    assert Command.objects.get().status == "acknowledged"


def test_command_log_gets_a_new_row_on_top(asgi_app, home, django_capture_on_commit_callbacks):
    plug = online(register(home, type="smart-plug", name="Kettle plug").device)
    communicator = _communicator(asgi_app, home, _owner(home), query="view=commands")

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return send_command(device=plug, command_type="set_power", payload={"on": True}).pk

    async def scenario():
        assert (await communicator.connect())[0]
        command_id = await database_sync_to_async(send)()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return command_id, html

    command_id, html = run(scenario)
    assert f'id="command-{command_id}"' in html
    assert 'hx-swap-oob="afterbegin:#command-log-rows"' in html


def test_a_non_member_never_receives_command_events(asgi_app, home, other_home, django_capture_on_commit_callbacks):
    online(register(home, type="smart-plug").device)
    communicator = _communicator(asgi_app, home, _owner(other_home), query="view=commands")

    async def scenario():
        connected, _ = await communicator.connect()
        return connected

    assert run(scenario) is False

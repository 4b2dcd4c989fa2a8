"""LiveConsumer over the real ASGI stack (origin check, session auth, routing) with an in-memory
channel layer: who may connect, what a member receives, coalescing, and revocation mid-stream."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role
from devices.tests.factories import register
from telemetry.live import group_name
from telemetry.services import ingest_readings
from telemetry.tests.factories import reading

# Transactional: channels' database_sync_to_async closes old connections around each call,
# which would close the connection holding a test-wrapping transaction on PostgreSQL. No serialized
# rollback: conftest re-seeds the device types after a flush, and a serialized restore after another
# transactional test's flush collides with the content types that flush re-created.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def application():
    from energyhome.asgi import application

    return application


def _headers(user=None, origin: str = "http://testserver") -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def _owner(home):
    return home.memberships.get(role=Role.OWNER).user


def _communicator(application, home, user, *, origin="http://testserver", query="view=dashboard"):
    """Built in the test's own (sync) thread: logging in needs the database."""
    return WebsocketCommunicator(application, f"/ws/homes/{home.pk}/live/?{query}", headers=_headers(user, origin))


def run(coro_fn):
    return async_to_sync(coro_fn)()


async def _receive_all(communicator, within_s: float) -> list[str]:
    """Every message that arrives within ``within_s`` (receive_from's own timeout would cancel the app)."""
    messages: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline:
        if not await communicator.receive_nothing(timeout=0.05, interval=0.01):
            messages.append(await communicator.receive_from())
    return messages


def test_member_receives_the_tile_and_balance_partials_after_an_ingest(
    application, home, django_capture_on_commit_callbacks
):
    device = register(home, name="Kettle").device

    def ingest():
        with django_capture_on_commit_callbacks(execute=True):
            ingest_readings(device=device, items=[reading(time=timezone.now() - timedelta(seconds=5), power_w=1234)])

    communicator = _communicator(application, home, _owner(home))

    async def scenario():
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(ingest)()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    html = run(scenario)
    assert f'id="device-tile-{device.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert "1.23 kW" in html
    assert 'id="power-now"' in html
    assert 'id="live-point"' in html and 'data-consumption="1234.0"' in html


def test_devices_view_gets_the_live_power_cell_of_its_device_only(application, home):
    plug = register(home, name="Plug").device
    other = register(home, name="Other").device
    now = timezone.now()

    communicator = _communicator(application, home, _owner(home), query=f"view=devices&device={plug.pk}")

    async def scenario():
        assert (await communicator.connect())[0]
        layer = get_channel_layer()
        await layer.group_send(
            group_name(home.pk),
            {"type": "live.readings", "devices": {str(other.pk): {"time": now.isoformat(), "power_w": 5.0}}},
        )
        await layer.group_send(
            group_name(home.pk),
            {"type": "live.readings", "devices": {str(plug.pk): {"time": now.isoformat(), "power_w": 42.0}}},
        )
        messages = await _receive_all(communicator, 1.5)
        await communicator.disconnect()
        return messages

    messages = run(scenario)
    assert len(messages) == 1
    assert f'id="device-power-{plug.pk}"' in messages[0]
    assert f"device-power-{other.pk}" not in messages[0]
    assert "42 W" in messages[0]


def test_non_member_is_refused(application, home, other_home):
    communicator = _communicator(application, home, _owner(other_home))

    async def scenario():
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert run(scenario) is False


def test_anonymous_is_refused(application, home):
    communicator = _communicator(application, home, None)

    async def scenario():
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert run(scenario) is False


def test_foreign_origin_is_refused_even_for_the_owner(application, home):
    communicator = _communicator(application, home, _owner(home), origin="https://evil.example")

    async def scenario():
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert run(scenario) is False


def test_ten_events_in_100_ms_give_at_most_two_pushes_and_the_last_value_arrives(application, home):
    device = register(home, name="Chatty").device
    start = timezone.now()

    communicator = _communicator(application, home, _owner(home))

    async def scenario():
        assert (await communicator.connect())[0]
        layer = get_channel_layer()
        for n in range(10):
            value = {"time": (start + timedelta(milliseconds=10 * n)).isoformat(), "power_w": 101.0 + n}
            await layer.group_send(group_name(home.pk), {"type": "live.readings", "devices": {str(device.pk): value}})
            await asyncio.sleep(0.01)
        messages = await _receive_all(communicator, 2.5)
        await communicator.disconnect()
        return messages

    messages = run(scenario)
    assert 1 <= len(messages) <= 2
    assert "110 W" in messages[-1]
    assert all(m.count(f'id="device-tile-{device.pk}"') == 1 for m in messages)


def test_membership_revoked_while_open_stops_updates_and_closes(application, home, make_user):
    device = register(home, name="Lamp").device
    member = make_user("leaving@example.com")
    Membership.objects.create(user=member, home=home, role=Role.MEMBER)
    now = timezone.now()

    communicator = _communicator(application, home, member)

    async def scenario():
        assert (await communicator.connect())[0]
        layer = get_channel_layer()
        event = {"type": "live.readings", "devices": {str(device.pk): {"time": now.isoformat(), "power_w": 60.0}}}
        await layer.group_send(group_name(home.pk), event)
        first = await communicator.receive_from(timeout=3)
        await database_sync_to_async(Membership.objects.filter(user=member, home=home).delete)()
        later = {"type": "live.readings", "devices": {str(device.pk): {"time": now.isoformat(), "power_w": 75.0}}}
        await layer.group_send(group_name(home.pk), later)
        closing = await communicator.receive_output(timeout=3)
        await communicator.wait()
        return first, closing

    first, closing = run(scenario)
    assert "60 W" in first
    assert closing == {"type": "websocket.close", "code": 4403}


def test_real_redis_delivers_a_published_event(application, home, settings, require_service):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": "eh-test-live"},
        }
    }
    require_service("redis")
    device = register(home, name="Heater").device
    from telemetry.live import publish

    communicator = _communicator(application, home, _owner(home))

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(publish)(
            home.pk, {device.pk: {"time": timezone.now().isoformat(), "power_w": 2500.0}}
        )
        html = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return html

    assert "2.50 kW" in run(scenario)


def test_pushed_html_is_not_json(application, home):
    """The socket speaks htmx: HTML fragments, not JSON."""
    device = register(home, name="Fan").device

    communicator = _communicator(application, home, _owner(home))

    async def scenario():
        assert (await communicator.connect())[0]
        event = {
            "type": "live.readings",
            "devices": {str(device.pk): {"time": timezone.now().isoformat(), "power_w": 1}},
        }
        await get_channel_layer().group_send(group_name(home.pk), event)
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    html = run(scenario)
    with pytest.raises(json.JSONDecodeError):
        json.loads(html)

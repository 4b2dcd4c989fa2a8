"""The app's JSON live stream: token auth, membership at connect and per event, JSON messages."""

from __future__ import annotations

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
from tests.api_support import _fast_password_hashing, tokens_for  # noqa: F401 (autouse fixture)

# Transactional, as the web consumer's tests: database_sync_to_async closes connections. No
# serialized rollback: conftest re-seeds the device types, and restoring content types after
# another transactional test's flush collides with the ones post_migrate re-created.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def application():
    from energyhome.asgi import application

    return application


@pytest.fixture(autouse=True)
def redis_layer(require_service):
    require_service("redis")  # the real channel layer (channels-redis), as in production


def _owner(home):
    return home.memberships.get(role=Role.OWNER).user


def _stream(application, path: str, token: str | None = None, cookie: str | None = None):
    headers = [(b"host", b"testserver")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def run(coro_fn):
    return async_to_sync(coro_fn)()


async def _refusal(communicator):
    connected, _ = await communicator.connect()
    assert connected  # accepted, to say why, then closed
    message = json.loads(await communicator.receive_from(timeout=3))
    closed = await communicator.receive_output(timeout=3)
    return message, closed


def test_a_member_gets_json_readings_after_an_ingest(application, home, django_capture_on_commit_callbacks):
    device = register(home, name="Kettle", type="smart-plug").device
    token = tokens_for(_owner(home))["access_token"]
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}", token=token)

    def ingest():
        with django_capture_on_commit_callbacks(execute=True):
            ingest_readings(device=device, items=[reading(time=timezone.now() - timedelta(seconds=5), power_w=1234)])

    async def scenario():
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(ingest)()
        message = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return json.loads(message)

    message = run(scenario)
    assert message["type"] == "readings" and message["home_id"] == home.pk
    assert message["consumption_w"] == 1234.0
    assert [(d["device_id"], d["power_w"], d["state"]) for d in message["devices"]] == [(device.pk, 1234.0, "on")]
    assert message["time"].endswith("Z")


def test_the_token_may_come_as_a_query_parameter(application, home):
    device = register(home, name="Plug").device
    token = tokens_for(_owner(home))["access_token"]
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}&access_token={token}")

    async def scenario():
        assert (await communicator.connect())[0]
        await get_channel_layer().group_send(
            group_name(home.pk),
            {
                "type": "live.readings",
                "devices": {str(device.pk): {"time": timezone.now().isoformat(), "power_w": 7.0}},
            },
        )
        message = json.loads(await communicator.receive_from(timeout=5))
        await communicator.disconnect()
        return message

    assert run(scenario)["devices"][0]["power_w"] == 7.0


def test_without_a_token_the_stream_is_refused_with_4401(application, home):
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}")
    message, closed = async_to_sync(_refusal)(communicator)
    assert message == {
        "type": "error",
        "error": {"code": "not_authenticated", "message": "Send a valid access token.", "fields": {}},
    }
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_session_cookie_does_not_open_the_stream(application, home):
    client = Client()
    client.force_login(_owner(home))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}", cookie=cookie)
    _message, closed = async_to_sync(_refusal)(communicator)
    assert closed["code"] == 4401


def test_a_logged_out_token_is_refused(application, home):
    tokens = tokens_for(_owner(home))
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()  # what logging out does to the token's session
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}", token=tokens["access_token"])
    assert async_to_sync(_refusal)(communicator)[1]["code"] == 4401


@pytest.mark.parametrize("query", ["home={other}", "home=999999", "home=abc", ""])
def test_a_non_member_gets_4404_like_a_missing_home(application, home, other_home, query):
    token = tokens_for(_owner(home))["access_token"]
    path = "/ws/api/v1/stream/?" + query.format(other=other_home.pk)
    message, closed = async_to_sync(_refusal)(_stream(application, path, token=token))
    assert message["error"]["code"] == "not_found"
    assert closed["code"] == 4404


def test_a_membership_revoked_while_connected_closes_the_stream(application, home, make_user):
    member = make_user("member@example.com")
    membership = Membership.objects.create(user=member, home=home, role=Role.MEMBER)
    device = register(home, name="Plug").device
    token = tokens_for(member)["access_token"]
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}", token=token)

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(membership.delete)()
        await get_channel_layer().group_send(
            group_name(home.pk),
            {
                "type": "live.readings",
                "devices": {str(device.pk): {"time": timezone.now().isoformat(), "power_w": 1.0}},
            },
        )
        return await communicator.receive_output(timeout=5)

    assert run(scenario) == {"type": "websocket.close", "code": 4403}


def test_command_events_arrive_as_json(application, home):
    device = register(home, name="Plug").device
    token = tokens_for(_owner(home))["access_token"]
    communicator = _stream(application, f"/ws/api/v1/stream/?home={home.pk}", token=token)

    async def scenario():
        assert (await communicator.connect())[0]
        await get_channel_layer().group_send(
            group_name(home.pk),
            {"type": "live.command", "device_id": device.pk, "command_id": 42, "created": True},
        )
        message = json.loads(await communicator.receive_from(timeout=5))
        await communicator.disconnect()
        return message

    assert run(scenario) == {
        "type": "command",
        "home_id": home.pk,
        "device_id": device.pk,
        "command_id": 42,
        "created": True,
    }

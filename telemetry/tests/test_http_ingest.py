"""POST /api/v1/ingest/: authentication, status codes, and that no input makes it fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError
from django.test import Client

from devices.services import create_device_key, revoke_device_key, rotate_device_key
from devices.tests.factories import register
from telemetry.models import Reading
from telemetry.services import MAX_BATCH
from telemetry.tests.factories import minutes_ago, reading

URL = "/api/v1/ingest/"


@pytest.fixture
def client():
    # CSRF checks on, as for a real device: the endpoint must not need a token.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def plug(home):
    return register(home, type="smart-plug", external_id="plug-a")


def post(client, key, body, *, content_type="application/json", raw=False):
    data = body if raw else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Device {key}"} if key is not None else {}
    return client.post(URL, data=data, content_type=content_type, **headers)


@pytest.mark.parametrize("shape", ["object", "list", "wrapped"])
def test_all_stored_answers_201_in_every_body_shape(client, plug, shape):
    item = reading()
    body = {"object": item, "list": [item], "wrapped": {"readings": [item]}}[shape]

    response = post(client, plug.plain_key, body)

    assert response.status_code == 201
    assert response.json() == {"received": 1, "stored": 1, "duplicate": 0, "rejected": 0, "errors": []}
    assert Reading.objects.filter(device=plug.device).count() == 1


def test_duplicates_still_answer_201_and_are_counted_as_such(client, plug):
    items = [reading(time=minutes_ago(2)), reading(time=minutes_ago(1))]
    post(client, plug.plain_key, items)

    response = post(client, plug.plain_key, items)

    assert response.status_code == 201
    assert response.json()["duplicate"] == 2
    assert Reading.objects.count() == 2


def test_some_rejected_answers_207_with_per_item_errors(client, plug):
    response = post(client, plug.plain_key, [reading(), reading(time=minutes_ago(2), power_w=-5), {"power_w": 3}])

    assert response.status_code == 207
    body = response.json()
    assert (body["stored"], body["rejected"]) == (1, 2)
    assert [(error["index"], error["field"]) for error in body["errors"]] == [(1, "power_w"), (2, "time")]
    assert Reading.objects.count() == 1


def test_a_body_without_json_content_type_is_still_read(client, plug):
    response = post(client, plug.plain_key, [reading()], content_type="text/plain")

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"{",
        b"\xff\xfe\x00garbage",
        b'[{"time": "2026-01-05T12:00:00Z", "power_w": NaN}]',
        b'{"time": "2026-01-05T12:00:00Z", "power_w": Infinity}',
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b"[]",
        b'{"readings": []}',
        b'{"readings": "x"}',
        b'{"readings": {"time": 1}}',
        b'{"readings": [], "extra": 1}',
        b"[" * 100_000 + b"]" * 100_000,
        b"1" * 5000,
    ],
)
def test_a_body_that_is_not_json_or_not_the_schema_answers_400(client, plug, body):
    response = post(client, plug.plain_key, body, raw=True)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert not Reading.objects.exists()


def test_empty_list_error_names_the_field(client, plug):
    response = post(client, plug.plain_key, [])

    assert response.json()["error"]["fields"] == {"readings": ["At least one reading is required."]}


def test_a_batch_over_the_limit_answers_413(client, plug):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    items = [{"time": (start + timedelta(seconds=n)).timestamp(), "power_w": 1} for n in range(MAX_BATCH + 1)]

    response = post(client, plug.plain_key, items)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Reading.objects.exists()


@pytest.mark.parametrize(
    "header",
    [None, "", "Device", "Device ", "Device a b", "Bearer ehk_x", "Device ehk_unknown", "Device \u00e9"],
)
def test_missing_or_bad_key_answers_401(client, plug, header):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}

    response = client.post(URL, data=json.dumps([reading()]), content_type="application/json", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Device"
    assert "error" in response.json()
    assert not Reading.objects.exists()


def test_session_login_is_not_enough(owner_client, plug):
    response = owner_client.post(URL, data=json.dumps([reading()]), content_type="application/json")

    assert response.status_code == 401


def test_revoked_key_answers_403(client, plug):
    revoke_device_key(key=plug.key)

    response = post(client, plug.plain_key, [reading()])

    assert response.status_code == 403
    assert "revoked" in response.json()["error"]["message"]
    assert not Reading.objects.exists()


def test_after_rotation_the_old_key_is_refused_and_the_new_one_works(client, plug):
    new_key = rotate_device_key(device=plug.device)

    assert post(client, plug.plain_key, [reading(time=minutes_ago(2))]).status_code == 403
    assert post(client, new_key, [reading(time=minutes_ago(1))]).status_code == 201
    assert Reading.objects.count() == 1


def test_device_key_of_home_a_cannot_post_for_a_device_of_home_b(client, plug, other_home):
    foreign = register(other_home, external_id="plug-b")

    response = post(client, plug.plain_key, [reading(device="plug-b")])

    assert response.status_code == 207
    assert response.json()["errors"][0]["field"] == "device"
    assert not Reading.objects.filter(device=foreign.device).exists()
    assert not Reading.objects.exists()


def test_home_key_posts_for_its_own_devices_only(client, home, plug, other_home):
    register(other_home, external_id="plug-b")
    _key, home_key = create_device_key(home=home, label="gateway")

    response = post(client, home_key, [reading(device="plug-a"), reading(device="plug-b")])

    assert response.status_code == 207
    body = response.json()
    assert (body["stored"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["index"] == 1
    assert list(Reading.objects.values_list("device__external_id", flat=True)) == ["plug-a"]


def test_a_database_outage_answers_503_with_retry_after(client, plug, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("telemetry.api.ingest_readings", down)

    response = post(client, plug.plain_key, [reading()])

    assert response.status_code == 503
    assert response["Retry-After"]


FUZZ_ITEMS = [
    {},
    {"time": "Infinity", "power_w": "NaN"},
    {"time": {"nested": [{"junk": None}]}, "power_w": [[[]]]},
    {"time": 1e308, "power_w": 1e308},
    {"time": -1e308, "power_w": -1e308},
    {"time": 10**300, "power_w": 10**300},
    {"time": "2026-13-45T99:99:99Z", "power_w": 1},
    {"time": "2026-01-05T12:00:00+99:00", "power_w": 1},
    {"time": "0001-01-01T00:00:00+14:00", "power_w": 1},
    {"time": "9999-12-31T23:59:59-14:00", "power_w": 1},
    {"time": "\u0000\ud7ff", "power_w": 1},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": ["plug-a"]},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": {"id": 1}},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": ""},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": "\ud800"},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": "p" * 100_000},
    {"time": "\ud800", "power_w": 1},
    {"time": "2026-01-05T12:00:00Z", "power_w": 1, "x" * 10_000: 1},
    [],
    "reading",
    12,
    None,
    True,
]


@pytest.mark.parametrize("item", FUZZ_ITEMS, ids=range(len(FUZZ_ITEMS)))
def test_junk_items_are_rejected_never_a_500(client, home, plug, item):
    _key, home_key = create_device_key(home=home)

    for key in (plug.plain_key, home_key):
        response = post(client, key, [item])
        assert response.status_code in {201, 207}, response.content
        assert response.json()["rejected"] >= 1

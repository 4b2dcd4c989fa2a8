"""Device API: create (key shown once), update, deactivate, keys, status — through the services."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from devices.models import Device, DeviceKey
from devices.tests.factories import register
from telemetry.tests.factories import reading
from tests.api_support import _fast_password_hashing, assert_error, client_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(home):
    return client_for(home.memberships.get(role="owner").user)


def _post(client, url, body=None):
    return client.post(url, json.dumps(body) if body is not None else "", content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def _ingest(key: str, items) -> int:
    return _post(Client(headers={"Authorization": f"Device {key}"}), "/api/v1/ingest/", items).status_code


def test_create_returns_the_device_and_its_key_once_and_the_key_ingests(owner, home):
    response = _post(
        owner, "/api/v1/devices/", {"home": home.pk, "type": "heat-pump", "name": "Heat pump", "room": "Cellar"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "heat-pump" and body["category"] == "consumer" and body["room"] == "Cellar"
    assert body["key"].startswith("ehk_")
    assert _ingest(body["key"], [reading(power_w=1200.0)]) == 201
    detail = owner.get(f"/api/v1/devices/{body['id']}/").json()
    assert "key" not in detail
    keys = owner.get(f"/api/v1/devices/{body['id']}/keys/").json()
    assert keys["count"] == 1 and body["key"] not in json.dumps(keys)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "no-such-type", "name": "X"}, "type"),
        ({"type": "smart-plug", "name": ""}, "name"),
        ({"type": "smart-plug", "name": "X", "rated_power_w": -5}, "rated_power_w"),
        ({"type": "smart-plug", "name": "X", "rated_power_w": "lots"}, "rated_power_w"),
        ({"type": "smart-plug", "name": "X", "external_id": "has space"}, "external_id"),
        ({"type": "smart-plug"}, "name"),
    ],
)
def test_bad_device_input_is_a_400_naming_the_field(owner, home, body, field):
    error = assert_error(_post(owner, "/api/v1/devices/", {"home": home.pk, **body}), 400, "invalid")
    assert field in error["fields"], error


def test_a_taken_external_id_is_a_400(owner, home):
    register(home, external_id="plug-1")
    body = {"home": home.pk, "type": "smart-plug", "name": "X", "external_id": "plug-1"}
    error = assert_error(_post(owner, "/api/v1/devices/", body), 400, "invalid")
    assert "external_id" in error["fields"]


def test_creating_in_a_home_you_do_not_belong_to_is_a_404(owner, other_home):
    body = {"home": other_home.pk, "type": "smart-plug", "name": "X"}
    assert_error(_post(owner, "/api/v1/devices/", body), 404, "not_found")
    assert not Device.objects.filter(home=other_home).exists()


def test_update_changes_only_the_given_fields(owner, home):
    device = register(home, name="Plug", room="Hall", rated_power_w=100.0).device
    response = _patch(owner, f"/api/v1/devices/{device.pk}/", {"room": "Kitchen"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert (device.name, device.room, device.rated_power_w) == ("Plug", "Kitchen", 100.0)
    error = assert_error(_patch(owner, f"/api/v1/devices/{device.pk}/", {"name": ""}), 400, "invalid")
    assert "name" in error["fields"]


def test_delete_deactivates_and_keeps_the_device(owner, home):
    registered = register(home)
    assert owner.delete(f"/api/v1/devices/{registered.device.pk}/").status_code == 204
    registered.device.refresh_from_db()
    assert registered.device.is_active is False
    assert owner.get(f"/api/v1/devices/{registered.device.pk}/").json()["is_active"] is False


def test_rotate_revokes_the_old_key_and_returns_a_new_one(owner, home):
    registered = register(home)
    response = _post(owner, f"/api/v1/devices/{registered.device.pk}/keys/rotate/")
    assert response.status_code == 201
    new_key = response.json()["key"]
    assert new_key != registered.plain_key
    assert _ingest(registered.plain_key, [reading()]) == 403
    assert _ingest(new_key, [reading()]) == 201


def test_revoke_switches_a_key_off(owner, home):
    registered = register(home)
    response = _post(owner, f"/api/v1/devices/{registered.device.pk}/keys/{registered.key.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert _ingest(registered.plain_key, [reading()]) == 403
    # A key of another device is not found through this device.
    other = register(home, name="Other")
    missing = _post(owner, f"/api/v1/devices/{registered.device.pk}/keys/{other.key.pk}/revoke/")
    assert_error(missing, 404, "not_found")
    assert DeviceKey.objects.get(pk=other.key.pk).is_active


def test_status_shows_the_newest_power_and_state(owner, home):
    registered = register(home, type="heat-pump", name="Heat pump")
    status = owner.get(f"/api/v1/devices/{registered.device.pk}/status/").json()
    assert status["state"] == "no-data" and status["power_w"] is None
    assert _ingest(registered.plain_key, [reading(power_w=2150.0)]) == 201
    status = owner.get(f"/api/v1/devices/{registered.device.pk}/status/").json()
    assert status["power_w"] == 2150.0 and status["state"] == "on" and status["is_offline"] is False
    assert status["reading_time"].endswith("Z")


def test_device_list_pages_are_complete_and_do_not_overlap(owner, home):
    for index in range(7):
        register(home, name=f"Plug {index}")
    seen = []
    url = "/api/v1/devices/?page_size=3"
    while url:
        page = owner.get(url).json()
        assert page["count"] == 7
        seen.extend(item["id"] for item in page["results"])
        url = page["next"]
    assert len(seen) == 7 and len(set(seen)) == 7


@pytest.mark.parametrize("size", ["0", "201", "many"])
def test_a_bad_page_size_is_a_400(owner, size):
    error = assert_error(owner.get(f"/api/v1/devices/?page_size={size}"), 400, "invalid")
    assert "page_size" in error["fields"]


def test_a_page_past_the_end_is_a_404_in_the_error_format(owner):
    assert_error(owner.get("/api/v1/devices/?page=99"), 404, "not_found")


def test_rooms_of_a_home(owner, home):
    register(home, name="A", room="Kitchen")
    register(home, name="B", room="attic")
    register(home, name="C")
    rooms = owner.get(f"/api/v1/homes/{home.pk}/rooms/").json()
    assert [r["name"] for r in rooms["results"]] == ["attic", "Kitchen"]


def test_device_types_are_listed(owner):
    types = owner.get("/api/v1/device-types/?page_size=200").json()
    assert types["count"] >= 10
    assert {"heat-pump", "smart-plug"} <= {t["slug"] for t in types["results"]}

"""Device pages: list, detail, add (key shown once), edit, deactivate, keys; who may do what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from devices.models import Device, DeviceKey
from devices.selectors import key_hash
from devices.tests.factories import register
from telemetry.rollups import rollup_dirty_hours
from telemetry.services import ingest_readings
from telemetry.tests.factories import minutes_ago, reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def plug(home):
    return register(home, name="Desk plug", room="Office").device


def test_list_shows_devices_with_live_power_and_filters_by_room_and_type(owner_client, home, plug):
    register(home, type="fridge", name="Fridge", room="Kitchen")
    page = owner_client.get(reverse("devices:device-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Desk plug" in html and "Fridge" in html
    assert f'id="device-power-{plug.pk}"' in html
    assert f"/ws/homes/{home.pk}/live/?view=devices" in html

    by_room = owner_client.get(reverse("devices:device-list"), {"room": "Kitchen"}).content.decode()
    assert "Fridge" in by_room and "Desk plug" not in by_room
    by_type = owner_client.get(reverse("devices:device-list"), {"type": "smart-plug"}).content.decode()
    assert "Desk plug" in by_type and "Fridge</a>" not in by_type


def test_list_filter_over_htmx_returns_the_table_fragment_only(owner_client, plug):
    response = owner_client.get(
        reverse("devices:device-list"), {"room": "Office"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="device-table"
    )
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'id="device-table"' in html
    assert "<html" not in html


def test_detail_shows_energy_chart_readings_and_keys(owner_client, plug):
    html = owner_client.get(reverse("devices:device-detail", args=[plug.pk])).content.decode()
    assert "No readings in the last 7 days" in html and "Rotate key" in html
    assert plug.keys.first().prefix in html

    ingest_readings(device=plug, items=[reading(power_w=61.5), reading(time=minutes_ago(3), power_w=58)])
    while rollup_dirty_hours().claimed:
        pass
    response = owner_client.get(reverse("devices:device-detail", args=[plug.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "device-chart-data" in html and "61.5 W" in html
    assert f'id="device-power-{plug.pk}"' in html


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "devices:device-detail"),
        ("get", "devices:device-edit"),
        ("post", "devices:device-edit"),
        ("post", "devices:device-deactivate"),
        ("post", "devices:device-key-rotate"),
    ],
)
def test_every_device_page_is_404_for_a_non_member(outsider_client, plug, method, name):
    response = getattr(outsider_client, method)(reverse(name, args=[plug.pk]))
    assert response.status_code == 404


def test_key_revoke_is_404_for_a_non_member(outsider_client, plug):
    key = plug.keys.first()
    assert outsider_client.post(reverse("devices:device-key-revoke", args=[plug.pk, key.pk])).status_code == 404
    assert DeviceKey.objects.get(pk=key.pk).is_active


@pytest.mark.parametrize("name", ["devices:device-edit", "devices:device-deactivate", "devices:device-key-rotate"])
def test_viewer_gets_403_on_writes(readonly_client, plug, name):
    assert readonly_client.post(reverse(name, args=[plug.pk]), {"name": "x"}).status_code == 403
    plug.refresh_from_db()
    assert plug.is_active and plug.name == "Desk plug"


def test_viewer_cannot_add_a_device(readonly_client, home):
    assert readonly_client.get(reverse("devices:device-create")).status_code == 403
    assert readonly_client.post(reverse("devices:device-create"), {"type": "", "name": "x"}).status_code == 403


def test_add_device_shows_the_key_once_with_curl_and_mqtt_examples(member_client, home):
    response = member_client.post(
        reverse("devices:device-create"),
        {"type": _type_pk("fridge"), "name": "Cellar fridge", "room": "Cellar", "external_id": "cellar-fridge-1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    device = Device.objects.get(external_id="cellar-fridge-1")
    assert device.home == home and device.room == "Cellar"
    key = re.search(r"ehk_[A-Za-z0-9_-]{43}", html).group(0)
    assert DeviceKey.objects.filter(device=device, key_hash=key_hash(key)).exists()
    assert "curl -X POST http://testserver/api/v1/ingest/" in html
    assert f"Authorization: Device {key}" in html
    assert "mosquitto_pub" in html and "energyhome/cellar-fridge-1/telemetry" in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # Shown once: the device page never shows it again.
    assert key not in member_client.get(reverse("devices:device-detail", args=[device.pk])).content.decode()


def test_add_device_with_a_taken_external_id_shows_the_error(owner_client, plug):
    response = owner_client.post(
        reverse("devices:device-create"),
        {"type": _type_pk("smart-plug"), "name": "Twin", "external_id": plug.external_id},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_add_form_offers_existing_rooms(owner_client, plug):
    html = owner_client.get(reverse("devices:device-create")).content.decode()
    assert '<datalist id="room-options"><option value="Office">' in html


def test_edit_changes_name_and_room(owner_client, plug):
    response = owner_client.post(
        reverse("devices:device-edit", args=[plug.pk]), {"name": "Monitor plug", "room": "Study", "rated_power_w": ""}
    )
    assert response.status_code == 302
    plug.refresh_from_db()
    assert (plug.name, plug.room) == ("Monitor plug", "Study")


def test_deactivate_over_htmx_answers_with_the_status_fragment(member_client, plug):
    response = member_client.post(reverse("devices:device-deactivate", args=[plug.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "device-deactivated"
    assert 'id="device-status"' in response.content.decode() and "Deactivated" in response.content.decode()
    plug.refresh_from_db()
    assert not plug.is_active


def test_rotate_over_htmx_shows_the_new_key_once_and_revokes_the_old(owner_client, plug):
    old = plug.keys.get()
    response = owner_client.post(reverse("devices:device-key-rotate", args=[plug.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="device-keys"' in html
    new_key = re.search(r"ehk_[A-Za-z0-9_-]{43}", html).group(0)
    assert DeviceKey.objects.get(key_hash=key_hash(new_key)).is_active
    old.refresh_from_db()
    assert not old.is_active


def test_revoke_over_htmx_answers_with_the_keys_fragment(owner_client, plug):
    key = plug.keys.get()
    response = owner_client.post(reverse("devices:device-key-revoke", args=[plug.pk, key.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="device-keys"' in response.content.decode()
    key.refresh_from_db()
    assert not key.is_active


def test_revoke_of_another_devices_key_is_404(owner_client, home, plug):
    other = register(home, name="Other").device
    key = other.keys.get()
    assert owner_client.post(reverse("devices:device-key-revoke", args=[plug.pk, key.pk])).status_code == 404


def _type_pk(slug: str) -> int:
    from devices.models import DeviceType

    return DeviceType.objects.get(slug=slug).pk

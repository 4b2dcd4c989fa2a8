"""Control pages and the people-side command API: who may command what, and what they see."""

from __future__ import annotations

import json
from datetime import time

import pytest

from devices import rules
from devices.models import Command, Issuer, Rule
from devices.services import send_command
from devices.tests.factories import register
from devices.tests.test_commands import online


@pytest.fixture
def plug(home):
    return online(register(home, type="smart-plug", name="Kettle plug", external_id="kettle").device, 1500)


def test_member_switches_a_device_off_from_its_page_with_htmx(member_client, plug):
    response = member_client.post(
        f"/devices/{plug.pk}/commands/", {"command_type": "set_power", "on": "false"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    command = Command.objects.get()
    assert (command.command_type, command.payload, command.issued_by) == ("set_power", {"on": False}, Issuer.USER)
    assert command.issued_by_user == member_client.user
    html = response.content.decode()
    assert f'id="device-controls-{plug.pk}"' in html
    assert "Switch off: sending" in html


def test_the_dashboard_tile_toggle_answers_with_the_tile_control(owner_client, plug):
    response = owner_client.post(
        f"/devices/{plug.pk}/commands/",
        {"command_type": "set_power", "on": "false", "where": "tile"},
        HTTP_HX_REQUEST="true",
    )
    assert f'id="tile-control-{plug.pk}"' in response.content.decode()
    dashboard = owner_client.get("/").content.decode()
    assert f'id="tile-control-{plug.pk}"' in dashboard and "Switch off: sending" in dashboard


def test_a_bad_value_is_shown_in_the_controls_not_a_500(owner_client, home):
    pump = online(register(home, type="heat-pump", name="Heat pump").device, 900)
    response = owner_client.post(
        f"/devices/{pump.pk}/commands/",
        {"command_type": "set_temperature", "temperature_c": "99"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Must be between 16 and 60" in response.content.decode()
    assert not Command.objects.exists()


def test_offline_device_offers_queueing(owner_client, home):
    plug = register(home, type="smart-plug", name="Shed").device
    refused = owner_client.post(
        f"/devices/{plug.pk}/commands/", {"command_type": "set_power", "on": "true"}, HTTP_HX_REQUEST="true"
    )
    assert "is offline" in refused.content.decode()
    queued = owner_client.post(
        f"/devices/{plug.pk}/commands/",
        {"command_type": "set_power", "on": "true", "queue_if_offline": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert queued.status_code == 200
    assert Command.objects.get().queued_while_offline


def test_viewer_cannot_command_and_sees_no_controls(readonly_client, plug):
    assert (
        readonly_client.post(f"/devices/{plug.pk}/commands/", {"command_type": "set_power", "on": "false"}).status_code
        == 403
    )
    page = readonly_client.get(f"/devices/{plug.pk}/").content.decode()
    assert "Switch off</button>" not in page
    assert not Command.objects.exists()


def test_non_member_gets_404_on_every_control_url(outsider_client, home, plug):
    command = send_command(device=plug, command_type="set_power", payload={"on": False})
    rule = rules.create_rule(
        home=home,
        kind="schedule",
        name="x",
        device=plug,
        command_type="set_power",
        payload={"on": True},
        time_of_day=time(7),
        weekdays=[0],
    )
    assert (
        outsider_client.post(f"/devices/{plug.pk}/commands/", {"command_type": "set_power", "on": "false"}).status_code
        == 404
    )
    assert outsider_client.post(f"/automations/{rule.pk}/toggle/", {"enabled": "0"}).status_code == 404
    assert outsider_client.post(f"/automations/{rule.pk}/delete/").status_code == 404
    assert outsider_client.get(f"/api/v1/devices/{plug.pk}/commands/").status_code == 404
    assert (
        outsider_client.post(
            f"/api/v1/devices/{plug.pk}/commands/",
            {"command_type": "set_power", "payload": {"on": True}},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert outsider_client.get(f"/api/v1/commands/{command.pk}/").status_code == 404
    # The outsider's own log shows nothing of home A.
    assert "Kettle plug" not in outsider_client.get("/commands/").content.decode()
    rule.refresh_from_db()
    assert rule.enabled and Command.objects.count() == 1


def test_command_log_lists_filters_and_paginates(owner_client, home, plug):
    pump = online(register(home, type="heat-pump", name="Heat pump").device, 900)
    for n in range(30):
        send_command(device=plug, command_type="set_power", payload={"on": n % 2 == 0})
    send_command(device=pump, command_type="set_mode", payload={"mode": "eco"})

    first = owner_client.get("/commands/").content.decode()
    assert "Page 1 of 2" in first and "31 commands" in first
    only_pump = owner_client.get(f"/commands/?device={pump.pk}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="command-log")
    body = only_pump.content.decode()
    assert "Heat pump" in body and "Kettle plug" not in body and "<html" not in body
    none = owner_client.get("/commands/?status=failed").content.decode()
    assert "No commands match these filters" in none


def test_owner_creates_a_schedule_and_toggles_it(owner_client, home, plug):
    response = owner_client.post(
        "/automations/",
        {
            "kind": "schedule",
            "name": "Kettle at 7",
            "device": plug.pk,
            "command_type": "set_power",
            "on": "true",
            "time_of_day": "07:00",
            "weekdays": ["0", "1", "2", "3", "4"],
            "cooldown_min": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert (rule.time_of_day, rule.weekdays, rule.payload) == (time(7), [0, 1, 2, 3, 4], {"on": True})
    page = owner_client.get("/automations/").content.decode()
    assert "Kettle at 7" in page and "weekdays" in page

    toggled = owner_client.post(f"/automations/{rule.pk}/toggle/", {"enabled": "0"}, HTTP_HX_REQUEST="true")
    assert toggled.status_code == 200 and "Enable" in toggled.content.decode()
    rule.refresh_from_db()
    assert not rule.enabled


def test_rule_form_errors_name_the_field(owner_client, plug):
    response = owner_client.post(
        "/automations/",
        {
            "kind": "schedule",
            "name": "No days",
            "device": plug.pk,
            "command_type": "set_power",
            "on": "true",
            "time_of_day": "07:00",
        },
    )
    assert response.status_code == 400
    assert "Choose at least one weekday" in response.content.decode()


def test_api_send_list_and_detail(member_client, readonly_client, plug):
    sent = member_client.post(
        f"/api/v1/devices/{plug.pk}/commands/",
        data=json.dumps({"command_type": "set_power", "payload": {"on": False}}),
        content_type="application/json",
    )
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert body["status"] == "pending" and body["issued_by"] == "api" and body["payload"] == {"on": False}
    listed = readonly_client.get(f"/api/v1/devices/{plug.pk}/commands/").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert readonly_client.get(f"/api/v1/commands/{body['id']}/").json()["status"] == "pending"
    refused = readonly_client.post(
        f"/api/v1/devices/{plug.pk}/commands/",
        data=json.dumps({"command_type": "set_power", "payload": {"on": True}}),
        content_type="application/json",
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"command_type": "explode", "payload": {}}, "command_type"),
        ({"command_type": "set_power", "payload": {"on": 1}}, "on"),
        ({"command_type": "set_temperature", "payload": {"temperature_c": 20}}, "command_type"),
    ],
)
def test_api_bad_command_is_400_with_the_field(member_client, plug, body, field):
    response = member_client.post(
        f"/api/v1/devices/{plug.pk}/commands/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"] and error["message"]

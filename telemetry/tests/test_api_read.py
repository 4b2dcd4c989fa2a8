"""Readings (cursor pages), energy summaries and power now through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devices.tests.factories import register
from telemetry.rollups import rollup_dirty_hours
from telemetry.selectors import power_series
from telemetry.services import ingest_readings
from telemetry.tests.factories import reading
from tests.api_support import _fast_password_hashing, assert_error, client_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def owner(home):
    return client_for(home.memberships.get(role="owner").user)


@pytest.fixture
def two_devices(home):
    plug = register(home, name="Plug", type="smart-plug").device
    pump = register(home, name="Heat pump", type="heat-pump").device
    for device, power in ((plug, 50.0), (pump, 2000.0)):
        items = [reading(time=T0 + timedelta(minutes=i), power_w=power + i) for i in range(0, 120, 2)]
        result = ingest_readings(items=items, device=device)
        assert not result.rejected
    return plug, pump


def _all_pages(client, url):
    items, pages = [], 0
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content[:300]
        body = page.json()
        items.extend(body["results"])
        url = body["next"]
        pages += 1
    return items, pages


def _window(start, end):
    return f"start={start.isoformat().replace('+00:00', 'Z')}&end={end.isoformat().replace('+00:00', 'Z')}"


def test_raw_readings_come_in_stable_cursor_pages_without_gaps_or_repeats(owner, home, two_devices):
    url = f"/api/v1/homes/{home.pk}/readings/?step=raw&page_size=7&{_window(T0, T0 + timedelta(hours=2))}"
    items, pages = _all_pages(owner, url)
    assert len(items) == 120 and pages == 18
    keys = [(item["time"], item["device_id"]) for item in items]
    assert keys == sorted(keys) and len(set(keys)) == 120
    assert items[0]["time"] == "2026-11-20T08:00:00Z"


def test_readings_arriving_between_pages_do_not_shift_the_next_page(owner, home, two_devices):
    plug, _pump = two_devices
    url = f"/api/v1/homes/{home.pk}/readings/?page_size=10&{_window(T0, T0 + timedelta(hours=2))}"
    first = owner.get(url).json()
    # Earlier readings arrive late (odd minutes, before the cursor): the next page is unaffected.
    ingest_readings(items=[reading(time=T0 + timedelta(minutes=1), power_w=1.0)], device=plug)
    second = owner.get(first["next"]).json()
    assert second["results"][0]["time"] > first["results"][-1]["time"] or (
        second["results"][0]["time"] == first["results"][-1]["time"]
        and second["results"][0]["device_id"] > first["results"][-1]["device_id"]
    )
    assert not {(i["time"], i["device_id"]) for i in first["results"]} & {
        (i["time"], i["device_id"]) for i in second["results"]
    }


def test_five_minute_steps_page_to_exactly_what_the_selector_computes(owner, home, two_devices):
    start, end = T0, T0 + timedelta(hours=2)
    items, pages = _all_pages(owner, f"/api/v1/homes/{home.pk}/readings/?step=5m&page_size=5&{_window(start, end)}")
    expected = power_series(home=home, start=start, end=end, step=timedelta(minutes=5), by_device=True)
    assert pages > 1
    assert [(i["time"], i["device_id"], i["power_w"]) for i in items] == [
        (p.time.isoformat().replace("+00:00", "Z"), p.device_id, p.power_w) for p in expected
    ]
    assert all(i["energy_wh_total"] is None for i in items)


def test_hourly_steps_for_one_device_come_from_rollups(owner, home, two_devices):
    _plug, pump = two_devices
    rollup_dirty_hours()
    url = f"/api/v1/homes/{home.pk}/readings/?step=hour&device={pump.pk}&{_window(T0, T0 + timedelta(hours=3))}"
    items, _ = _all_pages(owner, url)
    # The last reading (09:58) holds for up to 5 minutes, into the 10:00 hour.
    assert [i["time"] for i in items] == ["2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"]
    assert {i["device_id"] for i in items} == {pump.pk}
    assert 2000 < items[0]["power_w"] < 2120


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-11-20T08:00:00", "start"),  # no offset
        ("start=yesterday", "start"),
        ("start=2026-11-20T10:00:00Z&end=2026-11-20T09:00:00Z", "end"),
        ("step=minute", "step"),
        ("step=5m&start=2026-10-01T00:00:00Z&end=2026-11-20T00:00:00Z", "step"),
        ("step=raw&start=2026-10-01T00:00:00Z&end=2026-11-20T00:00:00Z", "step"),
        ("cursor=not-a-cursor", "cursor"),
        ("device=999999", "device"),
        ("device=abc", "device"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_readings_queries_are_400_naming_the_field(owner, home, query, field):
    error = assert_error(owner.get(f"/api/v1/homes/{home.pk}/readings/?{query}"), 400, "invalid")
    assert field in error["fields"], error


def test_a_device_of_another_home_is_refused_like_a_missing_one(owner, home, other_home):
    foreign = register(other_home, name="Foreign").device
    error = assert_error(owner.get(f"/api/v1/homes/{home.pk}/readings/?device={foreign.pk}"), 400, "invalid")
    assert error["fields"]["device"] == ["No such device in this home."]


def test_energy_by_device_uses_the_rollups_and_compares_with_the_previous_period(owner, home, two_devices):
    plug, pump = two_devices
    rollup_dirty_hours()
    url = f"/api/v1/homes/{home.pk}/energy/?period=custom&start=2026-11-20&end=2026-11-20&by=device"
    body = owner.get(url).json()
    assert body["period"]["first_day"] == "2026-11-20" and body["period"]["start"] == "2026-11-19T23:00:00Z"
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {str(plug.pk), str(pump.pk)}
    assert body["rows"][0]["label"] == "Heat pump"  # largest first
    total = sum(row["energy_wh"] for row in body["rows"])
    assert body["totals"]["consumption_wh"] == pytest.approx(total)
    assert body["comparison"]["current_kwh"] == pytest.approx(total / 1000, abs=0.001)
    hours = owner.get(url.replace("by=device", "by=hour")).json()["rows"]
    assert [row["key"] for row in hours] == ["2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"]
    assert sum(row["energy_wh"] for row in hours) == pytest.approx(total)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=forever", "period"),
        ("period=custom&start=2026-11-20", "end"),
        ("period=custom&start=2026-11-20&end=2026-11-01", "end"),
        ("period=custom&start=20.11.2026&end=2026-11-21", "start"),
        ("by=colour", "by"),
        ("period=this-year&by=hour", "by"),
    ],
)
def test_bad_energy_queries_are_400_naming_the_field(owner, home, query, field):
    error = assert_error(owner.get(f"/api/v1/homes/{home.pk}/energy/?{query}"), 400, "invalid")
    assert field in error["fields"], error


def test_power_now_shows_the_balance_and_each_device(owner, home):
    plug = register(home, name="Plug", type="smart-plug").device
    ingest_readings(items=[reading(power_w=42.0)], device=plug)
    body = owner.get(f"/api/v1/homes/{home.pk}/power/").json()
    assert body["consumption_w"] == 42.0 and body["solar_w"] is None
    assert [(d["device_id"], d["power_w"]) for d in body["devices"]] == [(plug.pk, 42.0)]
    assert body["time"].endswith("Z")

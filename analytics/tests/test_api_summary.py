"""The summary and balance API: the same figures as the selectors, gaps as gaps, coverage, peaks, bad periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from analytics.balance import period_balance
from analytics.costs import cost_by_device
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup
from devices.models import DeviceType
from telemetry.selectors import energy_by

pytestmark = pytest.mark.django_db

C = DeviceType.Category
# Berlin in June is UTC+2: local 1 June 00:00 is 31 May 22:00 UTC.
JUNE_1 = datetime(2026, 5, 31, 22, tzinfo=UTC)
H = timedelta(hours=1)


def summary_url(home, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/homes/{home.pk}/summary/?{query}"


@pytest.fixture
def two_devices(home):
    """Heat pump (Utility) 24 h of 1 kWh + a 3 kWh peak at 18:00 local; fridge (Kitchen) 12 h of 100 Wh."""
    flat_tariff(home, date(2026, 1, 1), "0.30", standing="0.50")
    pump = make_device(home, name="Heat pump")
    pump.room = "Utility"
    pump.save()
    fridge = make_device(home, name="Fridge")
    fridge.room = "Kitchen"
    fridge.save()
    for hour in range(24):
        rollup(pump, JUNE_1 + hour * H, 3000 if hour == 18 else 1000)
    for hour in range(12):
        rollup(fridge, JUNE_1 + hour * H, 100)
    rollup(pump, JUNE_1 - 12 * H, 2000)  # 31 May, the previous period
    reprice_hours(home=home, start=JUNE_1 - 2 * 24 * H, end=JUNE_1 + 3 * 24 * H)
    return pump, fridge


def test_summary_by_device_and_day_equals_the_selectors(owner_client, home, two_devices):
    pump, fridge = two_devices
    response = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-03", resolution="day"))
    assert response.status_code == 200
    body = response.json()
    start, end = JUNE_1, JUNE_1 + 48 * H
    by_device = {row.key: row.energy_wh for row in energy_by(home=home, start=start, end=end, by="device")}
    by_day = [row.energy_wh for row in energy_by(home=home, start=start, end=end, by="day")]
    costs = {row.key: row.cost for row in cost_by_device(home=home, start=start, end=end)}

    assert [(g["key"], g["energy_wh"]) for g in body["groups"]] == [(pump.pk, 26000.0), (fridge.pk, 1200.0)]
    assert {g["key"]: g["energy_wh"] for g in body["groups"]} == by_device
    assert {g["key"]: Decimal(g["cost"]) for g in body["groups"]} == costs  # 26 kWh × 0.30 = 7.80; 1.2 × 0.30
    assert Decimal(body["groups"][0]["cost"]) == Decimal("7.80")
    assert body["energy_wh"] == sum(by_device.values()) == 27200.0
    assert Decimal(body["cost"]) == Decimal("8.16")
    assert body["buckets"][0]["energy_wh"] == by_day[0] == 27200.0
    assert [g["rank"] for g in body["groups"]] == [1, 2]
    assert body["groups"][0]["share_pct"] == pytest.approx(26000 / 27200 * 100)
    # The whole home's bill: import from the consumers (no meter), standing charge for 2 local days.
    assert Decimal(body["grid"]["standing_charge"]) == Decimal("1.00")


def test_a_day_without_readings_is_a_gap_not_zero_and_the_figure_says_it_is_partial(owner_client, home, two_devices):
    body = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-03", resolution="day")).json()
    first, second = body["buckets"]
    assert second["energy_wh"] is None and second["cost"] is None and second["coverage"] == 0
    # Day 1: pump 24 of 24 hours, fridge 12 of 24: 36 of 48 device-hours.
    assert first["coverage"] == pytest.approx(0.75)
    assert body["coverage"] == pytest.approx(36 / 96) and body["partial"] is True
    fridge_cells = body["groups"][1]["cells"]
    assert fridge_cells[0]["coverage"] == pytest.approx(0.5) and fridge_cells[1]["energy_wh"] is None


def test_peak_base_load_mean_and_the_previous_period(owner_client, home, two_devices):
    body = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", resolution="hour")).json()
    assert len(body["buckets"]) == 24
    # Peak: 18:00 local (16:00 UTC), pump 3000 W; hours with both devices: 1100 W.
    assert body["peak"] == {"hour": "2026-06-01T16:00:00Z", "power_w": 3000.0}
    assert body["base_load_w"] == 1100.0
    assert body["mean_power_w"] == pytest.approx(27200 / 24)
    # The previous day (31 May local) had 2 kWh: +1260 %.
    assert body["previous_start"] == "2026-05-30T22:00:00Z" and body["previous_end"] == "2026-05-31T22:00:00Z"
    assert body["previous_energy_wh"] == 2000.0
    assert body["energy_change_pct"] == pytest.approx((27200 - 2000) / 2000 * 100)
    assert Decimal(body["previous_cost"]) == Decimal("0.60")


def test_group_by_room_and_type_and_narrowing_the_scope(owner_client, home, two_devices):
    pump, _fridge = two_devices
    rooms = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", group_by="room")).json()
    assert [(g["key"], g["label"], g["energy_wh"]) for g in rooms["groups"]] == [
        ("Utility", "Utility", 26000.0),
        ("Kitchen", "Kitchen", 1200.0),
    ]
    types = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", group_by="type")).json()
    assert [(g["key"], g["energy_wh"]) for g in types["groups"]] == [("heat-pump", 27200.0)]
    one = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", device=pump.pk)).json()
    assert [g["key"] for g in one["groups"]] == [pump.pk] and one["grid"] is None
    kitchen = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", room="Kitchen")).json()
    assert kitchen["energy_wh"] == 1200.0


def test_week_and_month_buckets_are_local(owner_client, home, two_devices):
    # 1 June 2026 is a Monday.
    week = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-15", resolution="week")).json()
    assert [b["label"] for b in week["buckets"]] == ["2026-06-01T00:00+02:00", "2026-06-08T00:00+02:00"]
    assert week["buckets"][0]["energy_wh"] == 27200.0
    month = owner_client.get(summary_url(home, start="2026-05-01", end="2026-07-01", resolution="month")).json()
    assert [b["energy_wh"] for b in month["buckets"]] == [2000.0, 27200.0]
    year = owner_client.get(summary_url(home, start="2026-01-01", end="2027-01-01", resolution="year")).json()
    assert year["buckets"][0]["energy_wh"] == 29200.0


def test_the_fall_back_day_has_25_hourly_buckets_and_full_coverage(owner_client, home):
    pump = make_device(home, name="Heat pump")
    start = datetime(2026, 10, 24, 22, tzinfo=UTC)  # local midnight of Sunday 25 October (CEST)
    for hour in range(25):
        rollup(pump, start + hour * H, 500)
    hourly = owner_client.get(summary_url(home, start="2026-10-25", end="2026-10-26", resolution="hour")).json()
    assert len(hourly["buckets"]) == 25
    assert [b["label"] for b in hourly["buckets"][2:4]] == ["2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00"]
    daily = owner_client.get(summary_url(home, start="2026-10-25", end="2026-10-26", resolution="day")).json()
    assert daily["buckets"][0]["energy_wh"] == 12500.0 and daily["coverage"] == 1.0
    assert daily["cost"] is None  # no tariff: no amount, not zero


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"start": "2026-06-01T10:00", "end": "2026-06-03"}, "resolution", "starts and ends at local midnight"),
        ({"start": "2026-06-02", "end": "2026-06-09", "resolution": "week"}, "resolution", "Monday"),
        ({"start": "2026-06-02", "end": "2026-07-01", "resolution": "month"}, "resolution", "1st of a month"),
        ({"start": "2026-06-03", "end": "2026-06-01"}, "end", "after the start"),
        ({"start": "2026-06-01", "end": "2026-06-01"}, "end", "after the start"),
        ({"end": "2026-06-01"}, "start", "required"),
        ({"start": "June 1st", "end": "2026-06-02"}, "start", "is not a date"),
        ({"start": "2026-06-01", "end": "2026-06-02", "resolution": "fortnight"}, "resolution", "not one of"),
        ({"start": "2026-06-01", "end": "2026-06-02", "group_by": "brand"}, "group_by", "not one of"),
        ({"start": "2026-06-01", "end": "2026-06-02", "device": "pump"}, "device", "not a device id"),
        ({"start": "2025-01-01", "end": "2026-06-01", "resolution": "hour"}, "resolution", "At most 5000 hours"),
    ],
)
def test_a_bad_period_or_parameter_is_a_400_naming_it(owner_client, home, params, field, reason):
    response = owner_client.get(summary_url(home, **params))
    assert response.status_code == 400
    assert reason in " ".join(response.json()["error"]["fields"][field])


def test_a_device_of_another_home_is_a_400_on_device(owner_client, home, other_home):
    foreign = make_device(other_home, name="Their pump")
    response = owner_client.get(summary_url(home, start="2026-06-01", end="2026-06-02", device=foreign.pk))
    assert response.status_code == 400 and "device" in response.json()["error"]["fields"]


# --- balance -------------------------------------------------------------------------------------


def test_balance_equals_period_balance_per_day_and_in_total(readonly_client, home):
    meter = make_device(home, C.METER, "Meter")
    solar = make_device(home, C.PRODUCER, "Solar")
    battery = make_device(home, C.STORAGE, "Battery")
    for day in range(2):
        base = JUNE_1 + day * 24 * H
        rollup(solar, base + 12 * H, 4000)
        rollup(battery, base + 12 * H, 1000)  # charging from solar
        rollup(meter, base + 12 * H, -2500)
        rollup(battery, base + 20 * H, -800)
        rollup(meter, base + 20 * H, 700 + day * 100)
    response = readonly_client.get(f"/api/v1/homes/{home.pk}/balance/?start=2026-06-01&end=2026-06-03&resolution=day")
    assert response.status_code == 200
    body = response.json()
    total = period_balance(home=home, start=JUNE_1, end=JUNE_1 + 48 * H)
    assert body["total"]["consumption_wh"] == total.consumption_wh
    assert body["total"]["self_sufficiency_pct"] == pytest.approx(total.self_sufficiency_pct)
    assert body["total"]["has_battery"] is True
    for index, step in enumerate(body["steps"]):
        day = period_balance(home=home, start=JUNE_1 + index * 24 * H, end=JUNE_1 + (index + 1) * 24 * H)
        for name in (
            "consumption_wh",
            "production_wh",
            "self_consumption_wh",
            "grid_import_wh",
            "grid_export_wh",
            "battery_charge_wh",
            "battery_discharge_wh",
            "battery_to_home_wh",
            "solar_to_battery_wh",
        ):
            assert step[name] == pytest.approx(getattr(day, name)), name
    # 12:00: consumption −2500 + 4000 − 1000 = 500, all solar; 20:00: 700 + 800 = 1500, 800 from the battery.
    assert body["steps"][0]["consumption_wh"] == 2000.0 and body["steps"][0]["grid_import_wh"] == 700.0
    bad = readonly_client.get(f"/api/v1/homes/{home.pk}/balance/?start=2026-06-01T03:00&end=2026-06-03")
    assert bad.status_code == 400 and "resolution" in bad.json()["error"]["fields"]


# --- schema --------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_every_costs_endpoint_with_examples():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    expected = {
        "/api/v1/homes/{home_id}/tariffs/": {"get", "post"},
        "/api/v1/homes/{home_id}/tariffs/{tariff_id}/": {"get", "put", "patch", "delete"},
        "/api/v1/homes/{home_id}/tariffs/{tariff_id}/prices/": {"get", "post", "delete"},
        "/api/v1/homes/{home_id}/tariffs/{tariff_id}/prices/csv/": {"post"},
        "/api/v1/homes/{home_id}/summary/": {"get"},
        "/api/v1/homes/{home_id}/balance/": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    summary_op = paths["/api/v1/homes/{home_id}/summary/"]["get"]
    assert {p["name"] for p in summary_op["parameters"]} >= {"start", "end", "resolution", "group_by"}
    assert "examples" in summary_op["responses"]["200"]["content"]["application/json"]
    assert "examples" in summary_op["responses"]["400"]["content"]["application/json"]
    post = paths["/api/v1/homes/{home_id}/tariffs/"]["post"]
    assert "examples" in post["requestBody"]["content"]["application/json"]


def test_kolkata_days_split_the_hours_at_local_midnight(make_user):
    from accounts.services import create_home
    from analytics.summary import parse_instant, summary

    home = create_home(owner=make_user("k@example.com"), name="Pune", time_zone="Asia/Kolkata", currency="EUR")
    pump = make_device(home, name="Geyser")
    rollup(pump, datetime(2026, 6, 1, 18, tzinfo=UTC), 100)  # 23:30 local on 1 June
    rollup(pump, datetime(2026, 6, 1, 19, tzinfo=UTC), 200)  # 00:30 local on 2 June
    result = summary(
        home=home,
        start=parse_instant("2026-06-01", home, field="start"),
        end=parse_instant("2026-06-03", home, field="end"),
        resolution="day",
    )
    assert [b.energy_wh for b in result.buckets] == [100.0, 200.0]
    assert [b.label for b in result.buckets] == ["2026-06-01T00:00+05:30", "2026-06-02T00:00+05:30"]
    assert result.buckets[0].coverage == pytest.approx(1 / 24)


def test_hourly_balance_carries_the_batterys_state_of_charge(readonly_client, home):
    from telemetry.models import Reading

    battery = make_device(home, C.STORAGE, "Battery")
    rollup(battery, JUNE_1 + 2 * H, 500)
    Reading.objects.create(device=battery, time=JUNE_1 + 2 * H + timedelta(minutes=40), power_w=500, soc_pct=55.0)
    url = f"/api/v1/homes/{home.pk}/balance/?start=2026-06-01&end=2026-06-02"
    hourly = readonly_client.get(url + "&resolution=hour").json()
    assert len(hourly["soc_pct"]) == 24 and hourly["soc_pct"][2] == 55.0 and hourly["soc_pct"][3] is None
    assert hourly["steps"][2]["battery_charge_wh"] == 500.0
    assert readonly_client.get(url + "&resolution=day").json()["soc_pct"] == []

"""The dashboard page and its selectors: balance tiles, energy from rollups, device tiles, chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.selectors import dashboard, energy_summary, home_shape, power_now
from devices.tests.factories import register
from telemetry.models import HourlyRollup
from telemetry.selectors import LatestPower
from telemetry.services import ingest_readings
from telemetry.tests.factories import reading

pytestmark = pytest.mark.django_db


def _rollup(device, hour: datetime, energy_wh: float) -> None:
    HourlyRollup.objects.create(
        device=device, hour=hour, energy_wh=energy_wh, mean_power_w=energy_wh, min_power_w=0, max_power_w=0, samples=60
    )


def test_a_home_without_devices_shows_how_to_add_one(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "No devices yet" in html
    assert reverse("devices:device-create") in html
    assert "ws-connect" not in html


def test_dashboard_shows_balance_tiles_device_tiles_and_the_live_socket(owner_client, home):
    meter = register(home, type="grid-meter", name="Meter").device
    solar = register(home, type="solar-inverter", name="Roof").device
    battery = register(home, type="home-battery", name="Battery").device
    kettle = register(home, type="other", name="Kettle").device
    now = timezone.now()
    for device, power in ((meter, -500), (solar, 3000), (battery, 1000), (kettle, 1500)):
        ingest_readings(device=device, items=[reading(time=now - timedelta(seconds=30), power_w=power)])
    response = owner_client.get(reverse("dashboard"))
    html = response.content.decode()
    # consumption = grid + solar - battery = -500 + 3000 - 1000
    assert 'data-power-w="1500.0">1.50 kW' in html
    assert "exporting" in html and "charging" in html and "producing" in html
    for device in (meter, solar, battery, kettle):
        assert f'id="device-tile-{device.pk}"' in html
    assert f'ws-connect="/ws/homes/{home.pk}/live/?view=dashboard"' in html
    assert "power-chart-data" in html and "plotly.min.js" in html
    assert 'id="live-status"' in html


def test_only_tiles_for_what_the_home_has(owner_client, home):
    register(home, type="fridge", name="Fridge")
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "Consumption" in html
    assert "stat-solar" not in html and "stat-battery" not in html and "stat-grid" not in html


def test_a_device_silent_for_more_than_10_minutes_is_offline_and_not_counted(home):
    plug = register(home, name="Plug").device
    now = timezone.now()
    shape = home_shape(home)
    stale = {plug.pk: LatestPower(plug.pk, now - timedelta(minutes=11), 400.0)}
    assert power_now(home, shape=shape, latest=stale, now=now).consumption_w == 0.0
    ingest_readings(device=plug, items=[reading(time=now - timedelta(minutes=11), power_w=400)])
    tile = dashboard(home, now=now).tiles[0]
    assert tile.is_offline and tile.state == "offline"


def test_energy_today_and_month_vs_same_point_last_month_come_from_hourly_rollups(home):
    fridge = register(home, type="fridge", name="Fridge").device
    # Berlin (UTC+1 in March): local 2026-03-15 12:30 is 11:30 UTC.
    now = datetime(2026, 3, 15, 11, 30, tzinfo=UTC)
    _rollup(fridge, datetime(2026, 3, 15, 8, tzinfo=UTC), 100)  # today
    _rollup(fridge, datetime(2026, 3, 14, 22, tzinfo=UTC), 50)  # 23:00 local on the 14th: month, not today
    _rollup(fridge, datetime(2026, 3, 14, 23, tzinfo=UTC), 70)  # 00:00 local on the 15th: today
    _rollup(fridge, datetime(2026, 2, 10, 8, tzinfo=UTC), 400)  # last month before the same point
    _rollup(fridge, datetime(2026, 2, 15, 12, tzinfo=UTC), 999)  # last month after the same point
    summary = energy_summary(home, shape=home_shape(home), now=now)
    assert summary.today.consumption_wh == 170
    assert summary.month.consumption_wh == 220
    assert summary.last_month_same_point.consumption_wh == 400
    assert summary.month_change_pct == pytest.approx(-45.0)


def test_top_consumers_rank_todays_consumer_energy(home):
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    if hour.astimezone(home.zone).hour == 0:  # keep the rollups inside today's local day
        now += timedelta(hours=1)
        hour += timedelta(hours=1)
    small, big = register(home, name="Lamp").device, register(home, type="oven", name="Oven").device
    solar = register(home, type="solar-inverter", name="Roof").device
    _rollup(small, hour, 10)
    _rollup(big, hour, 90)
    _rollup(solar, hour, 5000)
    top = dashboard(home, now=now + timedelta(minutes=1)).top
    assert [row.name for row in top] == ["Oven", "Lamp"]
    assert top[0].share_pct == pytest.approx(90.0)


def test_dashboard_shows_this_months_cost_once_the_home_has_a_tariff(
    owner_client, home, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from analytics.services import reprice_hours, save_tariff

    meter = register(home, type="grid-meter", name="Meter").device
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "Add your tariff" in html
    assert "Cost this month so far" not in html

    # The first hour of this local month: inside "this month so far" whenever the test runs.
    local_now = timezone.now().astimezone(home.zone)
    hour = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    _rollup(meter, hour, 2000.0)  # 2 kWh imported
    with django_capture_on_commit_callbacks(execute=True):
        save_tariff(
            home=home,
            name="Flat",
            kind="flat",
            effective_from=(timezone.now() - timedelta(days=60)).date(),
            import_price_per_kwh=Decimal("0.30"),
            standing_charge_per_day=Decimal("0"),
        )
    reprice_hours(home=home, start=hour, end=hour + timedelta(hours=1))

    html = owner_client.get(reverse("dashboard")).content.decode()
    assert "Cost this month so far" in html
    # 2 kWh at €0.30 with no standing charge
    assert "€0.60" in html

"""Energy balance: every hour adds up, with and without a grid meter, with a battery charged from solar or grid."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from analytics.balance import balance_hour, hourly_balance, period_balance
from analytics.tests.test_cost_fixtures import make_device, rollup
from devices.models import DeviceType

pytestmark = pytest.mark.django_db

C = DeviceType.Category
H = datetime(2026, 6, 1, tzinfo=UTC)
DAY = (H, H + timedelta(days=1))


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.001 * max(abs(a), abs(b), 1.0)  # within 0.1 %


def assert_adds_up(b) -> None:
    assert close(b.consumption_wh, b.self_consumption_wh + b.battery_to_home_wh + b.grid_to_home_wh)
    assert close(b.production_wh, b.self_consumption_wh + b.solar_to_battery_wh + b.solar_to_grid_wh)
    assert close(b.grid_import_wh, b.grid_to_home_wh + b.grid_to_battery_wh)
    assert close(b.grid_export_wh, b.solar_to_grid_wh + b.battery_to_grid_wh)
    assert close(b.battery_charge_wh, b.solar_to_battery_wh + b.grid_to_battery_wh)
    assert close(b.battery_discharge_wh, b.battery_to_home_wh + b.battery_to_grid_wh)


def test_solar_home_with_a_meter_adds_up_every_hour(home):
    meter = make_device(home, C.METER, "Meter")
    solar = make_device(home, C.PRODUCER, "Solar")
    # 10:00: solar 3000, meter −1000 (export) → consumption −1000 + 3000 = 2000;
    #   self-consumption 2000, export 1000; import 0.
    # 20:00: solar 0, meter +1500 → consumption 1500, all imported.
    rollup(solar, H + timedelta(hours=10), 3000)
    rollup(meter, H + timedelta(hours=10), -1000)
    rollup(meter, H + timedelta(hours=20), 1500)

    noon, evening = hourly_balance(home=home, start=DAY[0], end=DAY[1])

    assert (noon.consumption_wh, noon.self_consumption_wh, noon.grid_export_wh, noon.grid_import_wh) == (
        2000,
        2000,
        1000,
        0,
    )
    assert (evening.consumption_wh, evening.grid_import_wh) == (1500, 1500)
    for hour in (noon, evening):
        # Without a battery: consumption = self-consumption + import; production = self-consumption + export.
        assert close(hour.consumption_wh, hour.self_consumption_wh + hour.grid_import_wh)
        assert close(hour.production_wh, hour.self_consumption_wh + hour.grid_export_wh + hour.battery_charge_wh)
    period = period_balance(home=home, start=DAY[0], end=DAY[1])
    # Consumption 3500, import 1500: self-sufficiency 1 − 1500/3500 = 57.14 %; 2000 of 3000 produced used: 66.67 %.
    assert period.self_sufficiency_pct == pytest.approx(57.142857)
    assert period.self_consumption_pct == pytest.approx(66.666667)


def test_without_a_meter_import_is_consumption_minus_self_consumed_production(home):
    pump = make_device(home, C.CONSUMER, "Heat pump")
    solar = make_device(home, C.PRODUCER, "Solar")
    rollup(pump, H, 2500)
    rollup(solar, H, 1000)
    (hour,) = hourly_balance(home=home, start=DAY[0], end=DAY[1])
    # 2500 consumed, 1000 of it from the sun: import 2500 − 1000 = 1500, nothing exported.
    assert (hour.grid_import_wh, hour.grid_export_wh, hour.self_consumption_wh) == (1500, 0, 1000)


def test_battery_charged_from_the_grid_counts_as_grid_not_production(home):
    meter = make_device(home, C.METER, "Meter")
    battery = make_device(home, C.STORAGE, "Battery")
    # Night: battery charges 3000 from the grid, house uses 500: meter +3500.
    rollup(battery, H + timedelta(hours=2), 3000)
    rollup(meter, H + timedelta(hours=2), 3500)
    (night,) = hourly_balance(home=home, start=DAY[0], end=DAY[1])
    assert (night.consumption_wh, night.production_wh) == (500, 0)
    assert (night.grid_to_battery_wh, night.grid_to_home_wh, night.grid_import_wh) == (3000, 500, 3500)


def test_every_hour_adds_up_for_random_solar_battery_homes():
    rng = random.Random(7)
    for _ in range(2000):
        meter = rng.choice([None, rng.uniform(-5000, 5000)])
        b = balance_hour(
            H,
            consumers_wh=rng.uniform(0, 4000),
            production_wh=rng.choice([0.0, rng.uniform(0, 6000)]),
            storage_wh=rng.uniform(-3000, 3000),
            meter_wh=meter,
        )
        assert_adds_up(b)
        # The grid figures are the meter's whenever there is one.
        if meter is not None:
            assert close(b.grid_import_wh - b.grid_export_wh, meter)
        assert min(b.grid_import_wh, b.grid_export_wh) == 0  # one direction per hour (hourly net)

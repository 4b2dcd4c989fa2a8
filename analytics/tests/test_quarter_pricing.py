"""Hours whose four quarter prices differ are priced per quarter from the raw readings (issue 9, part 2).

Each case is hand-computed in its comments. Readings are one a minute, rolled up by telemetry's
own rollup code, so quarter and hourly energies come from the same energy rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from analytics.models import HourlyCost, Tariff
from analytics.services import import_price_csv, reprice_hours, save_tariff
from analytics.tests.test_cost_fixtures import make_device
from devices.models import Device, DeviceType
from telemetry.models import Reading
from telemetry.rollups import rollup_hour

pytestmark = pytest.mark.django_db

D = Decimal
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def feed(device: Device, start: datetime, end: datetime, power: Callable[[datetime], float]) -> None:
    """A reading every minute in ``[start, end)`` with ``power(t)`` W, then the hourly rollups of those hours."""
    rows, moment = [], start
    while moment < end:
        rows.append(Reading(device=device, time=moment, power_w=power(moment)))
        moment += MINUTE
    Reading.objects.bulk_create(rows)
    hour = start.replace(minute=0)
    while hour <= end:  # the last reading holds 5 minutes into the next hour
        rollup_hour(device=device, hour=hour)
        hour += HOUR


def dynamic_15(home, *, export_kind: str = Tariff.ExportKind.FLAT) -> Tariff:
    return save_tariff(
        home=home,
        name="Spot 15",
        kind=Tariff.Kind.DYNAMIC,
        effective_from=date(2026, 1, 1),
        price_interval_minutes=15,
        export_kind=export_kind,
        export_price_per_kwh=D("0"),
    )


def prices_csv(tariff: Tariff, hour: datetime, prices: list[str], direction: str = "import") -> None:
    lines = ["start,price_per_kwh,direction"]
    lines += [f"{(hour + 15 * i * MINUTE).isoformat()},{p},{direction}" for i, p in enumerate(prices)]
    result = import_price_csv(tariff=tariff, text="\n".join(lines))
    assert result.errors == []


def grid_row(home, hour: datetime) -> HourlyCost:
    return HourlyCost.objects.get(home=home, device__isnull=True, hour=hour)


TEN = datetime(2026, 1, 10, 10, tzinfo=UTC)


def test_a_load_in_the_cheapest_quarter_costs_that_quarters_price_not_the_hour_mean(home):
    tariff = dynamic_15(home)
    prices_csv(tariff, TEN, ["0.30", "0.10", "0.40", "0.20"])  # hour mean 1.00 / 4 = 0.25
    pump = make_device(home)
    feed(pump, TEN, TEN + HOUR, lambda t: 2000.0 if TEN + 15 * MINUTE <= t < TEN + 30 * MINUTE else 0.0)

    stats = reprice_hours(home=home, start=TEN, end=TEN + HOUR)

    # 2 kW for 15 minutes = 0.5 kWh, all in the 10:15 quarter: 0.5 × 0.10 = 0.05 (not 0.5 × 0.25 = 0.125).
    device_row = HourlyCost.objects.get(device=pump, hour=TEN)
    assert (device_row.import_wh, device_row.import_cost) == (pytest.approx(500.0), D("0.050000"))
    assert (grid_row(home, TEN).import_wh, grid_row(home, TEN).import_cost) == (pytest.approx(500.0), D("0.05"))
    assert stats.quarter_hours == 1
    assert reprice_hours(home=home, start=TEN, end=TEN + HOUR).written == 0  # idempotent


def test_an_hour_whose_raw_readings_are_gone_keeps_the_hourly_mean(home):
    tariff = dynamic_15(home)
    prices_csv(tariff, TEN, ["0.30", "0.10", "0.40", "0.20"])
    pump = make_device(home)
    feed(pump, TEN, TEN + HOUR, lambda t: 2000.0 if TEN + 15 * MINUTE <= t < TEN + 30 * MINUTE else 0.0)
    reprice_hours(home=home, start=TEN, end=TEN + HOUR)
    assert grid_row(home, TEN).import_cost == D("0.05")

    Reading.objects.filter(device=pump).delete()  # retention: the rollup stays, the readings go
    stats = reprice_hours(home=home, start=TEN, end=TEN + HOUR)

    # Hourly path: 0.5 kWh × the mean 0.25 = 0.125.
    assert grid_row(home, TEN).import_cost == D("0.125")
    assert HourlyCost.objects.get(device=pump, hour=TEN).import_cost == D("0.125")
    assert stats.quarter_hours == 0
    assert reprice_hours(home=home, start=TEN, end=TEN + HOUR).written == 0


def test_readings_that_no_longer_match_the_rollup_keep_the_hourly_path(home):
    tariff = dynamic_15(home)
    prices_csv(tariff, TEN, ["0.30", "0.10", "0.40", "0.20"])
    pump = make_device(home)
    feed(pump, TEN, TEN + HOUR, lambda t: 2000.0 if TEN + 15 * MINUTE <= t < TEN + 30 * MINUTE else 0.0)
    # Part of the hour removed (say, by an admin) without the rollup recomputed yet.
    Reading.objects.filter(device=pump, time__gte=TEN + 20 * MINUTE, time__lt=TEN + 30 * MINUTE).delete()

    stats = reprice_hours(home=home, start=TEN, end=TEN + HOUR)

    assert grid_row(home, TEN).import_cost == D("0.125")  # the rollup's 0.5 kWh × 0.25
    assert stats.quarter_hours == 0


def test_equal_quarter_prices_stay_on_the_hourly_path(home):
    tariff = dynamic_15(home)
    prices_csv(tariff, TEN, ["0.20", "0.20", "0.20", "0.20"])
    pump = make_device(home)
    feed(pump, TEN, TEN + HOUR, lambda t: 2000.0 if t < TEN + 15 * MINUTE else 0.0)

    stats = reprice_hours(home=home, start=TEN, end=TEN + HOUR)

    assert grid_row(home, TEN).import_cost == D("0.10")  # 0.5 kWh × 0.20
    assert stats.quarter_hours == 0


def test_a_time_of_use_boundary_at_17_15_local_prices_each_side_with_its_window(home):
    save_tariff(
        home=home,
        name="Time of use",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=date(2026, 1, 1),
        windows=[
            {"name": "Off-peak", "start_time": "00:00", "end_time": "17:15", "price_per_kwh": D("0.20")},
            {"name": "Peak", "start_time": "17:15", "end_time": "21:00", "price_per_kwh": D("0.40")},
            {"name": "Evening", "start_time": "21:00", "end_time": "00:00", "price_per_kwh": D("0.25")},
        ],
    )
    pump = make_device(home)
    hour = datetime(2026, 1, 12, 16, tzinfo=UTC)  # 17:00 in Berlin (UTC+1 in January)
    # 4 kW from 17:00 to 17:15 local (1 kWh, off-peak), then 1 kW to 18:00 (0.75 kWh, peak).
    feed(pump, hour, hour + HOUR, lambda t: 4000.0 if t < hour + 15 * MINUTE else 1000.0)

    stats = reprice_hours(home=home, start=hour, end=hour + HOUR)

    # 1 × 0.20 + 0.75 × 0.40 = 0.50; the hour mean (0.20 + 3 × 0.40) / 4 = 0.35 would give 1.75 × 0.35 = 0.6125.
    row = grid_row(home, hour)
    assert (row.import_wh, row.import_cost, row.window) == (pytest.approx(1750.0), D("0.50"), "Off-peak")
    assert HourlyCost.objects.get(device=pump, hour=hour).import_cost == D("0.50")
    assert stats.quarter_hours == 1  # 18:00 local (the 17:00 UTC hour the last reading reaches) is all peak


def test_export_is_credited_at_quarter_prices_and_never_netted_across_quarters(home):
    tariff = dynamic_15(home, export_kind=Tariff.ExportKind.DYNAMIC)
    prices_csv(tariff, TEN, ["0.30", "0.30", "0.30", "0.30"])
    prices_csv(tariff, TEN, ["0.05", "0.12", "0.08", "0.08"], direction="export")
    meter = make_device(home, DeviceType.Category.METER, "Meter")

    def power(t: datetime) -> float:
        if t < TEN + 15 * MINUTE:
            return 4000.0  # importing 4 kW: 1 kWh in the 10:00 quarter
        if t < TEN + 30 * MINUTE:
            return -4000.0  # exporting 4 kW: 1 kWh in the 10:15 quarter
        return 0.0

    feed(meter, TEN, TEN + HOUR, power)

    stats = reprice_hours(home=home, start=TEN, end=TEN + HOUR)

    # The hour's net is 0 kWh (the hourly path would bill and credit nothing). Per quarter:
    # import 1 kWh × 0.30 = 0.30, export 1 kWh × 0.12 (the 10:15 export price) = 0.12 credited.
    row = grid_row(home, TEN)
    assert (row.import_wh, row.export_wh) == (pytest.approx(1000.0), pytest.approx(1000.0))
    assert (row.import_cost, row.export_credit, row.price_missing) == (D("0.30"), D("0.12"), False)
    assert stats.quarter_hours == 1
    assert reprice_hours(home=home, start=TEN, end=TEN + HOUR).written == 0


def test_a_missing_quarter_price_only_matters_where_there_is_energy(home):
    tariff = dynamic_15(home)
    prices_csv(tariff, TEN, ["0.30", "0.10", "0.40"])  # no price for 10:45
    pump = make_device(home)
    feed(pump, TEN, TEN + HOUR, lambda t: 2000.0 if TEN + 15 * MINUTE <= t < TEN + 30 * MINUTE else 0.0)
    later = TEN + 2 * HOUR
    prices_csv(tariff, later, ["0.30", "0.10", "0.40"])
    feed(pump, later, later + HOUR, lambda t: 2000.0 if t >= later + 45 * MINUTE else 0.0)

    reprice_hours(home=home, start=TEN, end=later + HOUR)

    assert grid_row(home, TEN).import_cost == D("0.05")  # 0.5 kWh × 0.10; the unpriced quarter used nothing
    missing = grid_row(home, later)  # 0.5 kWh in the unpriced quarter: reported, not zero
    assert (missing.import_cost, missing.price_missing) == (None, True)


def test_a_daylight_saving_day_is_unaffected(home):
    # 29 March 2026, Berlin springs forward at 02:00: a 23-hour local day, UTC 23:00 (28th) to 22:00.
    save_tariff(
        home=home,
        name="Time of use",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=date(2026, 1, 1),
        windows=[
            {"name": "Night", "start_time": "00:00", "end_time": "07:00", "price_per_kwh": D("0.20")},
            {"name": "Day", "start_time": "07:00", "end_time": "17:15", "price_per_kwh": D("0.30")},
            {"name": "Peak", "start_time": "17:15", "end_time": "00:00", "price_per_kwh": D("0.40")},
        ],
    )
    pump = make_device(home)
    start, end = datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)
    feed(pump, start, end, lambda t: 1000.0)

    stats = reprice_hours(home=home, start=start, end=end)

    rows = HourlyCost.objects.filter(home=home, device__isnull=True, hour__gte=start, hour__lt=end)
    assert rows.count() == 23
    # 1 kW all day. Night 00:00–07:00 local is 6 real hours: 6 × 0.20 = 1.20; Day 07:00–17:00 is
    # 10 h × 0.30 = 3.00; the 17:00 hour (15:00 UTC, summer time) 0.25 × 0.30 + 0.75 × 0.40 = 0.375;
    # Peak 18:00–24:00 6 h × 0.40 = 2.40. Total 6.975, the same as the hourly means give for an even load.
    assert sum((r.import_cost for r in rows), D(0)) == D("6.975")
    boundary = rows.get(hour=datetime(2026, 3, 29, 15, tzinfo=UTC))
    assert (boundary.import_cost, boundary.window) == (D("0.375"), "Day")
    assert stats.quarter_hours == 1  # only the 17:00 local hour is priced per quarter

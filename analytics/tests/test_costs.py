"""Hourly costs: tariff history, import and export priced separately, idempotent re-pricing, period summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from analytics.costs import cost_by_device, cost_by_window, cost_summary, daily_costs, month_bounds, month_overview
from analytics.models import HourlyCost, Tariff
from analytics.services import reprice_after_rollup, reprice_hours, reprice_stale_hours, save_tariff
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup
from devices.models import DeviceType
from telemetry.models import HourlyRollup

pytestmark = pytest.mark.django_db

D = Decimal
JAN = (datetime(2025, 12, 31, 23, tzinfo=UTC), datetime(2026, 1, 31, 23, tzinfo=UTC))  # Berlin's January


def test_a_tariff_change_mid_month_prices_each_hour_with_the_tariff_in_force(home):
    flat_tariff(home, date(2026, 1, 1), "0.30", standing="0.50", name="Old")
    flat_tariff(home, date(2026, 1, 16), "0.20", standing="0.40", name="New")
    pump = make_device(home)
    # UTC 22:00 on 15 Jan = 23:00 Berlin, still the old tariff; UTC 23:00 = 00:00 on 16 Jan, the new one.
    rollup(pump, datetime(2026, 1, 15, 22, tzinfo=UTC), 1000)
    rollup(pump, datetime(2026, 1, 15, 23, tzinfo=UTC), 1000)

    reprice_hours(home=home, start=JAN[0], end=JAN[1])

    costs = dict(HourlyCost.objects.filter(device=pump).values_list("hour__hour", "import_cost"))
    assert costs == {22: D("0.30"), 23: D("0.20")}  # 1 kWh × 0.30; 1 kWh × 0.20
    summary = cost_summary(home=home, start=JAN[0], end=JAN[1])
    # Standing: 1–15 Jan 15 × 0.50 = 7.50; 16–31 Jan 16 × 0.40 = 6.40; 13.90.
    # Total: energy 0.30 + 0.20 = 0.50, plus 13.90 = 14.40.
    assert (summary.days, summary.standing_charge) == (31, D("13.90"))
    assert summary.import_cost == D("0.50")
    assert summary.total == D("14.40")


def test_changing_a_tariff_reprices_its_history_after_commit(home, django_capture_on_commit_callbacks):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    pump = make_device(home)
    rollup(pump, datetime(2026, 1, 5, 12, tzinfo=UTC), 2000)
    reprice_hours(home=home, start=JAN[0], end=JAN[1])
    assert HourlyCost.objects.get(device=pump).import_cost == D("0.60")  # 2 kWh × 0.30

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save_tariff(home=home, tariff=tariff, import_price_per_kwh=D("0.25"))

    assert len(callbacks) == 1  # one re-pricing task queued, run eagerly
    assert HourlyCost.objects.get(device=pump).import_cost == D("0.50")  # 2 kWh × 0.25


def test_export_is_credited_at_its_own_rate_and_never_netted_with_import(home):
    flat_tariff(home, date(2026, 1, 1), "0.30", export="0.08")
    meter = make_device(home, DeviceType.Category.METER, "Meter")
    rollup(meter, datetime(2026, 1, 5, 10, tzinfo=UTC), 2000)  # 2 kWh imported
    rollup(meter, datetime(2026, 1, 5, 11, tzinfo=UTC), -3000)  # 3 kWh exported

    reprice_hours(home=home, start=JAN[0], end=JAN[1])

    summary = cost_summary(home=home, start=JAN[0], end=JAN[1])
    # Import 2 kWh × 0.30 = 0.60; export 3 kWh × 0.08 = 0.24 credit; bill 0.60 − 0.24 = 0.36.
    # Netting (−1 kWh × 0.30 = −0.30) would be wrong.
    assert (summary.import_kwh, summary.export_kwh) == (2.0, 3.0)
    assert (summary.import_cost, summary.export_credit) == (D("0.60"), D("0.24"))
    assert summary.total == D("0.36")
    assert not HourlyCost.objects.filter(device=meter).exists()  # the meter's energy is the grid row


def test_repricing_twice_changes_nothing(home):
    flat_tariff(home, date(2026, 1, 1), "0.30")
    pump = make_device(home)
    for h in range(5):
        rollup(pump, datetime(2026, 1, 5, h, tzinfo=UTC), 500 + h)
    first = reprice_hours(home=home, start=JAN[0], end=JAN[1])
    snapshot = list(HourlyCost.objects.order_by("pk").values())
    again = reprice_hours(home=home, start=JAN[0], end=JAN[1])
    assert (first.hours, first.written) == (5, 10)  # 5 grid rows + 5 heat-pump rows
    assert (again.written, again.deleted) == (0, 0)
    assert list(HourlyCost.objects.order_by("pk").values()) == snapshot


def test_hours_before_any_tariff_are_missing_not_free(home):
    flat_tariff(home, date(2026, 1, 10), "0.30")
    pump = make_device(home)
    rollup(pump, datetime(2026, 1, 5, 12, tzinfo=UTC), 1000)
    reprice_hours(home=home, start=JAN[0], end=JAN[1])
    row = HourlyCost.objects.get(home=home, device__isnull=True)
    assert row.import_cost is None and row.price_missing
    assert cost_summary(home=home, start=JAN[0], end=JAN[1]).missing_hours == 1


def test_reprice_after_rollup_prices_new_hours_and_drops_vanished_ones(home):
    flat_tariff(home, date(2026, 1, 1), "0.30")
    pump = make_device(home)
    hour = datetime(2026, 1, 5, 12, tzinfo=UTC)
    rollup(pump, hour, 1000)
    reprice_after_rollup([(pump.pk, hour)])
    assert HourlyCost.objects.filter(home=home).count() == 2
    HourlyRollup.objects.filter(device=pump).update(energy_wh=3000)
    reprice_after_rollup([(pump.pk, hour)])
    assert HourlyCost.objects.get(device=pump).import_cost == D("0.90")  # 3 kWh × 0.30
    HourlyRollup.objects.filter(device=pump).delete()
    stats = reprice_after_rollup([(pump.pk, hour)])
    assert stats.deleted == 2 and not HourlyCost.objects.exists()


def test_the_stale_sweep_reprices_hours_whose_rollups_changed_later(home):
    flat_tariff(home, date(2026, 1, 1), "0.30")
    pump = make_device(home)
    hour = datetime(2026, 1, 5, 12, tzinfo=UTC)
    rollup(pump, hour, 1000)  # never priced: its re-pricing was "lost"
    reprice_stale_hours(since=datetime(2026, 1, 1, tzinfo=UTC))
    assert HourlyCost.objects.get(device=pump).import_cost == D("0.30")
    again = reprice_stale_hours(since=datetime(2026, 1, 1, tzinfo=UTC))
    assert again.hours == 0  # nothing stale any more


def test_a_reversed_period_is_an_error_on_end(home):
    with pytest.raises(ValidationError) as caught:
        reprice_hours(home=home, start=JAN[1], end=JAN[0])
    assert "end" in caught.value.message_dict


def test_cost_by_device_and_by_window(home):
    save_tariff(
        home=home,
        name="Two rate",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=date(2026, 1, 1),
        windows=[
            {"name": "Day", "start_time": "07:00", "end_time": "23:00", "price_per_kwh": D("0.30")},
            {"name": "Night", "start_time": "23:00", "end_time": "07:00", "price_per_kwh": D("0.10")},
        ],
    )
    pump = make_device(home, name="Heat pump")
    car = make_device(home, name="Car")
    rollup(pump, datetime(2026, 1, 5, 11, tzinfo=UTC), 2000)  # 12:00 local, day: 2 × 0.30 = 0.60
    rollup(car, datetime(2026, 1, 5, 1, tzinfo=UTC), 10000)  # 02:00 local, night: 10 × 0.10 = 1.00
    reprice_hours(home=home, start=JAN[0], end=JAN[1])

    by_device = cost_by_device(home=home, start=JAN[0], end=JAN[1])
    assert [(r.label, r.kwh, r.cost) for r in by_device] == [("Car", 10.0, D("1.00")), ("Heat pump", 2.0, D("0.60"))]
    by_window = cost_by_window(home=home, start=JAN[0], end=JAN[1])
    assert [(r.label, r.cost) for r in by_window] == [("Night", D("1.00")), ("Day", D("0.60"))]
    days = daily_costs(home=home, start=JAN[0], end=JAN[1])
    assert days[date(2026, 1, 5)]["Night"] == D("1.00") and days[date(2026, 1, 5)]["Day"] == D("0.60")


def test_month_overview_compares_with_last_month_and_projects_the_month_end(home):
    flat_tariff(home, date(2025, 12, 1), "0.30", standing="1.00")
    pump = make_device(home)
    rollup(pump, datetime(2025, 12, 10, 12, tzinfo=UTC), 10000)  # December: 10 kWh × 0.30 = 3.00
    rollup(pump, datetime(2026, 1, 3, 12, tzinfo=UTC), 5000)  # January: 5 kWh × 0.30 = 1.50
    reprice_hours(home=home, start=datetime(2025, 11, 30, tzinfo=UTC), end=JAN[1])
    now = datetime(2026, 1, 11, 11, tzinfo=UTC)  # 12:00 on 11 Jan in Berlin

    overview = month_overview(home=home, now=now)

    # December: 3.00 + 31 days × 1.00 = 34.00. January so far: 1.50 + 11 days × 1.00 = 12.50.
    assert overview.last_month.total == D("34.00")
    assert overview.this_month.total == D("12.50")
    # Elapsed: 10.5 of 31 days; energy 1.50 / (10.5 / 31) = 4.428...; plus 31 × 1.00 = 35.43.
    assert overview.projected_total == D("35.43")
    assert month_bounds(date(2026, 1, 11), home) == JAN
    assert (overview.month_label, overview.last_month_label) == ("January 2026", "December 2025")
    assert timedelta(0) < now - overview.this_month.start


def test_the_projected_month_end_uses_the_forecast_when_there_is_one(home):
    """Cost so far + forecast kWh of each remaining hour x the share bought from the grid x its price
    + the whole month's standing charges; without a forecast, the month's pace."""
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    import time_machine

    from analytics.costs import month_overview
    from analytics.models import Forecast, Tariff
    from analytics.services import save_tariff
    from devices.tests.factories import register
    from telemetry.rollups import rollup_dirty_hours
    from telemetry.services import ingest_readings

    now = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # 30 Nov 00:00 in Berlin: one local day left
    save_tariff(
        home=home, name="Flat", kind=Tariff.Kind.FLAT, effective_from=date(2026, 1, 1),
        import_price_per_kwh=Decimal("0.30"), export_kind=Tariff.ExportKind.FLAT,
        export_price_per_kwh=Decimal("0"), standing_charge_per_day=Decimal("0"),
    )  # fmt: skip
    meter = register(home, type="grid-meter", name="Meter").device
    start = now - timedelta(hours=2)
    with time_machine.travel(now, tick=False):
        ingest_readings(
            device=meter,
            items=[{"time": start + timedelta(minutes=m), "power_w": 1000.0} for m in range(121)],
            source="t",
        )
        rollup_dirty_hours(limit=100)
        from analytics.services import reprice_hours

        reprice_hours(home=home, start=start, end=now)
        paced = month_overview(home=home, now=now)
        assert paced.projection_basis == "pace"
        Forecast.objects.create(
            home=home, granularity=Forecast.Granularity.HOUR, horizon_days=30, status=Forecast.Status.READY,
            origin=now, points=[[(now + timedelta(hours=h)).isoformat(), 500.0, 400.0, 600.0] for h in range(30 * 24)],
        )  # fmt: skip
        projected = month_overview(home=home, now=now)

    assert projected.projection_basis == "forecast"
    so_far = projected.this_month.import_cost - projected.this_month.export_credit
    # 24 remaining hours x 0.5 kWh x (all bought from the grid: share 1) x 0.30 = 3.60
    assert projected.projected_total == (so_far + Decimal("3.60")).quantize(Decimal("0.01"))

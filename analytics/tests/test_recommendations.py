"""Recommendation savings against a hand-computed case, standby, and dismiss/snooze through services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from analytics import insight_services
from analytics.models import Recommendation, Tariff
from analytics.recommendations import shift_saving
from analytics.services import save_tariff
from analytics.standby import standby
from analytics.tests.test_cost_fixtures import rollup
from devices.models import Device, DeviceType

pytestmark = pytest.mark.django_db

# 1 March 2024 10:00 Berlin; the 28 days looked at are 2-29 February... (local days before today)
NOW = datetime(2024, 3, 1, 9, tzinfo=UTC)


def tou_tariff(home):
    return save_tariff(
        home=home,
        name="Peak and off-peak",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=date(2024, 1, 1),
        windows=[
            {"name": "Off-peak", "start_time": "22:00", "end_time": "07:00", "price_per_kwh": Decimal("0.15")},
            {"name": "Peak", "start_time": "07:00", "end_time": "22:00", "price_per_kwh": Decimal("0.30")},
        ],
    )


def device(home, slug, name):
    kind = DeviceType.objects.get(slug=slug)
    return Device.objects.create(home=home, type=kind, name=name, external_id=f"rec-{home.pk}-{slug}")


def local_hour(home, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=home.zone).astimezone(UTC)


def test_moving_2_kw_from_030_to_015_for_an_hour_a_day_saves_900_in_a_30_day_month():
    hours = [(2000.0, Decimal("0.30"))] * 28 + [(0.0, Decimal("0.15"))] * 28
    kwh, saving = shift_saving(hours, Decimal("0.15"), days=28)
    assert saving == Decimal("9.00")
    assert kwh == pytest.approx(60.0)  # 2 kWh a day for 30 days


def test_a_washing_machine_run_at_peak_every_day_gets_the_900_recommendation(home):
    tou_tariff(home)
    washer = device(home, "washing-machine", "Washing machine")
    for offset in range(1, 29):
        rollup(washer, local_hour(home, date(2024, 3, 1) - timedelta(days=offset), 18), 2000.0)
    stats = insight_services.evaluate_recommendations(home=home, now=NOW)
    assert stats.recommendations == 1
    advice = Recommendation.objects.get(home=home)
    assert advice.kind == "shift_load" and advice.device == washer
    assert advice.saving_month == Decimal("9.00")
    assert advice.saving_kwh_month == pytest.approx(60.0)
    assert "0.1500 EUR/kWh" in advice.reason


def test_a_flat_tariff_has_nothing_to_shift(home):
    save_tariff(
        home=home, name="Flat", kind=Tariff.Kind.FLAT, effective_from=date(2024, 1, 1),
        import_price_per_kwh=Decimal("0.30"),
    )  # fmt: skip
    washer = device(home, "washing-machine", "Washing machine")
    for offset in range(1, 29):
        rollup(washer, local_hour(home, date(2024, 3, 1) - timedelta(days=offset), 18), 2000.0)
    assert insight_services.evaluate_recommendations(home=home, now=NOW).recommendations == 0


def test_standby_is_the_night_floor_and_its_yearly_cost_at_the_mean_price(home):
    tou_tariff(home)
    tv = device(home, "tv", "TV")
    for offset in range(1, 29):
        day = date(2024, 3, 1) - timedelta(days=offset)
        for hour in range(24):
            rollup(tv, local_hour(home, day, hour), 150.0 if 19 <= hour < 23 else 12.0)
    result = standby(home, now=NOW)
    assert [r.name for r in result.devices] == ["TV"]
    row = result.devices[0]
    assert row.standby_w == pytest.approx(12.0)
    assert row.yearly_kwh == pytest.approx(12 * 8760 / 1000)
    # Mean price: 9 off-peak hours at 0.15, 15 peak at 0.30 -> 0.24375 a kWh.
    assert result.mean_price_per_kwh == Decimal("0.24375")
    assert row.yearly_cost == (Decimal("105.12") * Decimal("0.24375")).quantize(Decimal("0.01"))
    assert result.home_w == pytest.approx(12.0)
    # And the recommendation to cut it: 12 W x 720 h = 8.64 kWh a month.
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home, kind="cut_standby")
    assert advice.saving_kwh_month == pytest.approx(8.64)
    assert advice.saving_month == (Decimal("8.64") * Decimal("0.24375")).quantize(Decimal("0.01"))


def test_dismissed_advice_stays_dismissed_and_snoozed_advice_comes_back(home):
    tou_tariff(home)
    washer = device(home, "washing-machine", "Washing machine")
    for offset in range(1, 29):
        rollup(washer, local_hour(home, date(2024, 3, 1) - timedelta(days=offset), 18), 2000.0)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home)
    insight_services.dismiss_recommendation(recommendation=advice)
    insight_services.evaluate_recommendations(home=home, now=NOW + timedelta(days=7))
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.DISMISSED
    assert Recommendation.objects.filter(home=home).count() == 1

    snoozed = insight_services.snooze_recommendation(recommendation=advice, days=3, now=NOW)
    assert snoozed.status == Recommendation.Status.SNOOZED and snoozed.snoozed_until == NOW + timedelta(days=3)
    with pytest.raises(ValueError, match="days"):
        insight_services.snooze_recommendation(recommendation=advice, days=0)


def test_a_fridge_running_all_night_is_not_told_to_cut_its_standby(home):
    tou_tariff(home)
    fridge = device(home, "fridge", "Fridge")
    for offset in range(1, 29):
        day = date(2024, 3, 1) - timedelta(days=offset)
        for hour in range(24):
            rollup(fridge, local_hour(home, day, hour), 40.0)
    assert standby(home, now=NOW).devices[0].standby_w == pytest.approx(40.0)  # still base load
    insight_services.evaluate_recommendations(home=home, now=NOW)
    assert not Recommendation.objects.filter(home=home, kind="cut_standby").exists()

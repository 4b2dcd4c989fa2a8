"""Solar-surplus and tariff-shape recommendations against hand-computed cases, and the insights
job queued when much new data arrives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics import insight_services, tasks
from analytics.models import Forecast, Recommendation, Tariff
from analytics.services import save_tariff
from analytics.tests.test_cost_fixtures import flat_tariff, rollup
from analytics.tests.test_recommendations import NOW, device, local_hour, tou_tariff

pytestmark = pytest.mark.django_db
TODAY = date(2024, 3, 1)


def daily(dev, hour: int, wh: float, *, days: int = 28) -> None:
    for offset in range(1, days + 1):
        rollup(dev, local_hour(dev.home, TODAY - timedelta(days=offset), hour), wh)


def test_a_dishwasher_run_in_the_evening_is_told_to_run_in_the_solar_surplus(home):
    # Flat import 0.30, export 0.08; 3 kWh exported at 12:00 every day; dishwasher 2 kWh at 19:00.
    flat_tariff(home, date(2024, 1, 1), "0.30", export="0.08")
    solar = device(home, "solar-inverter", "Solar")
    dishwasher = device(home, "dishwasher", "Dishwasher")
    daily(solar, 12, 3000.0)
    daily(dishwasher, 19, 2000.0)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home)
    # 2 kWh a day x 30 days x (0.30 - 0.08) = 13.20
    assert advice.kind == "solar_surplus" and advice.key == f"solar_surplus:{dishwasher.pk}"
    assert advice.device == dishwasher
    assert advice.saving_month == Decimal("13.20")
    assert advice.saving_kwh_month == pytest.approx(60.0)
    assert "12:00-13:00" in advice.reason and "0.0800 EUR/kWh" in advice.reason and "0.3000" in advice.reason


def test_the_energy_moved_is_bounded_by_the_surplus(home):
    flat_tariff(home, date(2024, 1, 1), "0.30", export="0.08")
    daily(device(home, "solar-inverter", "Solar"), 12, 3000.0)
    daily(device(home, "ev-charger", "EV charger"), 20, 4000.0)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home, kind="solar_surplus")
    # only the 3 kWh a day of surplus: 90 kWh a month x 0.22 = 19.80
    assert advice.saving_kwh_month == pytest.approx(90.0)
    assert advice.saving_month == Decimal("19.80")


def test_no_solar_advice_for_a_device_already_in_the_surplus_or_a_home_without_solar(home, other_home):
    flat_tariff(home, date(2024, 1, 1), "0.30", export="0.08")
    daily(device(home, "solar-inverter", "Solar"), 12, 3000.0)
    daily(device(home, "dishwasher", "Dishwasher"), 12, 1000.0)  # runs in the surplus: 2 kWh still exported
    insight_services.evaluate_recommendations(home=home, now=NOW)
    assert not Recommendation.objects.filter(home=home, kind="solar_surplus").exists()

    flat_tariff(other_home, date(2024, 1, 1), "0.30", export="0.08")
    daily(device(other_home, "dishwasher", "Dishwasher"), 19, 2000.0)
    insight_services.evaluate_recommendations(home=other_home, now=NOW)
    assert not Recommendation.objects.filter(home=other_home, kind="solar_surplus").exists()


def test_a_dismissed_solar_advice_stays_dismissed(home):
    flat_tariff(home, date(2024, 1, 1), "0.30", export="0.08")
    daily(device(home, "solar-inverter", "Solar"), 12, 3000.0)
    daily(device(home, "dishwasher", "Dishwasher"), 19, 2000.0)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home, kind="solar_surplus")
    insight_services.dismiss_recommendation(recommendation=advice)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.DISMISSED
    assert Recommendation.objects.filter(home=home).count() == 1


def test_a_peak_heavy_home_on_time_of_use_is_told_a_flat_tariff_costs_less(home):
    tou_tariff(home)  # off-peak 22-07 at 0.15, peak at 0.30: time-weighted mean 0.24375
    meter = device(home, "grid-meter", "Grid meter")
    daily(meter, 18, 2000.0, days=30)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home, kind="tariff_shape")
    # 60 kWh at 0.30 = 18.00 against 60 kWh at 0.24375 = 14.625: 3.375 -> 3.38
    assert advice.key == "tariff_shape:flat" and advice.device is None
    assert advice.saving_month == Decimal("3.38")
    assert "flat price of 0.2438 EUR/kWh" in advice.reason and "18.00" in advice.reason


def test_a_night_heavy_home_on_a_flat_tariff_is_told_a_time_of_use_tariff_costs_less(home):
    flat_tariff(home, date(2024, 1, 1), "0.30")
    meter = device(home, "grid-meter", "Grid meter")
    daily(meter, 2, 2000.0, days=30)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home, kind="tariff_shape")
    # off-peak at 0.8 x 0.30 = 0.24: 60 kWh x 0.06 = 3.60
    assert advice.key == "tariff_shape:time_of_use"
    assert advice.saving_month == Decimal("3.60")
    assert "off-peak 22:00-07:00 at 0.2400 and peak 07:00-22:00 at 0.3360" in advice.reason


def test_no_tariff_advice_below_the_threshold_or_when_the_shape_would_cost_more(home):
    flat_tariff(home, date(2024, 1, 1), "0.30")
    meter = device(home, "grid-meter", "Grid meter")
    daily(meter, 18, 2000.0, days=30)  # peak use: time of use would cost more
    insight_services.evaluate_recommendations(home=home, now=NOW)
    assert not Recommendation.objects.filter(home=home, kind="tariff_shape").exists()
    save_tariff(
        home=home, name="Peak and off-peak", kind=Tariff.Kind.TIME_OF_USE, effective_from=date(2024, 1, 2),
        windows=[
            {"name": "Off-peak", "start_time": "22:00", "end_time": "07:00", "price_per_kwh": Decimal("0.29")},
            {"name": "Peak", "start_time": "07:00", "end_time": "22:00", "price_per_kwh": Decimal("0.30")},
        ],
    )  # fmt: skip
    insight_services.evaluate_recommendations(home=home, now=NOW)  # 60 x (0.30 - 0.29625) = 0.23 < 2.00
    assert not Recommendation.objects.filter(home=home, kind="tariff_shape", is_current=True).exists()


def test_much_new_data_queues_the_insights_job_once_an_hour(home, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(tasks.home_insights, "delay", lambda home_id: queued.append(home_id))
    cache.delete(tasks.new_data_key(home.pk))
    meter = device(home, "grid-meter", "Grid meter")
    Forecast.objects.create(home=home, granularity="hour", horizon_days=7)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=10)
    for i in range(tasks.NEW_DATA_HOURS):
        rollup(meter, start + timedelta(hours=i), 100.0)
    assert tasks.insights_for_new_data() == 0 and queued == []  # exactly N new hours: not "more than"
    rollup(meter, start + timedelta(hours=tasks.NEW_DATA_HOURS), 100.0)
    assert tasks.insights_for_new_data() == 1 and queued == [home.pk]
    assert tasks.insights_for_new_data() == 0 and queued == [home.pk]  # not twice within the hour
    cache.delete(tasks.new_data_key(home.pk))
    Forecast.objects.filter(home=home).update(computed_at=timezone.now() + timedelta(seconds=1))
    assert tasks.insights_for_new_data() == 0  # forecast newer than the data: nothing new
    cache.delete(tasks.new_data_key(home.pk))


def test_the_new_data_check_runs_the_real_job_eagerly(home):
    cache.delete(tasks.new_data_key(home.pk))
    meter = device(home, "grid-meter", "Grid meter")
    start = datetime(2024, 2, 1, tzinfo=UTC)
    for i in range(tasks.NEW_DATA_HOURS + 1):
        rollup(meter, start + timedelta(hours=i), 100.0)
    assert not Forecast.objects.filter(home=home).exists()
    assert tasks.insights_for_new_data() == 1
    assert Forecast.objects.filter(home=home).exists()  # home_insights ran (eager) and stored forecasts
    cache.delete(tasks.new_data_key(home.pk))

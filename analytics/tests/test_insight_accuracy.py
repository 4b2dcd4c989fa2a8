"""Forecast against actual on the dashboard: the past weeks forecast from the history before each
Monday with the home's chosen model, beside what was used, with the measured error."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache

from analytics import insight_services
from analytics.insight_accuracy import forecast_accuracy
from analytics.tests.test_cost_fixtures import make_device, rollup

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday; the last whole week began Monday 23 Nov
THIS_MONDAY = date(2026, 11, 30)


def fill(device, first: date, last: date, wh: float, *, evening_wh: float | None = None) -> None:
    day = first
    while day <= last:
        for hour in range(24):
            moment = datetime.combine(day, time(hour), tzinfo=device.home.zone).astimezone(UTC)
            rollup(device, moment, evening_wh if evening_wh is not None and 18 <= hour < 22 else wh)
        day += timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_regular_home_is_forecast_exactly_and_a_doubled_week_shows_the_miss(home):
    heater = make_device(home)
    fill(heater, THIS_MONDAY - timedelta(days=70), THIS_MONDAY - timedelta(days=8), 50.0, evening_wh=800.0)
    fill(heater, THIS_MONDAY - timedelta(days=7), THIS_MONDAY - timedelta(days=1), 100.0, evening_wh=1600.0)
    fill(heater, THIS_MONDAY, date(2026, 12, 1), 50.0, evening_wh=800.0)
    insight_services.recompute_forecasts(home=home, now=NOW)
    accuracy = forecast_accuracy(home, now=NOW)
    assert [w.week_start for w in accuracy.weeks] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]  # noqa: E501
    # A regular week: 7 x (20 h x 50 Wh + 4 h x 800 Wh) = 29.4 kWh, forecast exactly.
    assert [round(w.actual_kwh, 1) for w in accuracy.weeks] == [29.4, 29.4, 29.4, 58.8]
    assert [round(w.error_pct) for w in accuracy.weeks[:3]] == [0, 0, 0]
    # The last week used twice as much: a forecast of 29.4 kWh was 50 % short.
    assert accuracy.weeks[3].forecast_kwh == pytest.approx(29.4) and accuracy.weeks[3].error_pct == pytest.approx(-50)
    assert accuracy.days == 28 and accuracy.mape_pct == pytest.approx(50 / 4)  # 7 days of 50 % in 28


def test_the_dashboard_shows_the_card_with_the_measured_error(owner_client, home):
    heater = make_device(home)
    today = datetime.now(UTC).astimezone(home.zone).date()
    monday = today - timedelta(days=today.weekday())
    fill(heater, monday - timedelta(days=63), today - timedelta(days=1), 50.0, evening_wh=800.0)
    insight_services.recompute_forecasts(home=home)
    body = owner_client.get("/").content.decode()
    assert 'id="forecast-accuracy"' in body and '<strong id="accuracy-mape">0 %</strong>' in body
    assert "29.4 kWh" in body


def test_a_new_home_says_it_needs_more_days(owner_client, home):
    make_device(home)
    insight_services.recompute_forecasts(home=home)
    assert forecast_accuracy(home).message == "Not enough data yet (needs 14 days)."
    assert "Not enough data yet (needs 14 days)." in owner_client.get("/").content.decode()

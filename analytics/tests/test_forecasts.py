"""Forecast models, back-test and the short-history rule on hand-made series."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest

from analytics.forecasts import MIN_HISTORY_DAYS, HourlySeries, NotEnoughData, backtest, forecast, seasonal_naive

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Local midnight in Berlin (winter): 23:00 UTC the day before; 1 Jan 2024 is a Monday.
START = datetime(2023, 12, 31, 23, tzinfo=UTC)


def weekly_series(weeks: int) -> HourlySeries:
    """1 kWh at 07:00 local on weekdays, 3 kWh at 10:00 local on weekends, 100 Wh otherwise."""
    values = []
    for index in range(weeks * 168):
        local = (START.astimezone(BERLIN) + index * (START - START.replace(hour=22))).astimezone(BERLIN)
        weekday, hour = local.weekday(), local.hour
        if weekday < 5 and hour == 7:
            values.append(1000.0)
        elif weekday >= 5 and hour == 10:
            values.append(3000.0)
        else:
            values.append(100.0)
    return HourlySeries(START, tuple(values), BERLIN)


def test_seasonal_naive_repeats_the_same_local_hour_of_last_week():
    keys = [(d, h) for d in range(7) for h in range(24)]
    history = [float(i) for i in range(168)]
    assert seasonal_naive(history, keys, keys[:3]) == [0.0, 1.0, 2.0]


def test_a_regular_week_is_forecast_exactly_and_the_band_is_tight():
    series = weekly_series(4)
    result = forecast(series, days=7)
    assert [round(p.energy_wh) for p in result.daily] == [3300] * 5 + [5300] * 2
    assert result.score.mae_wh == pytest.approx(0.0)
    assert all(p.low_wh == pytest.approx(p.energy_wh) == pytest.approx(p.high_wh) for p in result.daily)
    assert result.daily[0].start == datetime(2024, 1, 28, 23, tzinfo=UTC)  # Monday 29 Jan, local midnight


def test_a_short_history_says_how_many_days_it_needs():
    series = HourlySeries(START, tuple([100.0] * 24 * 10), BERLIN)
    with pytest.raises(NotEnoughData) as raised:
        forecast(series)
    assert raised.value.needs_days == MIN_HISTORY_DAYS == 14
    assert raised.value.have_days == 10
    assert str(raised.value) == "Not enough data yet (needs 14 days, has 10)."


def test_days_with_a_missing_hour_are_left_out_of_the_errors():
    values = list(weekly_series(3).values)
    values[15 * 24 + 5] = None  # an hour on the 16th day
    scores = backtest(HourlySeries(START, tuple(values), BERLIN), min_train_days=7)
    assert scores["seasonal_naive"].origins == 8
    assert scores["seasonal_naive"].days == 8 * 7 - 6  # day 15 is a target of the origins on days 9-14


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        HourlySeries(datetime(2024, 1, 1), (1.0,), BERLIN)  # noqa: DTZ001

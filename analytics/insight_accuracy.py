"""Forecast against actual for the past weeks, so the homeowner sees how far to trust the forecast.

For each of the last PAST_WEEKS whole local weeks (Monday to Sunday, the home's time zone) the
model the nightly job chose for the home (``Forecast.model``) forecasts the week from the
history before its Monday, exactly as it would have then; the daily totals are set beside what
the home used. The measured error is the daily MAPE over those days (days below MAPE_FLOOR_WH or
with a missing hour are left out) and the nightly back-test's MASE (below 1: better than "same
hour last week"). Energy in kWh. Cached for an hour per home and day: the past does not change
much, and the dashboard is opened often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from accounts.models import Home
from analytics.forecasts import (
    MAPE_FLOOR_WH,
    MODEL_LABELS,
    MODELS,
    _future_keys,
    _keys,
    hourly_energy_series,
    local_midnight_before,
)
from analytics.models import Forecast

PAST_WEEKS = 4
TRAIN_DAYS = 35  # the models look back at most 3 weeks; a little more for the level
CACHE_S = 3600
MIN_TRAIN_HOURS = 7 * 24


@dataclass(frozen=True)
class WeekCheck:
    week_start: date
    forecast_kwh: float
    actual_kwh: float | None  # None: a day of the week has a missing hour

    @property
    def error_pct(self) -> float | None:
        if not self.actual_kwh:
            return None
        return (self.forecast_kwh - self.actual_kwh) / self.actual_kwh * 100


@dataclass(frozen=True)
class ForecastAccuracy:
    """``weeks`` oldest first; ``mape_pct`` daily over their days; ``message`` when there is nothing yet."""

    model: str
    model_label: str
    weeks: tuple[WeekCheck, ...]
    mape_pct: float | None
    days: int
    backtest_mase: float | None
    message: str = ""


def _daily(values, start_index: int, hours: int, series) -> list[tuple[date, float | None]]:
    days: dict[date, float | None] = {}
    for offset in range(hours):
        index = start_index + offset
        day = series.local(index).date()
        value = series.values[index]
        if day not in days:
            days[day] = 0.0
        if value is None or days[day] is None:
            days[day] = None
        else:
            days[day] += value
    return list(days.items())


def _compute(home: Home, stored: Forecast, now: datetime) -> ForecastAccuracy:
    monday = now.astimezone(home.zone).date()
    monday -= timedelta(days=monday.weekday())
    end = local_midnight_before(datetime.combine(monday, datetime.min.time(), home.zone), home.zone)
    first_week = monday - timedelta(days=7 * PAST_WEEKS)
    week_start = datetime.combine(first_week, datetime.min.time(), home.zone)
    start = local_midnight_before(week_start - timedelta(days=TRAIN_DAYS), home.zone)
    series = hourly_energy_series(home, start=start, end=end)
    keys = _keys(series)
    model = MODELS[stored.model]
    weeks, errors = [], []
    for w in range(PAST_WEEKS):
        day = first_week + timedelta(days=7 * w)
        origin_time = datetime.combine(day, datetime.min.time(), home.zone)
        following = datetime.combine(day + timedelta(days=7), datetime.min.time(), home.zone)
        origin = int((origin_time - series.start) / timedelta(hours=1))
        hours = int((following - origin_time) / timedelta(hours=1))
        if sum(v is not None for v in series.values[:origin]) < MIN_TRAIN_HOURS:
            continue  # the home was too new then: no forecast would have been made
        predicted = model(series.values[:origin], keys[:origin], _future_keys(origin_time, hours, home.zone))
        actual_days = _daily(series.values, origin, hours, series)
        forecast_days: dict[date, float] = {}
        for offset, value in enumerate(predicted):
            local_day = series.local(origin + offset).date()
            forecast_days[local_day] = forecast_days.get(local_day, 0.0) + value
        for local_day, actual in actual_days:
            if actual is not None and actual >= MAPE_FLOOR_WH:
                errors.append(abs(actual - forecast_days[local_day]) / actual * 100)
        complete = all(a is not None for _, a in actual_days)
        weeks.append(
            WeekCheck(
                week_start=day,
                forecast_kwh=sum(predicted) / 1000,
                actual_kwh=sum(a for _, a in actual_days) / 1000 if complete else None,
            )
        )
    return ForecastAccuracy(
        model=stored.model,
        model_label=MODEL_LABELS.get(stored.model, stored.model),
        weeks=tuple(weeks),
        mape_pct=sum(errors) / len(errors) if errors else None,
        days=len(errors),
        backtest_mase=stored.mase,
    )


def forecast_accuracy(home: Home, *, now: datetime | None = None) -> ForecastAccuracy | None:
    """The home's forecast against actual for the last PAST_WEEKS whole local weeks. None before
    the nightly job stored a forecast; a ``message`` (and no weeks) while history is too short."""
    now = now or timezone.now()
    stored = Forecast.objects.filter(home=home, device__isnull=True, granularity="day", horizon_days=7).first()
    if stored is None:
        return None
    if stored.status != Forecast.Status.READY or stored.model not in MODELS:
        return ForecastAccuracy(
            model="", model_label="", weeks=(), mape_pct=None, days=0, backtest_mase=None,
            message=f"Not enough data yet (needs {stored.needs_days} days).",
        )  # fmt: skip
    version = int(stored.computed_at.timestamp())  # a recomputed forecast (maybe another model) starts afresh
    key = f"insights:accuracy:{home.pk}:{now.astimezone(home.zone).date()}:{stored.model}:{version}"
    result = cache.get(key)
    if result is None:
        result = _compute(home, stored, now)
        cache.set(key, result, CACHE_S)
    return result

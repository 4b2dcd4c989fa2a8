"""Energy forecasts: a seasonal-naive baseline and hour-of-week profiles, chosen by back-test.

Everything here works on an :class:`HourlySeries` (energy in Wh per UTC hour, ``None`` for an
hour without data) and is pure: the selectors that build a series from rollups are at the end,
and storing forecasts is ``analytics.insight_services``' job.

Models (each maps a history to the next hours; hour-of-week is the home's *local* clock, so a
week keeps its shape across daylight-saving changes):

* ``seasonal_naive`` — the baseline: each hour as the same local hour of the last week.
* ``week_profile`` — the mean of the same local hour-of-week over the last three weeks, with
  the highest of the three dropped (one washing-machine run does not repeat every week), scaled
  half-way towards the level of the last seven days.
* ``day_profile`` — the mean of the same local hour-of-day over the last 14 days, weekdays and
  weekends apart, with the same level adjustment.

The model kept for a series is the one with the lowest mean absolute error of 7-day-ahead
daily totals in a rolling-origin back-test on the series' own history; the 80 % interval is
the 10th–90th percentile of that model's back-test errors (hourly errors for hourly points,
daily for daily), added to the forecast and clipped at zero.
"""

from __future__ import annotations

import math
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

HOUR = timedelta(hours=1)
WEEK_HOURS = 168
MIN_HISTORY_DAYS = 14  # two weeks: one to learn from, one to back-test on
PROFILE_WEEKS = 3
DAY_PROFILE_DAYS = 14
LEVEL_WEIGHT = 0.5
LEVEL_CLIP = (0.5, 2.0)
BACKTEST_HORIZON_DAYS = 7
# A daily actual below this (Wh) is left out of MAPE: a percentage of almost nothing says nothing.
MAPE_FLOOR_WH = 50.0


class NotEnoughData(Exception):  # noqa: N818 - reads as a sentence at the raise
    """The series is too short to forecast; ``needs_days`` says how much history it takes."""

    def __init__(self, have_days: int, needs_days: int = MIN_HISTORY_DAYS) -> None:
        self.have_days = have_days
        self.needs_days = needs_days
        super().__init__(f"Not enough data yet (needs {needs_days} days, has {have_days}).")


@dataclass(frozen=True)
class HourlySeries:
    """Energy (Wh) per UTC hour from ``start`` (aware, whole hour); ``zone`` gives the local clock."""

    start: datetime
    values: tuple[float | None, ...]
    zone: zoneinfo.ZoneInfo

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.minute or self.start.second or self.start.microsecond:
            raise ValueError("HourlySeries.start must be an aware datetime on a whole hour")

    def __len__(self) -> int:
        return len(self.values)

    def hour(self, index: int) -> datetime:
        return (self.start + index * HOUR).astimezone(UTC)

    def local(self, index: int) -> datetime:
        return self.hour(index).astimezone(self.zone)

    def hour_of_week(self, index: int) -> int:
        local = self.local(index)
        return local.weekday() * 24 + local.hour

    def local_days(self) -> list[date]:
        return [self.local(i).date() for i in range(len(self))]

    def slice(self, start: int, end: int) -> HourlySeries:
        return HourlySeries(self.hour(start), self.values[start:end], self.zone)

    @property
    def complete_days(self) -> int:
        """Distinct local days with at least one hour of data."""
        return len({self.local(i).date() for i, v in enumerate(self.values) if v is not None})


# --- models ------------------------------------------------------------------------------------

# A model gets the history's values and local (weekday, hour) keys, and the keys of the hours to
# forecast, and returns one Wh figure per hour to forecast.
Keys = Sequence[tuple[int, int]]
Model = Callable[[Sequence[float | None], Keys, Keys], list[float]]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _level(history: Sequence[float | None], keys: Keys, profile: Callable[[tuple[int, int]], float]) -> float:
    """How the last seven days compare with what the profile says for them (shrunk, clipped)."""
    recent = [(v, k) for v, k in zip(history[-WEEK_HOURS:], keys[-WEEK_HOURS:], strict=True) if v is not None]
    expected = sum(profile(k) for _, k in recent)
    if expected <= 0 or not recent:
        return 1.0
    ratio = sum(v for v, _ in recent) / expected
    low, high = LEVEL_CLIP
    return min(max(1.0 + LEVEL_WEIGHT * (ratio - 1.0), low), high)


def seasonal_naive(history: Sequence[float | None], keys: Keys, future: Keys) -> list[float]:
    """Each future hour as the latest observed value at its local hour-of-week (0 if never seen)."""
    last: dict[tuple[int, int], float] = {}
    for value, key in zip(history, keys, strict=True):
        if value is not None:
            last[key] = value
    return [last.get(key, 0.0) for key in future]


def week_profile(history: Sequence[float | None], keys: Keys, future: Keys) -> list[float]:
    """Mean of the same hour-of-week over the last PROFILE_WEEKS weeks, highest dropped, level-adjusted."""
    tail = slice(-PROFILE_WEEKS * WEEK_HOURS, None)
    samples: dict[tuple[int, int], list[float]] = defaultdict(list)
    for value, key in zip(history[tail], keys[tail], strict=True):
        if value is not None:
            samples[key].append(value)
    table = {}
    for key, values in samples.items():
        kept = sorted(values)[:-1] if len(values) >= 3 else values
        table[key] = _mean(kept)

    def profile(key: tuple[int, int]) -> float:
        return table.get(key, 0.0)

    level = _level(history, keys, profile)
    return [profile(key) * level for key in future]


def day_profile(history: Sequence[float | None], keys: Keys, future: Keys) -> list[float]:
    """Mean of the same local hour-of-day over the last DAY_PROFILE_DAYS days, weekdays and weekends apart."""
    tail = slice(-DAY_PROFILE_DAYS * 24, None)
    samples: dict[tuple[bool, int], list[float]] = defaultdict(list)
    for value, (weekday, hour) in zip(history[tail], keys[tail], strict=True):
        if value is not None:
            samples[(weekday >= 5, hour)].append(value)
    table = {key: _mean(values) for key, values in samples.items()}

    def profile(key: tuple[int, int]) -> float:
        weekday, hour = key
        return table.get((weekday >= 5, hour), table.get((weekday < 5, hour), 0.0))

    level = _level(history, keys, profile)
    return [profile(key) * level for key in future]


MODELS: dict[str, Model] = {
    "seasonal_naive": seasonal_naive,
    "week_profile": week_profile,
    "day_profile": day_profile,
}
BASELINE = "seasonal_naive"
MODEL_LABELS = {
    "seasonal_naive": "same hour last week",
    "week_profile": "3-week hour-of-week profile",
    "day_profile": "2-week hour-of-day profile",
}


def _keys(series: HourlySeries) -> list[tuple[int, int]]:
    result = []
    for index in range(len(series)):
        local = series.local(index)
        result.append((local.weekday(), local.hour))
    return result


def _future_keys(start: datetime, hours: int, zone: zoneinfo.ZoneInfo) -> list[tuple[int, int]]:
    result = []
    for index in range(hours):
        local = (start + index * HOUR).astimezone(zone)
        result.append((local.weekday(), local.hour))
    return result


# --- back-test ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelScore:
    """Back-test of one model: 7-day-ahead daily totals over every origin.

    ``mape_pct`` over days whose actual is at least MAPE_FLOOR_WH (None when there are none);
    ``mase`` the mean absolute error scaled by the in-sample mean absolute weekly difference of
    daily totals (the seasonal-naive error on the training days, Hyndman's MASE with m = 7);
    ``mae_wh`` daily. ``hourly_errors``/``daily_errors`` (actual − forecast, Wh) feed intervals.
    """

    model: str
    origins: int
    days: int
    mae_wh: float
    mape_pct: float | None
    mase: float | None
    hourly_errors: tuple[float, ...] = field(repr=False, default=())
    daily_errors: tuple[float, ...] = field(repr=False, default=())


def _day_starts(series: HourlySeries) -> list[int]:
    """Indices of the first hour of each local day in the series."""
    days = series.local_days()
    return [i for i in range(len(days)) if i == 0 or days[i] != days[i - 1]]


def _daily_totals(values: Sequence[float | None], bounds: Sequence[tuple[int, int]]) -> list[float | None]:
    totals: list[float | None] = []
    for start, end in bounds:
        chunk = values[start:end]
        totals.append(None if not chunk or any(v is None for v in chunk) else sum(chunk))
    return totals


def backtest(
    series: HourlySeries,
    models: Sequence[str] = tuple(MODELS),
    *,
    horizon_days: int = BACKTEST_HORIZON_DAYS,
    min_train_days: int = 7,
    max_origins: int | None = None,
) -> dict[str, ModelScore]:
    """Rolling-origin back-test: from every local midnight after ``min_train_days`` days that leaves
    ``horizon_days`` whole days to test, fit on everything before and forecast the next days.

    ``max_origins`` keeps only the latest origins (the nightly job uses a few weeks). Days with a
    missing hour are left out of the errors. Raises NotEnoughData when no origin fits.
    """
    keys = _keys(series)
    starts = _day_starts(series)
    bounds = list(zip(starts, [*starts[1:], len(series)], strict=True))
    # Only whole local days (the first may start mid-day).
    day_hours = [end - start for start, end in bounds]
    daily = _daily_totals(series.values, bounds)
    origin_days = [d for d in range(min_train_days, len(bounds) - horizon_days + 1) if day_hours[d - 1] >= 23]
    if max_origins is not None:
        origin_days = origin_days[-max_origins:]
    if not origin_days:
        raise NotEnoughData(series.complete_days, min_train_days + horizon_days)
    scores = {}
    for name in models:
        model = MODELS[name]
        abs_errors, pct_errors, scaled, hourly_errors, daily_errors = [], [], [], [], []
        for day in origin_days:
            origin = bounds[day][0]
            end = bounds[day + horizon_days - 1][1]
            forecast = model(series.values[:origin], keys[:origin], keys[origin:end])
            history_daily = list(daily[:day])
            diffs = [
                abs(a - b)
                for a, b in zip(history_daily[7:], history_daily[:-7], strict=False)
                if a is not None and b is not None
            ]
            scale = _mean(diffs) if diffs else None
            for offset, value in enumerate(series.values[origin:end]):
                if value is not None:
                    hourly_errors.append(value - forecast[offset])
            for target in range(day, day + horizon_days):
                actual = daily[target]
                if actual is None:
                    continue
                start, stop = bounds[target]
                predicted = sum(forecast[start - origin : stop - origin])
                error = actual - predicted
                daily_errors.append(error)
                abs_errors.append(abs(error))
                if actual >= MAPE_FLOOR_WH:
                    pct_errors.append(abs(error) / actual * 100.0)
                if scale:
                    scaled.append(abs(error) / scale)
        scores[name] = ModelScore(
            model=name,
            origins=len(origin_days),
            days=len(abs_errors),
            mae_wh=_mean(abs_errors),
            mape_pct=_mean(pct_errors) if pct_errors else None,
            mase=_mean(scaled) if scaled else None,
            hourly_errors=tuple(hourly_errors),
            daily_errors=tuple(daily_errors),
        )
    return scores


def best_model(scores: dict[str, ModelScore]) -> str:
    """The model with the lowest daily MAE; the baseline wins ties (it is the simplest)."""
    return min(scores, key=lambda name: (scores[name].mae_wh, name != BASELINE))


# --- forecasting -------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile ``q`` (0–1) of ``values``; 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class ForecastPoint:
    """One forecast step: ``start`` aware UTC (an hour, or local midnight of a day), Wh, 80 % band."""

    start: datetime
    energy_wh: float
    low_wh: float
    high_wh: float


@dataclass(frozen=True)
class ForecastResult:
    """Hourly and daily points for ``days`` local days from ``origin`` (the next local midnight)."""

    model: str
    origin: datetime
    days: int
    hourly: tuple[ForecastPoint, ...]
    daily: tuple[ForecastPoint, ...]
    scores: dict[str, ModelScore]
    history_days: int

    @property
    def score(self) -> ModelScore:
        return self.scores[self.model]

    @property
    def baseline_score(self) -> ModelScore:
        return self.scores[BASELINE]


def forecast(series: HourlySeries, *, days: int = 30, backtest_origins: int = 21) -> ForecastResult:
    """Forecast the ``days`` local days after the series' last local midnight.

    The series must end at a local midnight (the hours after it are not used). Raises NotEnoughData
    below MIN_HISTORY_DAYS days of data.
    """
    have = series.complete_days
    if have < MIN_HISTORY_DAYS:
        raise NotEnoughData(have)
    scores = backtest(series, max_origins=backtest_origins)
    name = best_model(scores)
    origin = series.hour(len(series))
    end = datetime.combine(
        origin.astimezone(series.zone).date() + timedelta(days=days), datetime.min.time(), tzinfo=series.zone
    ).astimezone(UTC)
    hours = int((end - origin) / HOUR)
    keys = _keys(series)
    values = MODELS[name](series.values, keys, _future_keys(origin, hours, series.zone))
    score = scores[name]
    h_low, h_high = quantile(score.hourly_errors, 0.1), quantile(score.hourly_errors, 0.9)
    d_low, d_high = quantile(score.daily_errors, 0.1), quantile(score.daily_errors, 0.9)
    hourly = tuple(
        ForecastPoint(origin + i * HOUR, v, max(v + h_low, 0.0), max(v + h_high, 0.0)) for i, v in enumerate(values)
    )
    by_day: dict[date, list[float]] = defaultdict(list)
    for point in hourly:
        by_day[point.start.astimezone(series.zone).date()].append(point.energy_wh)
    daily = tuple(
        ForecastPoint(
            datetime.combine(day, datetime.min.time(), tzinfo=series.zone).astimezone(UTC),
            sum(parts),
            max(sum(parts) + d_low, 0.0),
            max(sum(parts) + d_high, 0.0),
        )
        for day, parts in sorted(by_day.items())
    )
    return ForecastResult(
        model=name, origin=origin, days=days, hourly=hourly, daily=daily, scores=scores, history_days=have
    )


# --- selectors: series from rollups ------------------------------------------------------------


def hourly_energy_series(home, *, start: datetime, end: datetime, device=None) -> HourlySeries:
    """Energy (Wh) per UTC hour in ``[start, end)`` of ``device``, or of the home's consumption
    (analytics.selectors.consumption_from over the active devices) when ``device`` is None.

    Reads hourly rollups only. An hour without any rollup is None (no data), not zero.
    ``start`` and ``end`` must be aware and on whole hours.
    """
    from django.db.models import Sum

    from analytics.selectors import consumption_from, home_shape
    from telemetry.models import HourlyRollup

    hours = int((end - start) / HOUR)
    values: list[float | None] = [None] * max(hours, 0)
    if device is not None:
        rows = HourlyRollup.objects.filter(device=device, hour__gte=start, hour__lt=end).values_list(
            "hour", "energy_wh"
        )
        for hour, energy in rows.order_by():
            values[int((hour - start) / HOUR)] = energy
        return HourlySeries(start.astimezone(UTC), tuple(values), home.zone)
    shape = home_shape(home)
    rows = (
        HourlyRollup.objects.filter(device_id__in=list(shape.categories), hour__gte=start, hour__lt=end)
        .values("hour", "device__type__category")
        .annotate(energy=Sum("energy_wh"))
        .order_by()
    )
    by_hour: dict[int, dict[str, float]] = defaultdict(dict)
    for row in rows:
        by_hour[int((row["hour"] - start) / HOUR)][row["device__type__category"]] = row["energy"] or 0.0
    for index, sums in by_hour.items():
        values[index] = consumption_from(sums, has_meter=shape.has_meter)
    return HourlySeries(start.astimezone(UTC), tuple(values), home.zone)


def first_rollup_hour(home, device=None) -> datetime | None:
    """The earliest hourly rollup of ``device`` (or of any device of ``home``), aware UTC."""
    from telemetry.models import HourlyRollup

    rows = (
        HourlyRollup.objects.filter(device=device)
        if device is not None
        else HourlyRollup.objects.filter(device__home=home)
    )
    return rows.order_by("hour").values_list("hour", flat=True).first()


def local_midnight_before(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The aware UTC instant of the local midnight at or before ``moment``."""
    day = moment.astimezone(zone).date()
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def forecast_cost(home, points: Sequence[Sequence]) -> Decimal | None:
    """The import cost of stored hourly forecast ``points`` (``[start ISO, Wh, low, high]``) at the
    home's tariff prices of those hours (analytics.tariffs); None when a price is missing."""
    from analytics.tariffs import prices_for_hours

    hours = [datetime.fromisoformat(p[0]) for p in points]
    prices = prices_for_hours(home, hours)
    total = Decimal(0)
    for hour, point in zip(hours, points, strict=True):
        price = prices[hour.astimezone(UTC)].import_per_kwh
        if price is None:
            return None
        total += Decimal(repr(point[1])) / 1000 * price
    return total.quantize(Decimal("0.01")) if points else None

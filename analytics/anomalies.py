"""Anomalies: a device far outside its own usual, by robust statistics (median and MAD).

Pure detection over an :class:`~analytics.forecasts.HourlySeries` of one device (Wh per UTC
hour, which is the hour's mean power in W). For each local day to check, the usual is learnt
from the ``TRAIN_DAYS`` days before it:

* ``power`` — an hour whose mean power is above the profile of its local hour-of-week (the same
  hour and its neighbours, over the training weeks): above median + K × robust deviation.
* ``usually_off`` — an hour with the device clearly on where it is usually off (at least three
  quarters of the training samples of that hour-of-week at the device's base level). It takes
  precedence over ``power`` for the same hour.
* ``daily_energy`` — the day's energy above the median of the training days of its kind (weekday
  or weekend) + K × deviation, and above every one of them.
* ``base_load`` — the day's quiet level (the mean of its quieter half of hours) above the usual
  quiet level: a fridge drawing double, something left on all day.

The robust deviation is 1.4826 × MAD, floored (a device that is always at 0 W has MAD 0, and
one stray watt must not be an anomaly). Consecutive hours of one kind make one anomaly; the
expected band is ``[max(0, median − K × dev), median + K × dev]`` and the score the largest
``(observed − median) / dev``.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from analytics.forecasts import HourlySeries, quantile

TRAIN_DAYS = 28
MIN_TRAIN_DAYS = 14
MIN_PEER_DAYS = 6
MAD_SCALE = 1.4826
K_POWER = 6.0
K_DAILY = 4.0
K_BASE = 5.0
# Floors of the robust deviation, so that a flat profile does not turn noise into anomalies.
POWER_FLOOR_W = 25.0
POWER_FLOOR_SHARE = 0.05  # of the device's 95th percentile hour
DAILY_FLOOR_SHARE = 0.10  # of the median day
DAILY_FLOOR_WH = 250.0  # a quarter of a kWh: less is never "far above usual"
BASE_FLOOR_W = 2.0
BASE_FLOOR_SHARE = 0.05
# "On" means at least this far above the device's base level (W).
ON_EXCESS_W = 100.0
MIN_EXCESS_W = 100.0  # a power anomaly is at least this far above the median
# An hourly anomaly lasts at least this many consecutive hours: one late tumble-dryer run is not one.
MIN_RUN_HOURS = 2


@dataclass(frozen=True)
class Finding:
    """One anomaly: ``kind`` as analytics.models.Anomaly.Kind, times aware UTC, figures in ``unit``."""

    kind: str
    start: datetime
    end: datetime
    unit: str
    observed: float
    expected: float
    expected_low: float
    expected_high: float
    score: float


@dataclass(frozen=True)
class _Usual:
    median: float
    deviation: float
    ceiling: float
    usually_off: bool


def _mad(values: Sequence[float], median: float) -> float:
    return statistics.median(abs(v - median) for v in values) if values else 0.0


def _day_bounds(series: HourlySeries) -> dict[date, tuple[int, int]]:
    bounds: dict[date, list[int]] = {}
    for index, day in enumerate(series.local_days()):
        bounds.setdefault(day, [index, index + 1])[1] = index + 1
    return {day: (start, end) for day, (start, end) in bounds.items()}


def detect_day(series: HourlySeries, day: date, *, exclude: Collection[date] = ()) -> list[Finding]:
    """Anomalies of the local ``day`` of ``series`` against the TRAIN_DAYS days before it.

    Days in ``exclude`` (days that already had an anomaly) are not learnt from: one stuck heater
    must not make the next one look usual. Empty when the day is not in the series or fewer than
    MIN_TRAIN_DAYS training days have data.
    """
    bounds = _day_bounds(series)
    if day not in bounds:
        return []
    training_days = [d for d in sorted(bounds) if d < day and d not in exclude][-TRAIN_DAYS:]
    day_values: dict[date, list[float | None]] = {d: list(series.values[slice(*bounds[d])]) for d in bounds}
    complete = [d for d in training_days if all(v is not None for v in day_values[d]) and len(day_values[d]) >= 23]
    if len(complete) < MIN_TRAIN_DAYS:
        return []
    train_hours: list[float] = []
    by_week_hour: dict[tuple[int, int], list[float]] = {}
    by_day_hour: dict[int, list[float]] = {}
    for d in complete:
        start, _end = bounds[d]
        for offset, value in enumerate(day_values[d]):
            local = series.local(start + offset)
            train_hours.append(value)
            for shift in (-1, 0, 1):
                hour = local.hour + shift
                by_week_hour.setdefault(((local.weekday() + hour // 24) % 7, hour % 24), []).append(value)
                by_day_hour.setdefault(hour % 24, []).append(value)
    base_w = quantile(train_hours, 0.1)
    power_floor = max(POWER_FLOOR_W, POWER_FLOOR_SHARE * quantile(train_hours, 0.95))
    on_level = base_w + ON_EXCESS_W

    def usual(weekday: int, hour: int) -> _Usual:
        values = by_week_hour.get((weekday, hour), [])
        same_hour = by_day_hour.get(hour, [])
        median = statistics.median(values) if values else base_w
        deviation = max(MAD_SCALE * _mad(values, median), power_floor)
        # Intermittent loads (a kettle, a washing machine) have a median of 0 at most hours: the
        # highest the device ever drew around this hour of any training day, plus a margin, keeps
        # their ordinary use from counting as unusual.
        ceiling = max(median + K_POWER * deviation, max(same_hour, default=0.0) + ON_EXCESS_W)
        off = bool(same_hour) and quantile(same_hour, 0.9) < on_level
        return _Usual(median, deviation, ceiling, off)

    findings: list[Finding] = []
    start, _end = bounds[day]
    flagged: list[tuple[str, int, float, _Usual, float]] = []  # kind, index, observed, usual, score
    for offset, value in enumerate(day_values[day]):
        if value is None:
            continue
        index = start + offset
        local = series.local(index)
        profile = usual(local.weekday(), local.hour)
        if value <= profile.ceiling or value - profile.median < MIN_EXCESS_W:
            continue
        score = (value - profile.median) / profile.deviation
        flagged.append(("usually_off" if profile.usually_off else "power", index, value, profile, score))
    findings.extend(_merge(series, flagged))
    # Days compare with days of the same kind (weekday or weekend) when there are enough of them.
    weekend = day.weekday() >= 5
    same_kind = [d for d in complete if (d.weekday() >= 5) == weekend]
    peers = same_kind if len(same_kind) >= MIN_PEER_DAYS else complete
    findings.extend(_daily_findings(series, [day_values[d] for d in peers], day_values[day], bounds[day]))
    return findings


def _merge(series: HourlySeries, flagged: list[tuple[str, int, float, _Usual, float]]) -> list[Finding]:
    """Runs of at least MIN_RUN_HOURS flagged hours of one kind as one finding (means of observed and
    expected); a flagged hour of the other hourly kind does not break a run."""
    groups: list[list[tuple[str, int, float, _Usual, float]]] = []
    for item in flagged:
        if groups and groups[-1][-1][1] == item[1] - 1:
            groups[-1].append(item)
        else:
            groups.append([item])
    result = []
    for group in groups:
        if len(group) < MIN_RUN_HOURS:
            continue
        kind = "usually_off" if any(g[0] == "usually_off" for g in group) else "power"
        observed = statistics.fmean(g[2] for g in group)
        median = statistics.fmean(g[3].median for g in group)
        ceiling = statistics.fmean(g[3].ceiling for g in group)
        result.append(
            Finding(
                kind=kind,
                start=series.hour(group[0][1]),
                end=series.hour(group[-1][1] + 1),
                unit="W",
                observed=observed,
                expected=median,
                expected_low=0.0,
                expected_high=ceiling,
                score=max(g[4] for g in group),
            )
        )
    return result


def quiet_level(values: Sequence[float]) -> float:
    """The mean of the quieter half of a day's hours (W): what the device draws when nothing runs."""
    ordered = sorted(values)
    half = ordered[: max(len(ordered) // 2, 1)]
    return statistics.fmean(half) if half else 0.0


def _daily_findings(
    series: HourlySeries,
    training: list[list[float | None]],
    values: list[float | None],
    bounds: tuple[int, int],
) -> list[Finding]:
    known = [v for v in values if v is not None]
    if len(known) < len(values) or not known:
        return []
    start, end = series.hour(bounds[0]), series.hour(bounds[1])
    result = []
    totals = [sum(t) for t in training]  # training days are complete
    median = statistics.median(totals)
    deviation = max(MAD_SCALE * _mad(totals, median), DAILY_FLOOR_SHARE * median, DAILY_FLOOR_WH)
    total = sum(known)
    score = (total - median) / deviation
    # Far above usual and above every comparable day of the training weeks (a device used on some
    # days only has a heavy tail that MAD alone does not see).
    ceiling = max(median + K_DAILY * deviation, max(totals))
    if total > ceiling and score >= K_DAILY:
        result.append(
            Finding("daily_energy", start, end, "Wh", total, median, max(0.0, median - K_DAILY * deviation),
                    ceiling, score)
        )  # fmt: skip
    bases = [quiet_level(t) for t in training]
    base_median = statistics.median(bases)
    base_dev = max(MAD_SCALE * _mad(bases, base_median), BASE_FLOOR_SHARE * base_median, BASE_FLOOR_W)
    base = quiet_level(known)
    base_score = (base - base_median) / base_dev
    if base_score >= K_BASE:
        result.append(
            Finding("base_load", start, end, "W", base, base_median, max(0.0, base_median - K_BASE * base_dev),
                    base_median + K_BASE * base_dev, base_score)
        )  # fmt: skip
    return result


def detect(series: HourlySeries, days: Sequence[date], *, exclude: Collection[date] = ()) -> list[Finding]:
    """Anomalies of each local day in ``days``, in order, each against the days before it; a day
    with a finding joins ``exclude`` for the days after it."""
    excluded = set(exclude)
    findings = []
    for day in sorted(days):
        found = detect_day(series, day, exclude=excluded)
        if found:
            excluded.add(day)
        findings.extend(found)
    return findings

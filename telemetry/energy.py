"""The energy rule: how a device's power readings become energy (Wh) per time bucket.

This is the one place the rule lives (DESIGN.md, "Energy: how power becomes kWh"). It is
pure Python: no database, no settings. Rollups, selectors and anything else that needs
energy from readings call :func:`integrate_readings`.

The rule, stated once:

* **Step integration.** A reading's ``power_w`` holds from its timestamp until the next
  reading, but for at most ``max_gap`` (default 5 minutes). So a reading holds for
  ``min(time to the next reading, max_gap)``; the *last* reading of the input has no next
  reading and holds for ``max_gap``. A longer silence is no data: it adds no energy and
  no covered time, it does not repeat the last value forever.
* **Cumulative meters.** When a reading *and* the next one both carry ``energy_wh_total``
  and they are at most ``max_gap`` apart, the energy of that interval is the meter
  difference (``next - this``), not ``power_w × duration``. A drop of the meter is a counter
  reset: the new value counts from zero, so the interval's energy is the new value itself.
  Across a longer silence the meter difference is not used (it cannot be placed in time);
  the reading then holds for ``max_gap`` like any other.
* **Buckets.** An interval that crosses a bucket boundary (by default whole UTC hours) is
  split between the buckets in proportion to time (meter energy is spread evenly over
  its interval).

Per bucket the result carries energy (Wh), the time-weighted mean power over the covered
time (W; for meter intervals the meter's average power), the min and max of the power
values held in the bucket (including a reading from before the bucket that carries into
it), the number of readings timestamped in the bucket, and the covered seconds.

Sign convention is the device's (devices/models.py): storage and grid meters report
negative power when discharging or exporting, which integrates to negative energy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

MAX_GAP = timedelta(minutes=5)
HOUR = timedelta(hours=1)
# Buckets are aligned to this instant (a Monday, as TimescaleDB's time_bucket default);
# for any step that divides a day the alignment is simply "on the hour / minute" in UTC.
BUCKET_ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)


class ReadingLike(Protocol):
    """Anything with the fields the rule reads (a ``telemetry.models.Reading`` or a :class:`Sample`)."""

    time: datetime
    power_w: float
    energy_wh_total: float | None


@dataclass(frozen=True)
class Sample:
    """One reading as plain data: aware ``time``, ``power_w`` in W, optional meter in Wh."""

    time: datetime
    power_w: float
    energy_wh_total: float | None = None


@dataclass(frozen=True)
class BucketEnergy:
    """Energy of one device in one bucket ``[start, start + step)``; ``start`` is aware UTC."""

    start: datetime
    energy_wh: float
    mean_power_w: float
    min_power_w: float | None
    max_power_w: float | None
    samples: int
    covered_s: float


def bucket_start(moment: datetime, step: timedelta = HOUR, origin: datetime = BUCKET_ORIGIN) -> datetime:
    """The aware UTC start of the ``step``-wide bucket containing ``moment`` (aligned to ``origin``)."""
    if moment.tzinfo is None:
        raise ValueError("bucket_start needs an aware datetime")
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    offset = (moment.astimezone(UTC) - origin) // step
    return origin + offset * step


class _Accumulator:
    __slots__ = ("covered_s", "energy_ws", "max_power_w", "min_power_w", "samples")

    def __init__(self) -> None:
        self.energy_ws = 0.0  # joules: summing W·s keeps a constant power's mean exact
        self.covered_s = 0.0
        self.min_power_w: float | None = None
        self.max_power_w: float | None = None
        self.samples = 0

    def see_power(self, power_w: float) -> None:
        self.min_power_w = power_w if self.min_power_w is None else min(self.min_power_w, power_w)
        self.max_power_w = power_w if self.max_power_w is None else max(self.max_power_w, power_w)


def integrate_readings(
    readings: Iterable[ReadingLike],
    *,
    max_gap: timedelta = MAX_GAP,
    step: timedelta = HOUR,
    origin: datetime = BUCKET_ORIGIN,
) -> list[BucketEnergy]:
    """Apply the energy rule (module docstring) to one device's readings; buckets sorted by start.

    ``readings`` may come in any order; they are sorted by time, and of several readings
    with the same timestamp the last one given wins. Times must be aware (any zone);
    results are in UTC buckets of ``step`` aligned to ``origin``. A bucket appears when it
    has covered time or a reading. Empty input gives an empty list.
    """
    if max_gap < timedelta(0):
        raise ValueError("max_gap must not be negative")
    by_time: dict[datetime, ReadingLike] = {}
    for reading in readings:
        if reading.time.tzinfo is None:
            raise ValueError("readings need aware datetimes")
        by_time[reading.time.astimezone(UTC)] = reading
    times = sorted(by_time)
    buckets: dict[datetime, _Accumulator] = {}

    def bucket(start: datetime) -> _Accumulator:
        acc = buckets.get(start)
        if acc is None:
            acc = buckets[start] = _Accumulator()
        return acc

    for index, time in enumerate(times):
        reading = by_time[time]
        power_w = float(reading.power_w)
        bucket(bucket_start(time, step, origin)).samples += 1

        next_time = times[index + 1] if index + 1 < len(times) else None
        if next_time is not None and next_time - time <= max_gap:
            end = next_time
            meter_wh = _meter_difference(reading.energy_wh_total, by_time[next_time].energy_wh_total)
        else:
            end = time + max_gap  # last reading, or a silence longer than max_gap follows
            meter_wh = None
        total_s = (end - time).total_seconds()
        if total_s <= 0:
            continue

        piece_start = time
        while piece_start < end:
            start = bucket_start(piece_start, step, origin)
            piece_end = min(end, start + step)
            piece_s = (piece_end - piece_start).total_seconds()
            acc = bucket(start)
            acc.covered_s += piece_s
            if meter_wh is None:
                acc.energy_ws += power_w * piece_s
            else:
                acc.energy_ws += meter_wh * 3600.0 * piece_s / total_s
            acc.see_power(power_w)
            piece_start = piece_end

    return [
        BucketEnergy(
            start=start,
            energy_wh=acc.energy_ws / 3600.0,
            mean_power_w=acc.energy_ws / acc.covered_s if acc.covered_s else 0.0,
            min_power_w=acc.min_power_w,
            max_power_w=acc.max_power_w,
            samples=acc.samples,
            covered_s=acc.covered_s,
        )
        for start, acc in sorted(buckets.items())
    ]


def _meter_difference(this_wh: float | None, next_wh: float | None) -> float | None:
    """Meter energy between two readings (Wh), or None when either has no meter value."""
    if this_wh is None or next_wh is None:
        return None
    if next_wh < this_wh:  # counter reset: the new value counts from zero
        return float(next_wh)
    return float(next_wh) - float(this_wh)

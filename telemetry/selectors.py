"""Reads of telemetry: power series, energy breakdowns, latest power. Plain data, never writes.

Every selector takes the scope it may read (a home, or devices of one home); checking
that the caller may see that home is the caller's job (``accounts.selectors.get_home_for``).
All datetimes in and out are aware; results are in UTC unless a field says "local".
Units: power in W, energy in Wh.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from django.db.models import Avg, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate

from accounts.models import Home
from devices.models import Device
from telemetry.buckets import TimeBucket
from telemetry.energy import HOUR, MAX_GAP, Sample, integrate_readings
from telemetry.models import DailyRollup, HourlyRollup, Reading
from telemetry.rollups import local_day_bounds

DAY = timedelta(days=1)
RAW_MAX_SPAN = timedelta(hours=6)  # up to this, series come from raw readings
HOURLY_MAX_SPAN = timedelta(days=90)  # up to this from hourly rollups, beyond from daily ones
RAW_AUTO_STEP = timedelta(minutes=1)
RAW_STEP_MAX_SPAN = timedelta(days=7)  # a sub-hour step reads raw readings: keep that bounded

Source = Literal["raw", "hourly", "daily"]
EnergyGrouping = Literal["device", "room", "type", "hour", "day"]


@dataclass(frozen=True)
class PowerPoint:
    """Mean power over one step starting at ``time`` (aware UTC; local midnight for daily steps).

    ``power_w`` is the time-weighted mean over the time the device had data (raw and
    hourly), the daily rollup's mean (daily), or the mean of hourly means (steps of
    several hours). A summed point (``device_id`` None) adds the devices that have data in
    that step. ``source`` says what it was computed from.
    """

    time: datetime
    power_w: float
    device_id: int | None
    source: Source


@dataclass(frozen=True)
class EnergyRow:
    """Energy (Wh) of one group: a device id, room, type slug, UTC hour start, or local date."""

    key: int | str | datetime | date
    label: str
    energy_wh: float


@dataclass(frozen=True)
class LatestPower:
    """A device's newest reading: its aware UTC ``time`` and ``power_w`` (W)."""

    device_id: int
    time: datetime
    power_w: float


def power_series(
    *,
    start: datetime,
    end: datetime,
    home: Home | None = None,
    devices: Sequence[Device] | None = None,
    step: timedelta | None = None,
    by_device: bool = False,
) -> list[PowerPoint]:
    """Power over ``[start, end)`` for ``devices`` (all of one home) or all devices of ``home``.

    The source follows the step; with ``step`` None it follows the span: up to 6 hours raw
    readings at 1 minute, up to 90 days hourly rollups at 1 hour, beyond that daily
    rollups at one home-local day. An explicit step below 1 hour reads raw readings
    (for spans up to 7 days, else ValueError); exactly 1 day reads daily rollups; other
    steps regroup hourly rollups into UTC-aligned buckets. Points are sorted by time (then
    device) and include only steps with data; ``by_device`` False sums the devices.
    """
    _check_period(start, end)
    device_list, zone = _scope(home, devices)
    if not device_list:
        return []
    source, step = _choose_source(end - start, step)
    ids = [d.pk for d in device_list]
    if source == "raw":
        per_device = _raw_series(ids, start, end, step)
    elif source == "hourly":
        per_device = _hourly_series(ids, start, end, step)
    else:
        per_device = _daily_series(ids, start, end, zone)
    points: dict[tuple[datetime, int | None], float] = defaultdict(float)
    for device_id, moment, power_w in per_device:
        points[(moment, device_id if by_device else None)] += power_w
    return [
        PowerPoint(time=moment, power_w=power_w, device_id=device_id, source=source)
        for (moment, device_id), power_w in sorted(points.items(), key=lambda item: (item[0][0], item[0][1] or 0))
    ]


def energy_by(*, home: Home, start: datetime, end: datetime, by: EnergyGrouping) -> list[EnergyRow]:
    """Energy (Wh) of ``home``'s devices from hourly rollups whose UTC hour starts in ``[start, end)``.

    ``by``: "device", "room" (label "No room" for devices without one), "type" (device type
    slug) — sorted by energy, largest first; "hour" (UTC hour starts) or "day" (home-local
    dates) — sorted by time. Groups without rollups are absent.
    """
    _check_period(start, end)
    rows = HourlyRollup.objects.filter(device__home=home, hour__gte=start, hour__lt=end).order_by()
    if by == "device":
        grouped = rows.values("device_id", "device__name").annotate(energy=Sum("energy_wh"))
        result = [EnergyRow(r["device_id"], r["device__name"], r["energy"]) for r in grouped]
    elif by == "room":
        grouped = rows.values("device__room").annotate(energy=Sum("energy_wh"))
        result = [EnergyRow(r["device__room"], r["device__room"] or "No room", r["energy"]) for r in grouped]
    elif by == "type":
        grouped = rows.values("device__type__slug", "device__type__name").annotate(energy=Sum("energy_wh"))
        result = [EnergyRow(r["device__type__slug"], r["device__type__name"], r["energy"]) for r in grouped]
    elif by == "hour":
        grouped = rows.values("hour").annotate(energy=Sum("energy_wh")).order_by("hour")
        return [EnergyRow(r["hour"], r["hour"].isoformat(), r["energy"]) for r in grouped]
    elif by == "day":
        grouped = (
            rows.annotate(local_day=TruncDate("hour", tzinfo=home.zone))
            .values("local_day")
            .annotate(energy=Sum("energy_wh"))
            .order_by("local_day")
        )
        return [EnergyRow(r["local_day"], r["local_day"].isoformat(), r["energy"]) for r in grouped]
    else:
        raise ValueError(f"energy_by: unknown grouping {by!r}")
    return sorted(result, key=lambda row: (-row.energy_wh, str(row.key)))


def latest_power(*, home: Home) -> dict[int, LatestPower]:
    """The newest reading of each device of ``home`` that has one, by device id (one query)."""
    newest = Reading.objects.filter(device_id=OuterRef("pk")).order_by("-time")
    rows = (
        Device.objects.filter(home=home)
        .annotate(latest_time=Subquery(newest.values("time")[:1]), latest_power=Subquery(newest.values("power_w")[:1]))
        .filter(latest_time__isnull=False)
        .values_list("pk", "latest_time", "latest_power")
    )
    return {pk: LatestPower(device_id=pk, time=moment, power_w=power_w) for pk, moment, power_w in rows}


def battery_level_pct(*, home: Home, now: datetime, max_age: timedelta) -> float | None:
    """Mean state of charge (%) of the home's active batteries from their newest ``soc_pct``
    readings no older than ``max_age``; None when no battery reported one recently."""
    newest = Reading.objects.filter(device_id=OuterRef("pk"), soc_pct__isnull=False).order_by("-time")
    rows = (
        Device.objects.filter(home=home, is_active=True, type__category="storage")
        .annotate(at=Subquery(newest.values("time")[:1]), soc=Subquery(newest.values("soc_pct")[:1]))
        .filter(at__gte=now - max_age)
        .values_list("soc", flat=True)
    )
    levels = [level for level in rows if level is not None]
    return sum(levels) / len(levels) if levels else None


# --- internals ---------------------------------------------------------------------------------


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if end <= start:
        raise ValueError("end must be after start")


def _scope(home: Home | None, devices: Sequence[Device] | None) -> tuple[list[Device], zoneinfo.ZoneInfo]:
    if (home is None) == (devices is None):
        raise ValueError("give exactly one of home= or devices=")
    if home is not None:
        return list(home.devices.all()), home.zone
    device_list = list(devices)
    homes = {d.home_id for d in device_list}
    if len(homes) > 1:
        raise ValueError("devices must belong to one home")
    if not device_list:
        return [], zoneinfo.ZoneInfo("UTC")
    return device_list, device_list[0].home.zone


def _choose_source(span: timedelta, step: timedelta | None) -> tuple[Source, timedelta]:
    if step is None:
        if span <= RAW_MAX_SPAN:
            return "raw", RAW_AUTO_STEP
        if span <= HOURLY_MAX_SPAN:
            return "hourly", HOUR
        return "daily", DAY
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    if step < HOUR:
        if span > RAW_STEP_MAX_SPAN:
            raise ValueError("a step below one hour is available for periods up to 7 days")
        return "raw", step
    if step == DAY:
        return "daily", DAY
    return "hourly", step


def _raw_series(
    ids: list[int], start: datetime, end: datetime, step: timedelta
) -> Iterable[tuple[int, datetime, float]]:
    rows = (
        Reading.objects.filter(device_id__in=ids, time__gte=start - MAX_GAP, time__lt=end + MAX_GAP)
        .order_by("device_id", "time")
        .values_list("device_id", "time", "power_w", "energy_wh_total")
    )
    samples: dict[int, list[Sample]] = defaultdict(list)
    for device_id, moment, power_w, meter_wh in rows:
        samples[device_id].append(Sample(moment, power_w, meter_wh))
    for device_id, device_samples in samples.items():
        for bucket in integrate_readings(device_samples, step=step):
            if start <= bucket.start < end and bucket.covered_s:
                yield device_id, bucket.start, bucket.mean_power_w


def _hourly_series(
    ids: list[int], start: datetime, end: datetime, step: timedelta
) -> Iterable[tuple[int, datetime, float]]:
    rows = HourlyRollup.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end)
    if step == HOUR:
        yield from rows.order_by().values_list("device_id", "hour", "mean_power_w")
        return
    grouped = (
        rows.annotate(bucket=TimeBucket(step, "hour"))
        .values("device_id", "bucket")
        .annotate(power_w=Avg("mean_power_w"))
        .order_by()
    )
    for row in grouped:
        yield row["device_id"], row["bucket"], row["power_w"]


def _daily_series(
    ids: list[int], start: datetime, end: datetime, zone: zoneinfo.ZoneInfo
) -> Iterable[tuple[int, datetime, float]]:
    first_day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    rows = DailyRollup.objects.filter(device_id__in=ids, day__gte=first_day, day__lte=last_day).order_by()
    for device_id, day, power_w in rows.values_list("device_id", "day", "mean_power_w"):
        midnight = local_day_bounds(day, zone)[0]
        if start <= midnight < end:
            yield device_id, midnight.astimezone(UTC), power_w

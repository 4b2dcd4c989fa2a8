"""Hourly and daily rollups of readings, recomputed idempotently from the dirty-hour marks.

Hours are UTC hours (``HourlyRollup.hour`` is the aware UTC start). Days are the home's
local days (``DailyRollup.day``): ``[local midnight, next local midnight)``, 23 or 25
hours long on daylight-saving days, made of the UTC hours that *start* inside it. (For a
zone with a fractional offset, e.g. Asia/Kolkata, the day's edges therefore move by the
offset's fraction; every hour still belongs to exactly one day.)

Every function here writes only what changed: recomputing an unchanged hour or day
leaves its row untouched, so re-running changes nothing.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from devices.models import Device
from telemetry.energy import HOUR, MAX_GAP, BucketEnergy, Sample, integrate_readings
from telemetry.models import DailyRollup, DirtyHour, HourlyRollup, Reading

logger = logging.getLogger(__name__)

_VALUE_FIELDS = ("energy_wh", "mean_power_w", "min_power_w", "max_power_w", "samples")


@dataclass(frozen=True)
class RollupStats:
    """What one :func:`rollup_dirty_hours` run did (counts of rows, not of readings)."""

    claimed: int = 0  # dirty hours taken and recomputed
    skipped: int = 0  # dirty hours re-marked or taken by a concurrent run meanwhile: left for later
    hours_computed: int = 0  # hours recomputed (claimed hours plus the hour after each)
    hours_written: int = 0  # hourly rows created or changed
    hours_deleted: int = 0  # hourly rows removed because the hour has no data any more
    days_computed: int = 0
    days_written: int = 0
    days_deleted: int = 0


def local_day_bounds(day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` in aware UTC of the local ``day`` in ``zone`` (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def local_day_of(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    """The local date in ``zone`` of the aware instant ``moment``."""
    return moment.astimezone(zone).date()


def rollup_hour(*, device: Device, hour: datetime, max_gap: timedelta = MAX_GAP) -> HourlyRollup | None:
    """Recompute and store the rollup of ``device`` for the UTC hour starting at ``hour``.

    Reads the readings in ``[hour - max_gap, hour + 1 h + max_gap)``: exactly what the
    energy rule needs, including the reading before the hour that carries into it and
    the one after the hour that ends the last interval. Upserts the row (untouched when
    nothing changed), deletes it when the hour has no data, and returns the row or None.
    ``hour`` must be an aware datetime on a whole UTC hour.
    """
    row, _ = _rollup_hour(device.pk, _as_hour(hour), max_gap)
    return row


def rollup_day(*, device: Device, day: date) -> DailyRollup | None:
    """Recompute and store ``device``'s rollup for the home-local ``day`` from its hourly rollups.

    Energy (Wh) and samples are sums, min/max power the extremes of the hours, mean power
    (W) the mean over the covered time of the day. No hourly rows: the daily row is deleted
    and None returned.
    """
    row, _ = _rollup_day(device, day)
    return row


def rollup_dirty_hours(
    *, limit: int = 1000, device_ids: Collection[int] | None = None, max_gap: timedelta = MAX_GAP
) -> RollupStats:
    """Recompute up to ``limit`` dirty hours (oldest first), the hour after each, then their local days.

    Each dirty hour is claimed and recomputed in one transaction: its ``DirtyHour`` row is
    deleted only if ``marked_at`` is still what was read, so a mark made meanwhile (or a
    concurrent run that took it first) leaves it for the next run; a failure rolls the
    claim back. The following hour is recomputed too, because the last reading of an hour
    holds into the next one. Safe to run concurrently and to re-run.
    """
    dirty = DirtyHour.objects.order_by("hour", "device_id")
    if device_ids is not None:
        dirty = dirty.filter(device_id__in=list(device_ids))
    claims = list(dirty.values_list("pk", "device_id", "hour", "marked_at")[:limit])
    claimed_keys = {(device_id, hour) for _, device_id, hour, _ in claims}
    devices = Device.objects.select_related("home").in_bulk({device_id for _, device_id, _, _ in claims})

    counts = dict.fromkeys(RollupStats.__dataclass_fields__, 0)
    days: set[tuple[int, date]] = set()
    priced: set[tuple[int, datetime]] = set()
    for pk, device_id, hour, marked_at in claims:
        device = devices.get(device_id)
        if device is None:  # deleted meanwhile; its marks went with it
            continue
        with transaction.atomic():
            if not DirtyHour.objects.filter(pk=pk, marked_at=marked_at).delete()[0]:
                counts["skipped"] += 1
                continue
            counts["claimed"] += 1
            hours = [hour]
            if (device_id, hour + HOUR) not in claimed_keys:  # else its own claim recomputes it
                hours.append(hour + HOUR)
            for each in hours:
                priced.add((device_id, each))
                _, outcome = _rollup_hour(device_id, each, max_gap)
                counts["hours_computed"] += 1
                if outcome in ("written", "deleted"):
                    counts[f"hours_{outcome}"] += 1
                days.add((device_id, local_day_of(each, device.home.zone)))

    for device_id, day in sorted(days):
        _, outcome = _rollup_day(devices[device_id], day)
        counts["days_computed"] += 1
        if outcome in ("written", "deleted"):
            counts[f"days_{outcome}"] += 1
    if priced:
        from analytics.services import reprice_after_rollup  # analytics reads telemetry, not the reverse

        reprice_after_rollup(priced)
    return RollupStats(**counts)


# --- internals ---------------------------------------------------------------------------------


def _as_hour(hour: datetime) -> datetime:
    if hour.tzinfo is None:
        raise ValueError("hour must be an aware datetime")
    hour = hour.astimezone(UTC)
    if hour.minute or hour.second or hour.microsecond:
        raise ValueError(f"{hour.isoformat()} is not the start of an hour")
    return hour


def _rollup_hour(device_id: int, hour: datetime, max_gap: timedelta) -> tuple[HourlyRollup | None, str]:
    rows = Reading.objects.filter(
        device_id=device_id, time__gte=hour - max_gap, time__lt=hour + HOUR + max_gap
    ).values_list("time", "power_w", "energy_wh_total")
    samples = [Sample(time=t, power_w=p, energy_wh_total=e) for t, p, e in rows]
    result: BucketEnergy | None = next(
        (b for b in integrate_readings(samples, max_gap=max_gap) if b.start == hour), None
    )
    values = None
    if result is not None:
        values = {
            "energy_wh": result.energy_wh,
            "mean_power_w": result.mean_power_w,
            "min_power_w": result.min_power_w,
            "max_power_w": result.max_power_w,
            "samples": result.samples,
        }
    return _store(HourlyRollup, {"device_id": device_id, "hour": hour}, values)


def _rollup_day(device: Device, day: date) -> tuple[DailyRollup | None, str]:
    start, end = local_day_bounds(day, device.home.zone)
    hours = list(
        HourlyRollup.objects.filter(device_id=device.pk, hour__gte=start, hour__lt=end)
        .order_by("hour")
        .values_list(*_VALUE_FIELDS)
    )
    values = None
    if hours:
        energy_wh = sum(h[0] for h in hours)
        covered_s = sum(_covered_s(energy, mean) for energy, mean, *_ in hours)
        mins = [h[2] for h in hours if h[2] is not None]
        maxes = [h[3] for h in hours if h[3] is not None]
        values = {
            "energy_wh": energy_wh,
            "mean_power_w": energy_wh * 3600.0 / covered_s if covered_s else 0.0,
            "min_power_w": min(mins) if mins else None,
            "max_power_w": max(maxes) if maxes else None,
            "samples": sum(h[4] for h in hours),
        }
    return _store(DailyRollup, {"device_id": device.pk, "day": day}, values)


def _covered_s(energy_wh: float, mean_power_w: float) -> float:
    """Covered seconds of an hourly row (its mean is energy over covered time).

    A zero mean does not tell the coverage; such an hour counts as fully covered, which
    only matters for the daily mean when a zero-power hour also had gaps.
    """
    if mean_power_w:
        return energy_wh * 3600.0 / mean_power_w
    return HOUR.total_seconds()


def _store(model, key: dict, values: dict | None) -> tuple:
    """Upsert (or delete, when ``values`` is None) the row at ``key``; report what happened."""
    existing = model.objects.filter(**key).first()
    if values is None:
        if existing is None:
            return None, "empty"
        existing.delete()
        return None, "deleted"
    if existing is not None and all(getattr(existing, name) == value for name, value in values.items()):
        return existing, "unchanged"
    model.objects.bulk_create(
        [model(**key, **values, computed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=[name.removesuffix("_id") for name in key],
        update_fields=[*values, "computed_at"],
    )
    return model.objects.get(**key), "written"

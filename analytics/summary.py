"""The summary layer: energy and cost of a home, room, device or device type over any period.

One function, :func:`summary`, answers "how much, what did it cost, compared with before,
by what, and how complete is it" for the API, reports and the assistant:

* Periods are half-open ``[start, end)`` (aware datetimes); buckets (``hour``, ``day``,
  ``week`` from Monday, ``month``, ``year``) are the home's local ones (23 or 25 hours on
  daylight-saving days). ``start`` and ``end`` must fall on bucket boundaries (unless
  ``whole_buckets=False``: then the first and last bucket are cut at them), else
  ValidationError on ``resolution``; ``end`` before ``start`` is a ValidationError on ``end``.
* Scope: the home's **consumer** devices (or those of the given device ``categories``),
  optionally narrowed to one device, room or type.
* Energy in Wh from hourly rollups; cost (``Decimal``, home currency) from the per-device
  ``HourlyCost`` rows (consumption at the import price). Hours whose price is missing are
  counted in ``missing_price_hours`` and left out of the amounts, never priced at zero.
* **Coverage** is the share of device-hours (up to now) that have a rollup: a bucket
  without any is a gap (``energy_wh`` None), not zero, and ``partial`` says a figure stands
  on incomplete data.
* ``peak`` is the hour with the highest total mean power; ``base_load_w`` the 10th
  percentile of the hourly total power over hours in which every device reported.
* The previous comparable period is the same number of months (month-aligned periods) or
  local days (day-aligned ones) just before, else the same duration; while the period is
  still running it is cut at the same elapsed point.

Reads only (a handful of aggregate queries); the caller has checked membership.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Case, Count, F, Func, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from accounts.models import Home
from analytics.costs import CostSummary, cost_summary
from analytics.models import HourlyCost
from analytics.selectors import percent_change
from devices.models import Device, DeviceType
from telemetry.models import HourlyRollup

HOUR = timedelta(hours=1)
RESOLUTIONS = ("hour", "day", "week", "month", "year")
GROUPINGS = ("device", "room", "type")
MAX_BUCKETS = 5000
BASE_LOAD_PERCENTILE = 10


@dataclass(frozen=True)
class Cell:
    """One group's figures in one bucket; ``energy_wh``/``cost`` None where there is no data."""

    energy_wh: float | None
    cost: Decimal | None
    coverage: float  # 0..1 of the bucket's device-hours (up to now)


@dataclass(frozen=True)
class Bucket:
    """A local bucket ``[start, end)`` (aware UTC) with the scope's total; ``label`` its local start
    with the offset (the two 02:00 hours of a fall-back day differ by it)."""

    start: datetime
    end: datetime
    label: str
    energy_wh: float | None
    cost: Decimal | None
    coverage: float


@dataclass(frozen=True)
class GroupSummary:
    """A device, room or type: totals over the period, share of the scope's energy, and its cells."""

    key: int | str
    label: str
    rank: int
    energy_wh: float
    cost: Decimal | None
    share_pct: float | None
    coverage: float
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Peak:
    hour: datetime  # aware UTC start of the hour
    power_w: float  # the scope's total mean power in that hour


@dataclass(frozen=True)
class Summary:
    start: datetime
    end: datetime
    resolution: str
    group_by: str
    currency: str
    buckets: tuple[Bucket, ...]
    groups: tuple[GroupSummary, ...]
    energy_wh: float
    cost: Decimal | None
    coverage: float
    missing_price_hours: int
    mean_power_w: float | None
    peak: Peak | None
    base_load_w: float | None
    previous_start: datetime
    previous_end: datetime
    previous_energy_wh: float
    previous_cost: Decimal | None
    energy_change_pct: float | None
    cost_change_pct: float | None
    grid: CostSummary | None  # the home's bill for the period (whole-home scope only)

    @property
    def partial(self) -> bool:
        return self.coverage < 1.0


# --- periods -------------------------------------------------------------------------------------


def parse_instant(raw: str | None, home: Home, *, field: str) -> datetime:
    """``YYYY-MM-DD`` (local midnight), or ISO 8601 with an offset, or without (the home's clock).

    ValidationError on ``field`` when missing or not a date or time.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError({field: "This parameter is required (YYYY-MM-DD or an ISO 8601 time)."})
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=home.zone).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({field: f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time."}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=home.zone)
    return moment.astimezone(UTC)


def _local_start(moment: datetime, home: Home, resolution: str) -> datetime:
    """The start of the local ``resolution`` bucket containing ``moment`` (aware UTC)."""
    if resolution == "hour":
        return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day = moment.astimezone(home.zone).date()
    if resolution == "week":
        day -= timedelta(days=day.weekday())
    elif resolution == "month":
        day = day.replace(day=1)
    elif resolution == "year":
        day = day.replace(month=1, day=1)
    return datetime.combine(day, time(), tzinfo=home.zone).astimezone(UTC)


def _next_start(start: datetime, home: Home, resolution: str) -> datetime:
    if resolution == "hour":
        return start + HOUR
    day = start.astimezone(home.zone).date()
    if resolution == "day":
        day += timedelta(days=1)
    elif resolution == "week":
        day += timedelta(days=7)
    elif resolution == "month":
        day = _add_months(day, 1)
    else:
        day = day.replace(year=day.year + 1)
    return datetime.combine(day, time(), tzinfo=home.zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


_BOUNDARY_TEXT = {
    "hour": "a whole hour",
    "day": "local midnight",
    "week": "local midnight of a Monday",
    "month": "local midnight of the 1st of a month",
    "year": "local midnight of January 1st",
}


def bucket_bounds(
    home: Home, start: datetime, end: datetime, resolution: str, *, whole_buckets: bool = True
) -> list[datetime]:
    """Boundaries ``[start, b1, …, end]`` of the local buckets of ``resolution``; validates the period.

    ValidationError on ``resolution`` (unknown, does not divide the period, too many buckets)
    or ``end`` (not after ``start``). ``start``/``end`` must be aware. With ``whole_buckets``
    False the period need not fall on bucket boundaries: the first and last buckets are then
    cut at ``start`` and ``end`` (e.g. months of a period from the 10th, or UTC hours of a
    local day that starts at half past in Asia/Kolkata).
    """
    if resolution not in RESOLUTIONS:
        raise ValidationError({"resolution": f"{resolution!r} is not one of {', '.join(RESOLUTIONS)}."})
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    for name, moment in (("start", start), ("end", end)):
        if whole_buckets and _local_start(moment, home, resolution) != moment:
            local = moment.astimezone(home.zone).isoformat()
            raise ValidationError(
                {
                    "resolution": f"A {resolution} resolution needs a period that starts and ends at "
                    f"{_BOUNDARY_TEXT[resolution]} ({home.time_zone}); the {name} {local} is not."
                }
            )
    hours = (end - start) / HOUR
    if resolution == "hour" and hours > MAX_BUCKETS:
        raise ValidationError({"resolution": f"At most {MAX_BUCKETS} hours; choose day or coarser."})
    bounds = [start]
    while bounds[-1] < end:
        bounds.append(min(_next_start(_local_start(bounds[-1], home, resolution), home, resolution), end))
        if len(bounds) > MAX_BUCKETS + 1:
            raise ValidationError({"resolution": f"At most {MAX_BUCKETS} buckets; choose a coarser resolution."})
    return bounds


def previous_bounds(home: Home, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The previous comparable period (module docstring), ``[start', end')`` aware UTC."""
    zone = home.zone
    first, after = start.astimezone(zone), end.astimezone(zone)
    day_aligned = first.time() == time() and after.time() == time()
    if day_aligned and first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        prev = _add_months(first.date(), -months)
        return datetime.combine(prev, time(), tzinfo=zone).astimezone(UTC), start
    if day_aligned:
        days = (after.date() - first.date()).days
        prev = first.date() - timedelta(days=days)
        return datetime.combine(prev, time(), tzinfo=zone).astimezone(UTC), start
    return start - (end - start), start


# --- the summary ---------------------------------------------------------------------------------


def summary(
    *,
    home: Home,
    start: datetime,
    end: datetime,
    resolution: str = "day",
    group_by: str = "device",
    device_id: int | None = None,
    room: str | None = None,
    type_slug: str | None = None,
    now: datetime | None = None,
    categories: Iterable[str] = (DeviceType.Category.CONSUMER,),
    whole_buckets: bool = True,
    peaks: bool = True,
) -> Summary:
    """Energy and cost of ``home``'s consumers in ``[start, end)`` by ``group_by`` and local bucket.

    See the module docstring for the rules. ValidationError names the parameter at fault:
    ``resolution``, ``group_by``, ``end``, ``device`` (not a device of this home in ``categories``).
    ``categories`` widens the scope beyond consumers (the History page's "Solar", "Grid",
    "All devices"; cost stays the import cost of the devices' hourly cost rows);
    ``whole_buckets`` False allows a period that does not fall on bucket boundaries
    (:func:`bucket_bounds`); ``peaks`` False skips the hourly figures (``peak``, ``base_load_w``,
    ``mean_power_w`` are then None) for a caller that does not show them.
    """
    if group_by not in GROUPINGS:
        raise ValidationError({"group_by": f"{group_by!r} is not one of {', '.join(GROUPINGS)}."})
    bounds = bucket_bounds(home, start, end, resolution, whole_buckets=whole_buckets)
    now = now or timezone.now()
    devices = _scope(home, device_id=device_id, room=room, type_slug=type_slug, categories=categories)
    ids = [d.pk for d in devices]
    group_of = {d.pk: group_key(d, group_by) for d in devices}
    labels = {group_key(d, group_by): group_label(d, group_by) for d in devices}
    hour_count = [_elapsed_hours(bounds[i], bounds[i + 1], now) for i in range(len(bounds) - 1)]
    n_buckets = len(hour_count)

    # Energy per (bucket, group) and the device-hours behind it.
    energy: dict[tuple[int, object], float] = defaultdict(float)
    device_hours: dict[tuple[int, object], int] = defaultdict(int)
    seen_devices: dict[object, set[int]] = defaultdict(set)
    rollups = HourlyRollup.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end).order_by()
    for index, dev, wh, n in _grouped(rollups, bounds, resolution, wh=Sum("energy_wh"), n=Count("id")):
        key = group_of[dev]
        energy[(index, key)] += wh or 0.0
        device_hours[(index, key)] += n
        seen_devices[key].add(dev)

    costs: dict[tuple[int, object], Decimal] = defaultdict(Decimal)
    missing = 0
    cost_rows = HourlyCost.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end).order_by()
    aggregates = {"cost": Sum("import_cost"), "missing": Count("id", filter=Q(price_missing=True))}
    for index, dev, cost, missing_n in _grouped(cost_rows, bounds, resolution, **aggregates):
        costs[(index, group_of[dev])] += cost or Decimal(0)
        missing += missing_n
    has_cost = bool(costs) or missing > 0

    # Devices that count for coverage: active ones plus any that reported in the period.
    group_devices: dict[object, set[int]] = defaultdict(set)
    for device in devices:
        if device.is_active or device.pk in seen_devices[group_of[device.pk]]:
            group_devices[group_of[device.pk]].add(device.pk)

    groups = []
    for key in labels:
        if not group_devices.get(key):
            continue
        size = len(group_devices[key])
        cells = []
        for index in range(n_buckets):
            possible = size * hour_count[index]
            reported = device_hours.get((index, key), 0)
            cells.append(
                Cell(
                    energy_wh=energy[(index, key)] if reported else None,
                    cost=costs[(index, key)] if has_cost and reported else None,
                    coverage=min(reported / possible, 1.0) if possible else 0.0,
                )
            )
        total_possible = size * sum(hour_count)
        total_reported = sum(device_hours.get((i, key), 0) for i in range(n_buckets))
        groups.append(
            (
                key,
                sum(energy[(i, key)] for i in range(n_buckets)),
                sum((costs[(i, key)] for i in range(n_buckets)), Decimal(0)) if has_cost else None,
                min(total_reported / total_possible, 1.0) if total_possible else 0.0,
                tuple(cells),
            )
        )
    groups.sort(key=lambda g: (-g[1], labels[g[0]]))
    total_energy = sum(g[1] for g in groups)
    total_cost = sum((g[2] for g in groups), Decimal(0)) if has_cost else None
    group_results = tuple(
        GroupSummary(
            key=key,
            label=labels[key],
            rank=rank,
            energy_wh=wh,
            cost=cost,
            share_pct=wh / total_energy * 100.0 if total_energy > 0 else None,
            coverage=coverage,
            cells=cells,
        )
        for rank, (key, wh, cost, coverage, cells) in enumerate(groups, start=1)
    )
    counted = sum(len(v) for v in group_devices.values())
    buckets = []
    for index in range(n_buckets):
        reported = sum(device_hours.get((index, key), 0) for key in group_devices)
        possible = counted * hour_count[index]
        buckets.append(
            Bucket(
                start=bounds[index],
                end=bounds[index + 1],
                label=bounds[index].astimezone(home.zone).isoformat(timespec="minutes"),
                energy_wh=sum(energy[(index, key)] for key in group_devices) if reported else None,
                cost=sum((costs[(index, key)] for key in group_devices), Decimal(0)) if has_cost and reported else None,
                coverage=min(reported / possible, 1.0) if possible else 0.0,
            )
        )
    all_possible = counted * sum(hour_count)
    all_reported = sum(device_hours.values())
    peak, base_load, mean_power = _hourly_figures(ids, counted, start, end) if peaks else (None, None, None)
    prev_start, prev_end = previous_bounds(home, start, end)
    if start <= now < end:  # still running: compare with the same elapsed part of the previous period
        prev_end = min(prev_end, prev_start + (now - start))
    prev_energy, prev_cost = _totals(ids, prev_start, prev_end)
    whole_home = device_id is None and room is None and not type_slug
    grid_end = min(end, now)
    return Summary(
        start=start,
        end=end,
        resolution=resolution,
        group_by=group_by,
        currency=home.currency,
        buckets=tuple(buckets),
        groups=group_results,
        energy_wh=total_energy,
        cost=total_cost,
        coverage=min(all_reported / all_possible, 1.0) if all_possible else 0.0,
        missing_price_hours=missing,
        mean_power_w=mean_power,
        peak=peak,
        base_load_w=base_load,
        previous_start=prev_start,
        previous_end=prev_end,
        previous_energy_wh=prev_energy,
        previous_cost=prev_cost if has_cost or prev_cost else None,
        energy_change_pct=percent_change(total_energy, prev_energy),
        cost_change_pct=percent_change(float(total_cost), float(prev_cost)) if total_cost is not None else None,
        grid=cost_summary(home=home, start=start, end=grid_end) if whole_home and grid_end > start else None,
    )


def _scope(
    home: Home, *, device_id: int | None, room: str | None, type_slug: str | None, categories: Iterable[str]
) -> list[Device]:
    categories = list(categories)
    devices = Device.objects.filter(home=home, type__category__in=categories).select_related("type")
    if device_id is not None:
        devices = devices.filter(pk=device_id)
        if not devices.exists():
            kind = "a consumer" if categories == [DeviceType.Category.CONSUMER] else f"a {'/'.join(categories)}"
            raise ValidationError({"device": f"Device {device_id} is not {kind} device of this home."})
    if room is not None:
        devices = devices.filter(room=room)
    if type_slug:
        devices = devices.filter(type__slug=type_slug)
    return list(devices.order_by("name", "pk"))


def group_key(device: Device, group_by: str) -> int | str:
    """What ``device`` is grouped under for ``group_by`` (its id, room or type slug)."""
    if group_by == "device":
        return device.pk
    if group_by == "room":
        return device.room
    return device.type.slug


def group_label(device: Device, group_by: str) -> str:
    """The label of ``device``'s group ("No room" for a device without one)."""
    if group_by == "device":
        return device.name
    if group_by == "room":
        return device.room or "No room"
    return device.type.name


def _elapsed_hours(start: datetime, end: datetime, now: datetime) -> int:
    """UTC hour starts in ``[start, min(end, now))``: the device-hours a bucket can have so far."""
    stop = min(end, now)
    if stop <= start:
        return 0
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += HOUR
    return max(0, math.ceil((stop - first) / HOUR))


def _grouped(queryset, bounds: list[datetime], resolution: str, **aggregates):
    """Rows ``(bucket index, device id, *aggregates)`` of ``queryset`` (hourly rows of devices).

    Hour buckets group by the UTC hour. The others: on PostgreSQL by ``width_bucket`` over the
    buckets' UTC bounds (a binary search per row, no time-zone arithmetic); elsewhere by a
    ``CASE`` over the same bounds, evaluated by the database (not a Python time-zone
    conversion per row, which costs ~15 µs a row on SQLite).
    """
    if resolution == "hour":
        index_of = {moment: i for i, moment in enumerate(bounds[:-1])}
        for hour, device_id, *values in queryset.values_list("hour", "device_id").annotate(**aggregates):
            yield index_of[hour], device_id, *values
        return
    if connections[queryset.db].vendor == "postgresql":
        bucket = Func(F("hour"), Value(bounds), function="width_bucket", output_field=IntegerField())
        numbered = queryset.annotate(bucket=bucket).values_list("bucket", "device_id")
        for number, device_id, *values in numbered.annotate(**aggregates):
            yield number - 1, device_id, *values  # width_bucket counts from 1 for [bounds[0], bounds[1])
        return
    whens = [When(hour__lt=bound, then=Value(index)) for index, bound in enumerate(bounds[1:])]
    numbered = queryset.annotate(bucket=Case(*whens, output_field=IntegerField())).values_list("bucket", "device_id")
    for index, device_id, *values in numbered.annotate(**aggregates):
        yield index, device_id, *values


def _hourly_figures(
    ids: list[int], device_count: int, start: datetime, end: datetime
) -> tuple[Peak | None, float | None, float | None]:
    per_hour = (
        HourlyRollup.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end)
        .order_by()
        .values("hour")
        .annotate(power=Sum("mean_power_w"), n=Count("id"), wh=Sum("energy_wh"))
    )
    rows = list(per_hour.values_list("hour", "power", "n", "wh"))
    if not rows:
        return None, None, None
    top_hour, top_power = max(((hour, power) for hour, power, _n, _wh in rows), key=lambda r: (r[1], -r[0].timestamp()))
    full = sorted(power for _hour, power, n, _wh in rows if n >= device_count)
    base = full[max(0, math.ceil(len(full) * BASE_LOAD_PERCENTILE / 100) - 1)] if full else None
    mean = sum(wh for _h, _p, _n, wh in rows) / len(rows)  # Wh per hour with data = mean W
    return Peak(hour=top_hour.astimezone(UTC), power_w=top_power), base, mean


def _totals(ids: list[int], start: datetime, end: datetime) -> tuple[float, Decimal]:
    if end <= start:
        return 0.0, Decimal(0)
    energy = HourlyRollup.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end).aggregate(
        total=Sum("energy_wh")
    )["total"]
    cost = HourlyCost.objects.filter(device_id__in=ids, hour__gte=start, hour__lt=end).aggregate(
        total=Sum("import_cost")
    )["total"]
    return energy or 0.0, cost or Decimal(0)

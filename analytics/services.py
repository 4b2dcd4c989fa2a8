"""Writes for tariffs, price points and hourly costs. Each service validates and owns its transaction.

Changing a tariff re-prices the affected history after commit (``analytics.tasks.reprice_home``);
new rollups are re-priced by :func:`reprice_after_rollup`. Pricing is idempotent: running it
again over the same data changes nothing.

Two paths price an hour. **Hourly** (the default): the hour's rollup energy at the mean of
its four quarter-hour prices. **Per quarter**, when the four quarter prices differ (a
15-minute dynamic tariff, a time-of-use boundary at :15/:30/:45, a tariff change at a
half-hour local midnight): each quarter's energy, from the raw readings of the hour by the
energy rule (telemetry.energy.integrate_readings with 15-minute buckets), at that quarter's
price. The grid is netted per quarter (the settlement interval), import billed gross and
export credited, never netted across quarters. A device whose readings of the hour no longer
reproduce its rollup (retention removed them, or the rollup is being recomputed) keeps the
hourly path; the grid row needs every device of the hour. ``RepriceStats.quarter_hours``
counts the grid hours priced per quarter.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Home
from analytics.balance import balances_from_rollups
from analytics.models import HourlyCost, PricePoint, Tariff, TimeOfUseWindow
from analytics.tariffs import QUARTER, HourPrice, Price, TariffSet, hour_price, uneven_quarter_prices, validate_windows
from devices.models import Device, DeviceType
from telemetry.energy import MAX_GAP, Sample, integrate_readings
from telemetry.models import HourlyRollup, Reading

HOUR = timedelta(hours=1)
MONEY_STEP = Decimal("0.000001")
MAX_PRICE = Decimal("99999")
PRICE_CSV_MAX_ROWS = 100_000
REPRICE_BATCH_HOURS = 24 * 31
QUARTER_RUNS_PER_QUERY = 64  # more runs of quarter-priced hours than this: read the batch's whole span
TARIFF_FIELDS = (
    "name",
    "kind",
    "effective_from",
    "import_price_per_kwh",
    "price_interval_minutes",
    "export_kind",
    "export_price_per_kwh",
    "standing_charge_per_day",
)


@dataclass(frozen=True)
class RepriceStats:
    hours: int = 0
    written: int = 0
    deleted: int = 0
    price_missing: int = 0
    quarter_hours: int = 0  # grid hours priced per quarter (module docstring)


@dataclass(frozen=True)
class PriceImport:
    """What a price CSV import did: counts of points, and each rejected line with its reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


# --- tariffs -------------------------------------------------------------------------------------


def save_tariff(*, home: Home, tariff: Tariff | None = None, windows: list[dict] | None = None, **values) -> Tariff:
    """Create (``tariff`` None) or change a tariff of ``home``; re-price affected history after commit.

    ``values`` are Tariff fields (TARIFF_FIELDS). A time-of-use tariff replaces its windows
    with ``windows`` (dicts of TimeOfUseWindow fields), which must cover every local day
    exactly once. Raises ValidationError keyed by field (``windows`` for window problems,
    ``effective_from`` when the home already has a tariff starting that day).
    """
    unknown = set(values) - set(TARIFF_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown tariff field."))
    if tariff is not None and tariff.home_id != home.pk:
        raise ValidationError({"tariff": "This tariff belongs to another home."})
    old_from = tariff.effective_from if tariff is not None else None
    tariff = tariff or Tariff(home=home, currency=home.currency)
    for name, value in values.items():
        setattr(tariff, name, value.strip() if isinstance(value, str) else value)
    tariff.full_clean(exclude=["home"], validate_unique=False)
    clash = Tariff.objects.filter(home=home, effective_from=tariff.effective_from).exclude(pk=tariff.pk)
    if clash.exists():
        raise ValidationError({"effective_from": "Another tariff of this home starts on this day."})
    new_windows: list[TimeOfUseWindow] = []
    if tariff.kind == Tariff.Kind.TIME_OF_USE:
        new_windows = [_window(w) for w in windows or []]
        validate_windows(new_windows)
    try:
        with transaction.atomic():
            tariff.save()
            tariff.windows.all().delete()
            for window in new_windows:
                window.tariff = tariff
            TimeOfUseWindow.objects.bulk_create(new_windows)
    except IntegrityError as exc:  # a concurrent save took the same day
        raise ValidationError({"effective_from": "Another tariff of this home starts on this day."}) from exc
    _reprice_from_day_after_commit(home, min(d for d in (old_from, tariff.effective_from) if d is not None))
    return tariff


def delete_tariff(*, tariff: Tariff) -> None:
    """Delete ``tariff``; the hours it priced are re-priced (by the tariff before it, or none) after commit."""
    home, day = tariff.home, tariff.effective_from
    with transaction.atomic():
        tariff.delete()
    _reprice_from_day_after_commit(home, day)


def _window(values: dict) -> TimeOfUseWindow:
    window = TimeOfUseWindow(
        name=(values.get("name") or "").strip(),
        start_time=values.get("start_time"),
        end_time=values.get("end_time"),
        days=values.get("days") or TimeOfUseWindow.Days.ALL,
        months=sorted(set(values.get("months") or [])),
        price_per_kwh=values.get("price_per_kwh"),
    )
    try:
        window.full_clean(exclude=["tariff"])
    except ValidationError as exc:
        details = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
        raise ValidationError({"windows": f"Window {window.name or '(unnamed)'!r}: {details}"}) from exc
    return window


def _reprice_from_day_after_commit(home: Home, day: date) -> None:
    from analytics.tasks import reprice_home

    start = datetime.combine(day, time(), tzinfo=home.zone).astimezone(UTC)
    end = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) + HOUR
    if end > start:
        _reprice_after_commit(reprice_home, home, start, end)


def _reprice_after_commit(task, home: Home, start: datetime, end: datetime) -> None:
    """After commit, queue the re-pricing of ``[start, end)``; with no broker, do it here and now."""
    from energyhome.queueing import enqueue

    transaction.on_commit(
        lambda: enqueue(
            task,
            home.pk,
            start.isoformat(),
            end.isoformat(),
            fallback=lambda: reprice_hours(home=home, start=start, end=end),
        )
    )


# --- price points --------------------------------------------------------------------------------


def import_price_csv(*, tariff: Tariff, text: str) -> PriceImport:
    """Store the price points in CSV ``text`` for a dynamic ``tariff``; re-importing changes nothing.

    Columns (header required): ``start`` (ISO 8601 with an offset or Z), ``price_per_kwh``
    (in the home's currency; negative allowed), optional ``direction`` (import or export,
    default import) and optional ``currency`` (must be the tariff's). Starts are on the
    quarter hour. Bad lines (and a start repeated within the file) are reported with their
    line number and never cost the good ones. A point at an existing start replaces its price.
    Affected hours are re-priced after commit. ValidationError (``file``/``currency``) when
    the file as a whole is unusable.
    """
    if tariff.kind != Tariff.Kind.DYNAMIC:
        raise ValidationError({"file": "Price points belong to dynamic tariffs."})
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if not {"start", "price_per_kwh"} <= columns:
        raise ValidationError({"file": "The first line must name the columns: start,price_per_kwh[,direction]."})
    parsed: dict[tuple[str, datetime], Decimal] = {}
    first_line: dict[tuple[str, datetime], int] = {}
    errors: list[tuple[int, str]] = []
    for index, raw in enumerate(reader):
        line = index + 2
        if index >= PRICE_CSV_MAX_ROWS:
            raise ValidationError({"file": f"At most {PRICE_CSV_MAX_ROWS} price points per file."})
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        currency = row.get("currency", "")
        if currency and currency.upper() != tariff.currency:
            raise ValidationError(
                {"currency": f"Line {line}: prices in {currency!r}, but this tariff is in {tariff.currency}."}
            )
        try:
            key, price = _price_row(row, tariff)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        if key in first_line:  # the same start twice in one file: which price is meant is unclear
            errors.append((line, f"start {row.get('start')!r} is already on line {first_line[key]}"))
            continue
        first_line[key] = line
        parsed[key] = price

    result = _store_points(tariff, parsed)
    return PriceImport(created=result.created, updated=result.updated, unchanged=result.unchanged, errors=errors)


def _store_points(tariff: Tariff, parsed: dict[tuple[str, datetime], Decimal]) -> PriceImport:
    """Create or update the points ``(direction, start) -> price``; re-price the changed hours after commit."""
    starts = [s for _, s in parsed]
    existing = (
        {
            (p.direction, p.start): p
            for p in PricePoint.objects.filter(tariff=tariff, start__gte=min(starts), start__lte=max(starts))
        }
        if starts
        else {}
    )
    created, updated, unchanged = [], [], 0
    for (direction, start), price in parsed.items():
        point = existing.get((direction, start))
        if point is None:
            created.append(PricePoint(tariff=tariff, direction=direction, start=start, price_per_kwh=price))
        elif point.price_per_kwh != price:
            point.price_per_kwh = price
            updated.append(point)
        else:
            unchanged += 1
    with transaction.atomic():
        PricePoint.objects.bulk_create(created, batch_size=1000, ignore_conflicts=True)
        PricePoint.objects.bulk_update(updated, ["price_per_kwh"], batch_size=1000)
    changed = [p.start for p in (*created, *updated)]
    if changed:
        start = min(changed).replace(minute=0)
        end = max(changed).replace(minute=0) + 2 * HOUR
        from analytics.tasks import reprice_home

        _reprice_after_commit(reprice_home, tariff.home, start, end)
    return PriceImport(created=len(created), updated=len(updated), unchanged=unchanged)


def _price_row(row: dict[str, str], tariff: Tariff) -> tuple[tuple[str, datetime], Decimal]:
    direction = (row.get("direction") or PricePoint.Direction.IMPORT).lower()
    if direction not in PricePoint.Direction.values:
        raise ValueError(f"direction {direction!r}: use import or export")
    if direction == PricePoint.Direction.EXPORT and tariff.export_kind != Tariff.ExportKind.DYNAMIC:
        raise ValueError("export prices need the tariff's export rate set to dynamic")
    try:
        start = datetime.fromisoformat(row.get("start", "").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"start {row.get('start')!r} is not an ISO 8601 time") from None
    if start.tzinfo is None:
        raise ValueError(f"start {row.get('start')!r} needs an offset or Z (e.g. 2026-03-29T02:00+01:00)")
    start = start.astimezone(UTC)
    if start.minute % 15 or start.second or start.microsecond:
        raise ValueError(f"start {row.get('start')!r} is not on a quarter hour")
    try:
        price = Decimal(row.get("price_per_kwh", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"price {row.get('price_per_kwh')!r} is not a number") from None
    if not price.is_finite() or abs(price) > MAX_PRICE:
        raise ValueError(f"price {row.get('price_per_kwh')!r} is out of range")
    if price != price.quantize(Decimal("0.00001")):
        raise ValueError(f"price {row.get('price_per_kwh')!r} has more than 5 decimal places")
    return (direction, start), price


def save_price_points(*, tariff: Tariff, points: list[dict]) -> PriceImport:
    """Store price points posted as data (the API) for a dynamic ``tariff``; posting them again changes nothing.

    Each item: ``start`` (aware datetime or ISO 8601 text with an offset, on the quarter hour),
    ``price_per_kwh`` (number or text; negative allowed), optional ``direction``. Unlike a CSV,
    the request is all or nothing: any bad item, a start out of order (each later than the one
    before, per direction) or a start given twice is a ValidationError on ``points`` naming the
    item, and nothing is stored. A point at an existing start replaces its price; affected hours
    are re-priced after commit.
    """
    if tariff.kind != Tariff.Kind.DYNAMIC:
        raise ValidationError({"points": "Price points belong to dynamic tariffs."})
    if not points:
        raise ValidationError({"points": "Send at least one price point."})
    if len(points) > PRICE_CSV_MAX_ROWS:
        raise ValidationError({"points": f"At most {PRICE_CSV_MAX_ROWS} price points per request."})
    errors: list[str] = []
    rows: list[tuple[tuple[str, datetime], Decimal]] = []
    last: dict[str, datetime] = {}
    for index, item in enumerate(points):
        start = item.get("start")
        row = {
            "start": start.isoformat() if isinstance(start, datetime) else str(start or ""),
            "price_per_kwh": str(item.get("price_per_kwh", "")),
            "direction": str(item.get("direction") or ""),
        }
        try:
            key, price = _price_row(row, tariff)
        except ValueError as exc:
            errors.append(f"Item {index}: {exc}.")
            continue
        direction, moment = key
        if direction in last and moment == last[direction]:
            errors.append(f"Item {index}: start {moment.isoformat()} is given twice.")
        elif direction in last and moment < last[direction]:
            errors.append(
                f"Item {index}: start {moment.isoformat()} is before the previous point's; send them in order."
            )
        else:
            last[direction] = moment
            rows.append((key, price))
    if errors:
        raise ValidationError({"points": errors})
    return _store_points(tariff, dict(rows))


def delete_price_points(*, tariff: Tariff, start: datetime, end: datetime) -> int:
    """Delete ``tariff``'s price points starting in ``[start, end)`` (aware); re-price those hours after commit.

    ValidationError on ``end`` when it is not after ``start``. Returns how many were deleted.
    """
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    with transaction.atomic():
        deleted, _ = PricePoint.objects.filter(tariff=tariff, start__gte=start, start__lt=end).delete()
    if deleted:
        from analytics.tasks import reprice_home

        first, after = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0), end + HOUR
        _reprice_after_commit(reprice_home, tariff.home, first, after)
    return deleted


# --- hourly costs --------------------------------------------------------------------------------


def reprice_hours(*, home: Home, start: datetime, end: datetime) -> RepriceStats:
    """Price every UTC hour of ``home`` starting in ``[start, end)`` from its rollups; idempotent.

    Writes one grid row per hour (import and export from the energy balance, priced
    separately) and one row per consumer device-hour (its consumption at the import price);
    rows whose rollups disappeared are deleted; unchanged rows are left untouched.
    ValidationError (``end``) for an empty or reversed period, ValueError for naive times.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    hours = set(
        HourlyRollup.objects.filter(device__home=home, hour__gte=start, hour__lt=end).values_list("hour", flat=True)
    )
    hours |= set(HourlyCost.objects.filter(home=home, hour__gte=start, hour__lt=end).values_list("hour", flat=True))
    return _reprice(home, hours)


def reprice_after_rollup(device_hours: Iterable[tuple[int, datetime]]) -> RepriceStats:
    """Re-price the home-hours of freshly computed ``(device_id, UTC hour)`` rollups (deleted ones too)."""
    by_device: dict[int, set[datetime]] = defaultdict(set)
    for device_id, hour in device_hours:
        by_device[device_id].add(hour)
    homes = dict(Device.objects.filter(pk__in=list(by_device)).values_list("pk", "home_id"))
    by_home: dict[int, set[datetime]] = defaultdict(set)
    for device_id, hours in by_device.items():
        if device_id in homes:
            by_home[homes[device_id]] |= hours
    totals = RepriceStats()
    for home in Home.objects.filter(pk__in=list(by_home)):
        totals = _add(totals, _reprice(home, by_home[home.pk]))
    return totals


def reprice_stale_hours(*, since: datetime) -> RepriceStats:
    """Re-price hours from ``since`` whose rollups changed after their cost was computed (a sweep).

    The safety net for a re-pricing lost with a crashed worker: the database, not the
    queue, says what is stale. Touches the grid rows it checked, so they are not found again.
    """
    grid_cost_at = HourlyCost.objects.filter(
        home_id=OuterRef("device__home_id"), device__isnull=True, hour=OuterRef("hour")
    ).values("computed_at")[:1]
    stale = (
        HourlyRollup.objects.filter(hour__gte=since)
        .annotate(cost_at=Subquery(grid_cost_at))
        .filter(Q(cost_at__isnull=True) | Q(computed_at__gt=F("cost_at")))
        .values_list("device_id", "hour")
    )
    pairs = list(stale[:50_000])
    stats = reprice_after_rollup(pairs)
    hours = {hour for _, hour in pairs}
    homes = Device.objects.filter(pk__in={d for d, _ in pairs}).values("home_id")
    HourlyCost.objects.filter(home_id__in=homes, device__isnull=True, hour__in=hours).update(computed_at=timezone.now())
    return stats


def _add(a: RepriceStats, b: RepriceStats) -> RepriceStats:
    return RepriceStats(*(x + y for x, y in zip(vars(a).values(), vars(b).values(), strict=True)))


def _reprice(home: Home, hours: Collection[datetime]) -> RepriceStats:
    ordered = sorted(h.astimezone(UTC) for h in hours)
    totals = RepriceStats()
    for index in range(0, len(ordered), REPRICE_BATCH_HOURS):
        totals = _add(totals, _reprice_batch(home, ordered[index : index + REPRICE_BATCH_HOURS]))
    return totals


@transaction.atomic
def _reprice_batch(home: Home, hours: list[datetime]) -> RepriceStats:
    # One re-pricing of a home at a time (PostgreSQL); SQLite serialises writers anyway.
    Home.objects.select_for_update().filter(pk=home.pk).first()
    wanted = set(hours)
    first, last = hours[0], hours[-1] + HOUR
    rows = [
        r
        for r in HourlyRollup.objects.filter(device__home=home, hour__gte=first, hour__lt=last)
        .order_by()
        .values_list("device_id", "hour", "device__type__category", "energy_wh")
        if r[1] in wanted
    ]
    tariff_set = TariffSet.load(home, first, last)
    priced_hours = {r[1] for r in rows}
    prices = {hour: hour_price(tariff_set, hour) for hour in priced_hours}
    uneven = {hour: q for hour in priced_hours if (q := uneven_quarter_prices(tariff_set, hour)) is not None}
    quarters = _quarter_energies([r for r in rows if r[1] in uneven])
    devices_by_hour: dict[datetime, list[int]] = defaultdict(list)
    for device_id, hour, _, _ in rows:
        devices_by_hour[hour].append(device_id)
    categories = {device_id: category for device_id, _, category, _ in rows}
    target: dict[tuple[int | None, datetime], dict] = {}
    quarter_hours = 0
    for hour, balance in balances_from_rollups((h, c, e) for _, h, c, e in rows).items():
        if hour in uneven and all((d, hour) in quarters for d in devices_by_hour[hour]):
            quarter_rows = [
                (hour + QUARTER * i, categories[d], quarters[(d, hour)][i])
                for d in devices_by_hour[hour]
                for i in range(4)
            ]
            by_quarter = list(balances_from_rollups(quarter_rows).values())
            imports = [q.grid_import_wh for q in by_quarter]
            exports = [q.grid_export_wh for q in by_quarter]
            target[(None, hour)] = _priced_quarters(imports, exports, uneven[hour], prices[hour])
            quarter_hours += 1
        else:
            target[(None, hour)] = _priced(balance.grid_import_wh, balance.grid_export_wh, prices[hour])
    for device_id, hour, category, energy_wh in rows:
        if category != DeviceType.Category.CONSUMER:
            continue
        if hour in uneven and (device_id, hour) in quarters:
            used = [max(e, 0.0) for e in quarters[(device_id, hour)]]
            target[(device_id, hour)] = _priced_quarters(used, [0.0] * 4, uneven[hour], prices[hour])
        else:
            target[(device_id, hour)] = _priced(max(energy_wh, 0.0), 0.0, prices[hour])

    existing = {
        (c.device_id, c.hour): c
        for c in HourlyCost.objects.filter(home=home, hour__gte=first, hour__lt=last)
        if c.hour in wanted
    }
    stale = [c.pk for key, c in existing.items() if key not in target]
    new, changed = [], []
    for (device_id, hour), values in target.items():
        row = existing.get((device_id, hour))
        if row is None:
            new.append(HourlyCost(home=home, device_id=device_id, hour=hour, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.computed_at = timezone.now()
            changed.append(row)
    HourlyCost.objects.filter(pk__in=stale).delete()
    HourlyCost.objects.bulk_create(new, batch_size=1000)
    HourlyCost.objects.bulk_update(changed, [*_VALUE_NAMES, "computed_at"], batch_size=1000)
    return RepriceStats(
        hours=len({h for _, h in target}),
        written=len(new) + len(changed),
        deleted=len(stale),
        price_missing=sum(1 for v in target.values() if v["price_missing"]),
        quarter_hours=quarter_hours,
    )


def _quarter_energies(rows: list[tuple[int, datetime, str, float]]) -> dict[tuple[int, datetime], list[float]]:
    """Energy (Wh) of each quarter of each ``(device_id, UTC hour, category, rollup energy_wh)`` row.

    From the raw readings of those hours (plus ``MAX_GAP`` either side, as the rollup reads
    them) by the one energy rule with 15-minute buckets. A device-hour is left out when its
    quarters do not add up to its rollup's energy (readings removed by retention, or changed
    since the rollup): that hour then keeps the hourly path. One query per batch.
    """
    if not rows:
        return {}
    hours = sorted({hour for _, hour, _, _ in rows})
    runs: list[list[datetime]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1][1] = hour + HOUR
        else:
            runs.append([hour, hour + HOUR])
    if len(runs) > QUARTER_RUNS_PER_QUERY:
        runs = [[hours[0], hours[-1] + HOUR]]
    span = Q()
    for run_start, run_end in runs:
        span |= Q(time__gte=run_start - MAX_GAP, time__lt=run_end + MAX_GAP)
    readings: dict[int, list[Sample]] = defaultdict(list)
    for device_id, moment, power_w, meter_wh in (
        Reading.objects.filter(span, device_id__in={d for d, _, _, _ in rows})
        .order_by()
        .values_list("device_id", "time", "power_w", "energy_wh_total")
        .iterator(chunk_size=10_000)
    ):
        readings[device_id].append(Sample(time=moment, power_w=power_w, energy_wh_total=meter_wh))
    buckets = {
        device_id: {b.start: b.energy_wh for b in integrate_readings(samples, max_gap=MAX_GAP, step=QUARTER)}
        for device_id, samples in readings.items()
    }
    result: dict[tuple[int, datetime], list[float]] = {}
    for device_id, hour, _, energy_wh in rows:
        by_start = buckets.get(device_id)
        if not by_start:
            continue
        energies = [by_start.get(hour + QUARTER * i, 0.0) for i in range(4)]
        if math.isclose(sum(energies), energy_wh, rel_tol=1e-9, abs_tol=1e-6):
            result[(device_id, hour)] = energies
    return result


_VALUE_NAMES = ("tariff_id", "window", "import_wh", "export_wh", "import_cost", "export_credit", "price_missing")


def _priced(import_wh: float, export_wh: float, price: HourPrice) -> dict:
    import_cost = _money(import_wh, price.import_per_kwh)
    export_credit = _money(export_wh, price.export_per_kwh)
    return {
        "tariff_id": price.tariff_id,
        "window": price.window,
        "import_wh": import_wh,
        "export_wh": export_wh,
        "import_cost": import_cost,
        "export_credit": export_credit,
        "price_missing": import_cost is None or export_credit is None,
    }


def _priced_quarters(import_wh: list[float], export_wh: list[float], quarters: list[Price], price: HourPrice) -> dict:
    """The hour's cost as the sum of its four quarters' energy (Wh) × their prices (per quarter path).

    The tariff and window recorded are the hour's (its first quarter's), as on the hourly path.
    """
    import_cost = _money_sum(import_wh, [q.import_per_kwh for q in quarters])
    export_credit = _money_sum(export_wh, [q.export_per_kwh for q in quarters])
    return {
        "tariff_id": price.tariff_id,
        "window": price.window,
        "import_wh": sum(import_wh),
        "export_wh": sum(export_wh),
        "import_cost": import_cost,
        "export_credit": export_credit,
        "price_missing": import_cost is None or export_credit is None,
    }


def _money_sum(energies_wh: list[float], prices_per_kwh: list[Decimal | None]) -> Decimal | None:
    """Σ energy (Wh) × price per kWh, rounded once to 6 decimals; None when energy meets a missing price."""
    total = Decimal(0)
    for energy_wh, price_per_kwh in zip(energies_wh, prices_per_kwh, strict=True):
        if not energy_wh or not math.isfinite(energy_wh):
            continue
        if price_per_kwh is None:
            return None
        total += Decimal(repr(energy_wh)) / 1000 * price_per_kwh
    return total.quantize(MONEY_STEP)


def _money(energy_wh: float, price_per_kwh: Decimal | None) -> Decimal | None:
    """Energy (Wh) × price per kWh, to 6 decimals; no energy costs nothing even without a price."""
    if not energy_wh or not math.isfinite(energy_wh):
        return Decimal(0).quantize(MONEY_STEP)
    if price_per_kwh is None:
        return None
    return (Decimal(repr(energy_wh)) / 1000 * price_per_kwh).quantize(MONEY_STEP)

"""Reads of costs: period totals, month-to-date and projection, by device, by window, per day, bill checks.

Selectors take a home the caller may read (checking that is the caller's job) and aware
datetimes; days are the home's local days. Money is ``Decimal`` in the home's currency,
energy in kWh (floats). Amounts come from ``HourlyCost`` (see analytics.services); hours
with a missing price are counted in ``missing_hours`` and left out of the amounts, never
priced at zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Home
from analytics.models import HourlyCost, Tariff
from analytics.tariffs import TariffSet
from devices.models import Device

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostSummary:
    """Costs of ``[start, end)``: grid import billed gross, export credited separately, standing charge per day."""

    start: datetime
    end: datetime
    import_kwh: float
    export_kwh: float
    import_cost: Decimal
    export_credit: Decimal
    standing_charge: Decimal
    days: int
    missing_hours: int

    @property
    def total(self) -> Decimal:
        return self.import_cost - self.export_credit + self.standing_charge

    @property
    def mean_import_price(self) -> Decimal | None:
        if not self.import_kwh:
            return None
        return self.import_cost / Decimal(repr(self.import_kwh))

    @property
    def mean_export_price(self) -> Decimal | None:
        if not self.export_kwh:
            return None
        return self.export_credit / Decimal(repr(self.export_kwh))


@dataclass(frozen=True)
class CostRow:
    key: int | str | date | None
    label: str
    kwh: float
    cost: Decimal


@dataclass(frozen=True)
class MonthOverview:
    this_month: CostSummary
    last_month: CostSummary
    projected_total: Decimal | None  # None before any hour of the month is priced
    month_label: str
    last_month_label: str
    projection_basis: str = "pace"  # "forecast" when the home's hourly forecast covered the rest of the month


@dataclass(frozen=True)
class BillCheck:
    """Our figures for a bill's period beside the bill's, and the difference split by cause."""

    ours: CostSummary
    billed_import_kwh: float
    billed_export_kwh: float | None
    billed_total: Decimal
    billed_standing: Decimal | None
    differences: dict[str, Decimal] = field(default_factory=dict)  # import, export, standing, other

    @property
    def total_difference(self) -> Decimal:
        return self.billed_total - self.ours.total


def local_midnight(day: date, home: Home) -> datetime:
    return datetime.combine(day, time(), tzinfo=home.zone).astimezone(UTC)


def month_bounds(day: date, home: Home) -> tuple[datetime, datetime]:
    """``[start, end)`` in aware UTC of the local month containing ``day``."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first, home), local_midnight(following, home)


def standing_charge(*, home: Home, start: datetime, end: datetime) -> tuple[Decimal, int]:
    """Standing charges of the local days that start in ``[start, end)`` (each at the tariff of that day)."""
    tariff_set = TariffSet(home, Tariff.objects.filter(home=home))
    day = start.astimezone(home.zone).date()
    if local_midnight(day, home) < start:
        day += timedelta(days=1)
    total, days = ZERO, 0
    while local_midnight(day, home) < end:
        tariff = tariff_set.tariff_on(day)
        if tariff is not None:
            total += tariff.standing_charge_per_day
        days += 1
        day += timedelta(days=1)
    return total, days


def cost_summary(*, home: Home, start: datetime, end: datetime) -> CostSummary:
    """Grid costs of the hours starting in ``[start, end)`` plus the standing charges of its days."""
    grid = HourlyCost.objects.filter(home=home, device__isnull=True, hour__gte=start, hour__lt=end)
    sums = grid.aggregate(
        import_wh=Sum("import_wh"),
        export_wh=Sum("export_wh"),
        import_cost=Sum("import_cost"),
        export_credit=Sum("export_credit"),
        missing=Count("pk", filter=Q(price_missing=True)),
    )
    standing, days = standing_charge(home=home, start=start, end=end)
    return CostSummary(
        start=start,
        end=end,
        import_kwh=(sums["import_wh"] or 0.0) / 1000,
        export_kwh=(sums["export_wh"] or 0.0) / 1000,
        import_cost=sums["import_cost"] or ZERO,
        export_credit=sums["export_credit"] or ZERO,
        standing_charge=standing,
        days=days,
        missing_hours=sums["missing"],
    )


def month_overview(*, home: Home, now: datetime) -> MonthOverview:
    """This local month so far, last month, and this month's projected total.

    The projection scales the energy cost so far by the share of the month elapsed and
    adds the standing charges of the whole month.
    """
    today = now.astimezone(home.zone).date()
    start, end = month_bounds(today, home)
    last_start, _ = month_bounds(today.replace(day=1) - timedelta(days=1), home)
    this_month = cost_summary(home=home, start=start, end=now)
    last_month = cost_summary(home=home, start=last_start, end=start)
    projected = None
    basis = "pace"
    elapsed = (now - start) / (end - start)
    if this_month.import_kwh or this_month.export_kwh:
        energy = this_month.import_cost - this_month.export_credit
        full_standing, _ = standing_charge(home=home, start=start, end=end)
        rest = _forecast_rest_of_month(home=home, now=now, end=end, so_far=this_month)
        if rest is not None:
            projected, basis = (energy + rest + full_standing).quantize(CENT), "forecast"
        else:
            projected = (energy / Decimal(repr(max(elapsed, 1e-6))) + full_standing).quantize(CENT)
    return MonthOverview(
        this_month=this_month,
        last_month=last_month,
        projected_total=projected,
        projection_basis=basis,
        month_label=f"{start.astimezone(home.zone):%B %Y}",
        last_month_label=f"{last_start.astimezone(home.zone):%B %Y}",
    )


def _forecast_rest_of_month(*, home: Home, now: datetime, end: datetime, so_far: CostSummary) -> Decimal | None:
    """The energy cost of ``[now, end)`` from the home's stored hourly forecast of consumption: the
    forecast kWh of each remaining hour, times the share of consumption bought from the grid so far
    this month (solar and battery cover the rest), times that hour's import price. None when there
    is no ready forecast reaching the month's end, no consumption so far, or a price is missing."""
    from analytics.models import Forecast
    from analytics.tariffs import TariffSet, price_at

    forecast = (
        Forecast.objects.filter(
            home=home, device__isnull=True, granularity=Forecast.Granularity.HOUR, status=Forecast.Status.READY
        )
        .order_by("-horizon_days", "-id")
        .first()
    )
    if forecast is None or not forecast.points:
        return None
    hours = [(datetime.fromisoformat(p[0]), p[1]) for p in forecast.points]
    remaining = [(start, wh) for start, wh in hours if now <= start < end]
    if not remaining or max(start for start, _ in hours) + timedelta(hours=1) < end:
        return None
    from analytics.forecasts import hourly_energy_series

    hour_now = now.replace(minute=0, second=0, microsecond=0)
    month_start = so_far.start.replace(minute=0, second=0, microsecond=0)
    series = hourly_energy_series(home, start=month_start, end=hour_now) if hour_now > month_start else None
    consumption_kwh = sum(v for v in (series.values if series else ()) if v is not None) / 1000
    if not consumption_kwh:
        return None
    bought_share = min(1.0, so_far.import_kwh / consumption_kwh)
    tariffs = TariffSet.load(home, now, end)
    total = ZERO
    for start, wh in remaining:
        price = price_at(tariffs, start)
        if price is None or price.import_per_kwh is None:
            return None
        total += Decimal(repr(wh / 1000 * bought_share)) * price.import_per_kwh
    return total


def cost_by_device(*, home: Home, start: datetime, end: datetime) -> list[CostRow]:
    """Consumption cost (at the import price) of each metered consumer, largest first."""
    # Grouped by the id alone, names read apart: joining the device for each of a period's
    # device-hours costs more than the sums themselves.
    rows = list(
        HourlyCost.objects.filter(home=home, device__isnull=False, hour__gte=start, hour__lt=end)
        .values_list("device_id")
        .annotate(wh=Sum("import_wh"), cost=Sum("import_cost"))
        .order_by()
    )
    names = dict(Device.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "name"))
    result = [CostRow(pk, names[pk], (wh or 0) / 1000, cost or ZERO) for pk, wh, cost in rows]
    return sorted(result, key=lambda r: (-r.cost, r.label))


def cost_by_window(*, home: Home, start: datetime, end: datetime) -> list[CostRow]:
    """Grid import cost by time-of-use window (one "All hours" row for flat and dynamic tariffs)."""
    rows = (
        HourlyCost.objects.filter(home=home, device__isnull=True, hour__gte=start, hour__lt=end)
        .values("window")
        .annotate(wh=Sum("import_wh"), cost=Sum("import_cost"))
        .order_by()
    )
    result = [CostRow(r["window"], r["window"] or "All hours", (r["wh"] or 0) / 1000, r["cost"] or ZERO) for r in rows]
    return sorted(result, key=lambda r: (-r.cost, r.label))


def daily_costs(*, home: Home, start: datetime, end: datetime) -> dict[date, dict[str, Decimal]]:
    """Per local day: import cost by window label, ``export`` credit and ``standing`` charge."""
    rows = (
        HourlyCost.objects.filter(home=home, device__isnull=True, hour__gte=start, hour__lt=end)
        .annotate(day=TruncDate("hour", tzinfo=home.zone))
        .values("day", "window")
        .annotate(cost=Sum("import_cost"), credit=Sum("export_credit"))
        .order_by("day")
    )
    days: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        days[row["day"]][row["window"] or "Energy"] += row["cost"] or ZERO
        days[row["day"]]["export"] += row["credit"] or ZERO
    tariff_set = TariffSet(home, Tariff.objects.filter(home=home))
    for day, parts in days.items():
        tariff = tariff_set.tariff_on(day)
        parts["standing"] = tariff.standing_charge_per_day if tariff else ZERO
    return dict(sorted(days.items()))


def bill_check(
    *,
    home: Home,
    first_day: date,
    last_day: date,
    billed_import_kwh: float,
    billed_total: Decimal,
    billed_export_kwh: float | None = None,
    billed_standing: Decimal | None = None,
) -> BillCheck:
    """Compare a bill for the local days ``first_day``..``last_day`` (inclusive) with our figures.

    The difference (bill − ours) is split: ``import`` = kWh difference × our mean import
    price; ``export`` = −kWh difference × our mean export price (when the bill states its
    export); ``standing`` = the bill's standing charge − ours (when stated); ``other`` = the rest.
    """
    ours = cost_summary(
        home=home, start=local_midnight(first_day, home), end=local_midnight(last_day + timedelta(days=1), home)
    )
    import_price = ours.mean_import_price or ZERO
    export_price = ours.mean_export_price or ZERO
    differences = {
        "import": (Decimal(repr(billed_import_kwh - ours.import_kwh)) * import_price).quantize(CENT),
        "export": ZERO,
        "standing": ZERO,
    }
    if billed_export_kwh is not None:
        differences["export"] = (-Decimal(repr(billed_export_kwh - ours.export_kwh)) * export_price).quantize(CENT)
    if billed_standing is not None:
        differences["standing"] = (billed_standing - ours.standing_charge).quantize(CENT)
    explained = sum(differences.values(), ZERO)
    differences["other"] = (billed_total - ours.total - explained).quantize(CENT)
    return BillCheck(
        ours=ours,
        billed_import_kwh=billed_import_kwh,
        billed_export_kwh=billed_export_kwh,
        billed_total=billed_total,
        billed_standing=billed_standing,
        differences=differences,
    )

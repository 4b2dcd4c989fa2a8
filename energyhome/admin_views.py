"""The managers' portfolio: every home they manage with this month's energy and cost against last
month, devices online and offline, open alerts and the last reading; one home's overview; CSV.

Figures come from the summary layer (analytics.selectors.energy_summary, analytics.costs.
month_overview), the same functions the homeowner's pages use, so the admin never disagrees with
the dashboard.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib import admin
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Home
from accounts.selectors import managed_homes_for
from devices.models import Command, Device


@dataclass(frozen=True)
class PortfolioRow:
    home: Home
    month_kwh: float
    last_month_kwh: float
    change_pct: float | None
    month_cost: Decimal | None
    last_month_cost: Decimal | None
    currency: str
    devices_online: int
    devices_offline: int
    open_alerts: int | None  # None when alerts are not installed
    last_reading: datetime | None
    spark_kwh: list[float]

    @property
    def spark_points(self) -> str:
        """An SVG polyline of the last 30 days' energy, 120 x 28."""
        values = self.spark_kwh or [0.0]
        top = max(values) or 1.0
        step = 120 / max(1, len(values) - 1)
        return " ".join(f"{i * step:.1f},{28 - v / top * 26:.1f}" for i, v in enumerate(values))


def _open_alerts(home: Home) -> int | None:
    try:
        alert = apps.get_model("analytics", "Alert")
    except LookupError:
        return None
    fields = {f.name for f in alert._meta.get_fields()}
    open_filter = Q()
    if "resolved_at" in fields:
        open_filter &= Q(resolved_at__isnull=True)
    if "acknowledged_at" in fields:
        open_filter &= Q(acknowledged_at__isnull=True)
    return alert.objects.filter(open_filter, home=home).count() if "home" in fields else None


def portfolio_row(home: Home, *, now: datetime) -> PortfolioRow:
    """One home's portfolio figures (summary layer; home-local months)."""
    from analytics.costs import month_overview
    from analytics.selectors import OFFLINE_AFTER, energy_summary, home_shape
    from telemetry.selectors import energy_by

    energy = energy_summary(home, shape=home_shape(home), now=now)
    money = month_overview(home=home, now=now)
    has_tariff = home.tariffs.exists() if hasattr(home, "tariffs") else False
    devices = Device.objects.filter(home=home, is_active=True)
    online = devices.filter(last_seen__gte=now - OFFLINE_AFTER).count()
    days = energy_by(home=home, start=now - timedelta(days=30), end=now, by="day")
    spark = [row.energy_wh / 1000 for row in sorted(days, key=lambda r: str(r.key))]
    return PortfolioRow(
        home=home,
        month_kwh=energy.month.consumption_wh / 1000,
        last_month_kwh=energy.last_month_same_point.consumption_wh / 1000,
        change_pct=energy.month_change_pct,
        month_cost=money.this_month.total if has_tariff else None,
        last_month_cost=money.last_month.total if has_tariff else None,
        currency=home.currency,
        devices_online=online,
        devices_offline=devices.count() - online,
        open_alerts=_open_alerts(home),
        last_reading=devices.aggregate(newest=Max("last_seen"))["newest"],
        spark_kwh=spark,
    )


SORTS = {
    "name": lambda r: r.home.name.lower(),
    "energy": lambda r: r.month_kwh,
    "cost": lambda r: r.month_cost if r.month_cost is not None else Decimal("-1e9"),
    "change": lambda r: r.change_pct if r.change_pct is not None else -1e9,
    "offline": lambda r: r.devices_offline,
    "seen": lambda r: r.last_reading.timestamp() if r.last_reading else 0,
}


def portfolio_rows(request: HttpRequest, *, query: str = "", order: str = "name") -> list[PortfolioRow]:
    """The rows of the homes ``request.user`` manages (superusers: all), searched and sorted."""
    homes = managed_homes_for(request.user).order_by("name", "id")
    if query:
        homes = homes.filter(Q(name__icontains=query) | Q(address__icontains=query))
    now = timezone.now()
    rows = [portfolio_row(home, now=now) for home in homes]
    descending = order.startswith("-")
    key = SORTS.get(order.lstrip("-"), SORTS["name"])
    return sorted(rows, key=key, reverse=descending)


def portfolio(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    order = request.GET.get("o", "name")
    rows = portfolio_rows(request, query=query, order=order)
    context = {
        **admin.site.each_context(request),
        "title": "Portfolio",
        "rows": rows,
        "q": query,
        "o": order,
        "sorts": [
            ("name", "Home"),
            ("energy", "This month"),
            ("change", "Change"),
            ("cost", "Cost"),
            ("offline", "Offline"),
            ("seen", "Last reading"),
        ],
    }
    return render(request, "admin/portfolio.html", context)


def portfolio_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The portfolio as CSV (the same rows and figures as the page, search applied)."""
    rows = portfolio_rows(request, query=request.GET.get("q", "").strip(), order=request.GET.get("o", "name"))
    return csv_response(rows, filename="portfolio.csv")


def csv_response(rows: list[PortfolioRow], *, filename: str) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = [
        "home_id", "home", "this_month_kwh", "last_month_same_point_kwh", "change_pct",
        "this_month_cost", "last_month_cost", "currency", "devices_online", "devices_offline",
        "open_alerts", "last_reading_utc",
    ]  # fmt: skip

    def lines():
        yield writer.writerow(header)
        for r in rows:
            yield writer.writerow(
                [
                    r.home.pk,
                    r.home.name,
                    f"{r.month_kwh:.3f}",
                    f"{r.last_month_kwh:.3f}",
                    "" if r.change_pct is None else f"{r.change_pct:.1f}",
                    "" if r.month_cost is None else f"{r.month_cost:.2f}",
                    "" if r.last_month_cost is None else f"{r.last_month_cost:.2f}",
                    r.currency,
                    r.devices_online,
                    r.devices_offline,
                    "" if r.open_alerts is None else r.open_alerts,
                    r.last_reading.isoformat() if r.last_reading else "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def home_overview(request: HttpRequest, home_id: int) -> HttpResponse:
    """One managed home: its figures, a 30-day chart, its devices, recent commands and admin changes."""

    from analytics.charts import power_lines_figure

    home = managed_homes_for(request.user).filter(pk=home_id).first()
    if home is None:
        raise Http404("No such home")
    row = portfolio_row(home, now=timezone.now())
    labels = [f"day {i + 1}" for i in range(len(row.spark_kwh))]
    chart = power_lines_figure(labels, [("kWh per day", row.spark_kwh)], height=260)
    commands = Command.objects.filter(home=home).select_related("device", "issued_by_user")[:20]
    audit = audit_entries(home)[:30]
    context = {
        **admin.site.each_context(request),
        "title": home.name,
        "row": row,
        "home": home,
        "chart": chart,
        "devices": Device.objects.filter(home=home).select_related("type").order_by("name"),
        "commands": commands,
        "audit": audit,
    }
    return render(request, "admin/portfolio_home.html", context)


def audit_entries(home: Home):
    """Admin changes to the home and to its devices, memberships, tariffs, rules (LogEntry), newest first."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Membership
    from devices.models import Rule

    def ids(model, **filters):
        return [str(pk) for pk in model.objects.filter(**filters).values_list("pk", flat=True)]

    targets = [(Home, [str(home.pk)]), (Device, ids(Device, home=home)), (Membership, ids(Membership, home=home))]
    targets.append((Rule, ids(Rule, home=home)))
    try:
        tariff = apps.get_model("analytics", "Tariff")
        targets.append((tariff, ids(tariff, home=home)))
    except LookupError:
        pass
    condition = Q(pk__in=[])
    for model, object_ids in targets:
        if object_ids:
            condition |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=object_ids)
    return LogEntry.objects.filter(condition).select_related("user", "content_type").order_by("-action_time")

"""History pages: energy by hour/day/month and power curves for a period, with a comparison,
a table of the same figures and a CSV of exactly those figures.

Energy figures come from the summary layer (``analytics.selectors.history_figures`` over
``analytics.summary``): a bucket without readings is a gap (None: no bar, an empty table cell
and CSV field), and the page says how much of the period has readings when it is not all.

One URL serves the page and, for htmx requests, the fragment the controls swap in (the URL
is pushed, so the back button and shared links work).
"""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.selectors import get_home_for
from analytics.charts import energy_bars_figure, power_lines_figure
from analytics.selectors import (
    BREAKDOWNS,
    POWER_MAX_DAYS,
    PRESETS,
    SHOWS,
    HistoryTable,
    compare_with_previous,
    history_figures,
    period_for,
    power_history,
)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _choice(raw: str | None, choices, default: str) -> str:
    keys = [c[0] for c in choices]
    return raw if raw in keys else default


def _figure(table: HistoryTable) -> dict:
    series = list(zip(table.groups, table.values, strict=True))
    if table.unit == "W":
        return power_lines_figure(table.x, series)
    x_title = {"hour": "Hour (local time)", "day": "Day", "month": "Month"}[table.step]
    x_type = "date" if table.step in {"hour", "day"} else "category"
    return energy_bars_figure(table.x, series, x_title=x_title, x_type=x_type)


def _csv(table: HistoryTable, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    energy = table.unit == "kWh"
    writer.writerow(["time", *[f"{g} ({table.unit})" for g in table.groups], *(["total (kWh)"] if energy else [])])
    for x, (_label, cells, total, _coverage) in zip(table.x, table.rows, strict=True):
        writer.writerow(
            [x, *["" if v is None else v for v in cells], *(["" if total is None else total] if energy else [])]
        )
    return response


@login_required
@require_GET
@vary_on_headers("HX-Request")
def history(request: HttpRequest) -> HttpResponse:
    """?period=<preset>|custom&start=&end=&by=device|room|type&show=consumption|...&view=energy|power[&format=csv]"""
    if not request.home:
        return redirect("accounts:home-create")
    home = get_home_for(request.user, request.GET.get("home") or request.home.pk)
    params = request.GET
    key = params.get("period") or "today"
    period = period_for(home, key, first=_date(params.get("start")), last=_date(params.get("end")))
    by = _choice(params.get("by"), BREAKDOWNS, "device")
    show = _choice(params.get("show"), SHOWS, "consumption")
    categories = next(c for k, _label, c in SHOWS if k == show)
    view = "power" if params.get("view") == "power" and period.days <= POWER_MAX_DAYS else "energy"
    if view == "power":
        table = power_history(home, period, by=by, categories=categories)
        comparison = compare_with_previous(home, period, categories=categories)
    else:
        table, comparison = history_figures(home, period, by=by, categories=categories)
    if params.get("format") == "csv":
        return _csv(table, f"energyhome-{slugify(home.name)}-{period.first_day}-{period.last_day}-{view}-by-{by}")
    query = params.copy()
    query.pop("format", None)
    query["format"] = "csv"
    context = {
        "home": home,
        "period": period,
        "presets": PRESETS,
        "breakdowns": BREAKDOWNS,
        "shows": [(k, label) for k, label, _c in SHOWS],
        "by": by,
        "show": show,
        "view": view,
        "power_allowed": period.days <= POWER_MAX_DAYS,
        "table": table,
        "figure": _figure(table) if table.has_data else None,
        "comparison": comparison,
        "csv_query": query.urlencode(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "history/_history.html", context)
    return render(request, "history/history.html", context)

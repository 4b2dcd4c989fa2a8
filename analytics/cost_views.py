"""Web pages for costs, tariffs, price uploads and bill checks. Thin: parse, check, call, render."""

from __future__ import annotations

import json
from datetime import date, timedelta

import plotly.graph_objects as go
import plotly.io as pio
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Home
from accounts.selectors import can_administer, get_home_for, get_home_for_admin
from analytics import costs, services
from analytics.balance import period_balance
from analytics.charts import flow_sankey_figure, self_sufficiency_figure
from analytics.flow import energy_flow, has_flow_devices
from analytics.forms import BillCheckForm, PriceCsvForm, TariffForm, WindowFormSet, window_initial
from analytics.models import Tariff
from analytics.selectors import PRESETS, local_iso, local_midnight, percent_change, period_for, previous_period
from energyhome.forms import apply_validation_errors
from energyhome.navigation import current_home_redirect


def _apply_errors(form, exc: ValidationError, formset=None) -> None:
    for field, errors in apply_validation_errors(form, exc, return_unplaced=True).items():
        if field == "windows" and formset is not None:
            formset._non_form_errors = formset.error_class(errors, error_class="nonform")
        else:
            form.add_error(None, errors)


costs_current = current_home_redirect("costs:home-costs", "The costs page of the current home.")


@login_required
@require_GET
def costs_page(request: HttpRequest, home_id: int) -> HttpResponse:
    """This month so far (or ``?month=YYYY-MM``, a past local month in full) by device, window and day."""
    home = get_home_for(request.user, home_id)
    real_now = timezone.now()
    this_month = real_now.astimezone(home.zone).date().replace(day=1)
    month = _month(request.GET.get("month"), this_month)
    month_start, month_end = costs.month_bounds(month, home)
    # A past month is the month "so far" as seen from its last instant: the whole month.
    overview = costs.month_overview(home=home, now=min(real_now, month_end - timedelta(microseconds=1)))
    start, now = overview.this_month.start, overview.this_month.end
    context = {
        "home": home,
        "overview": overview,
        "is_current_month": month == this_month,
        "previous_month": (month_start.astimezone(home.zone).date() - timedelta(days=1)).replace(day=1),
        "next_month": month_end.astimezone(home.zone).date() if month < this_month else None,
        "by_device": costs.cost_by_device(home=home, start=start, end=now),
        "by_window": costs.cost_by_window(home=home, start=start, end=now),
        "balance": period_balance(home=home, start=start, end=now),
        "chart": _cost_chart(home, costs.daily_costs(home=home, start=start, end=now)),
        "has_tariff": home.tariffs.exists(),
        "can_edit": can_administer(request.user, home),
        "has_flow": has_flow_devices(home),
    }
    return render(request, "costs/costs.html", context)


def _month(raw: str | None, default: date) -> date:
    """``YYYY-MM`` → its first day; anything else, or a future month, → ``default`` (the current month)."""
    try:
        month = date.fromisoformat(f"{raw}-01") if raw else default
    except ValueError:
        return default
    return min(month, default)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_GET
def energy_flow_page(request: HttpRequest, home_id: int) -> HttpResponse:
    """?period=<preset>|custom&start=&end= (local dates): the Sankey of a period and self-sufficiency over time."""
    home = get_home_for(request.user, home_id)
    context = {"home": home, "has_flow": has_flow_devices(home), "presets": PRESETS}
    if context["has_flow"]:
        params = request.GET
        period = period_for(
            home, params.get("period") or "this-month", first=_day(params.get("start")), last=_day(params.get("end"))
        )
        today = timezone.now().astimezone(home.zone).date()
        end = min(period.end, local_midnight(today + timedelta(days=1), home))  # no empty future days
        end = max(end, local_midnight(period.first_day + timedelta(days=1), home))
        flow = energy_flow(home=home, start=period.start, end=end)
        context |= {"period": period, "flow": flow, "sankey": None, "sufficiency": None}
        if flow.has_flow:
            context["sankey"] = flow_sankey_figure([(f.source, f.target, f.energy_wh) for f in flow.links])
            if flow.step == "hour":
                xs = [local_iso(s.start, home) for s in flow.steps]
            else:
                xs = [s.start.astimezone(home.zone).date().isoformat() for s in flow.steps]
            x_type = "date" if flow.step == "hour" else "category"
            values = [s.self_sufficiency_pct for s in flow.steps]
            context["sufficiency"] = self_sufficiency_figure(xs, values, x_type=x_type, soc=flow.soc_pct)
    return render(request, "costs/flow.html", context)


def _cost_chart(home: Home, days: dict[date, dict]) -> dict | None:
    """Stacked bars per local day: import cost by window, standing charge, export credit below zero.

    Returned as plotly JSON data for ``json_script``; static/js/charts.js draws it (as the
    history and dashboard charts) with the local plotly.min.js.
    """
    if not days:
        return None
    labels = [d.isoformat() for d in days]
    windows = sorted({k for parts in days.values() for k in parts} - {"export", "standing"})
    money = "%{y:,.2f} " + home.currency_symbol
    figure = go.Figure()
    for window in windows:
        values = [round(float(parts.get(window, 0)), 4) for parts in days.values()]
        figure.add_bar(x=labels, y=values, name=window, hovertemplate=money + f"<extra>{window}</extra>")
    standing = [round(float(p["standing"]), 4) for p in days.values()]
    figure.add_bar(x=labels, y=standing, name="Standing charge", hovertemplate=money + "<extra>Standing</extra>")
    credit = [-round(float(p["export"]), 4) for p in days.values()]
    if any(credit):
        figure.add_bar(
            x=labels, y=credit, name="Export credit", meta="solar", hovertemplate=money + "<extra>Export</extra>"
        )
    figure.update_layout(
        barmode="relative",
        height=320,
        margin={"l": 56, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        yaxis={"title": {"text": f"Cost ({home.currency_symbol})"}, "tickformat": ",.2f"},
        xaxis={"type": "category", "title": {"text": "Day"}},
    )
    return json.loads(pio.to_json(figure, validate=False))


@login_required
@require_GET
def tariff_list(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    tariffs = home.tariffs.prefetch_related("windows").order_by("-effective_from")
    context = {"home": home, "tariffs": tariffs, "can_edit": can_administer(request.user, home)}
    return render(request, "costs/tariffs.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def tariff_edit(request: HttpRequest, home_id: int, tariff_id: int | None = None) -> HttpResponse:
    """Create (no ``tariff_id``) or edit a tariff and its time-of-use windows. Owners and managers only."""
    home = get_home_for_admin(request.user, home_id)
    tariff = get_object_or_404(Tariff, home=home, pk=tariff_id) if tariff_id else None
    if request.method == "POST":
        form = TariffForm(request.POST, instance=tariff, currency_symbol=home.currency_symbol)
        formset = WindowFormSet(request.POST, prefix="windows")
        is_tou = request.POST.get("kind") == Tariff.Kind.TIME_OF_USE
        windows_ok = formset.is_valid() if is_tou else True  # validate both, so every error shows
        if form.is_valid() and windows_ok:
            windows = formset.windows() if is_tou else []
            try:
                saved = services.save_tariff(home=home, tariff=tariff, windows=windows, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc, formset)
            else:
                messages.success(request, f"Saved {saved.name}. Costs from {saved.effective_from} are being updated.")
                url = reverse("costs:tariff-list", args=[home.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        status = 400
    else:
        kind = request.GET.get("kind") if request.GET.get("kind") in Tariff.Kind.values else Tariff.Kind.FLAT
        initial = {"kind": kind, "effective_from": timezone.now().astimezone(home.zone).date()}
        form = TariffForm(instance=tariff, initial=initial, currency_symbol=home.currency_symbol)
        formset = WindowFormSet(initial=window_initial(tariff) if tariff else _default_windows(), prefix="windows")
        status = 200
    context = {"home": home, "tariff": tariff, "form": form, "formset": formset}
    template = "costs/tariff_form.html#editor" if request.htmx else "costs/tariff_form.html"
    return render(request, template, context, status=200 if request.htmx else status)


def _default_windows() -> list[dict]:
    return [
        {"name": "Off-peak", "start_time": "22:00", "end_time": "07:00", "days": "all", "price_per_kwh": None},
        {"name": "Peak", "start_time": "07:00", "end_time": "22:00", "days": "all", "price_per_kwh": None},
    ]


@login_required
@require_POST
def tariff_delete(request: HttpRequest, home_id: int, tariff_id: int) -> HttpResponse:
    home = get_home_for_admin(request.user, home_id)
    tariff = get_object_or_404(Tariff, home=home, pk=tariff_id)
    services.delete_tariff(tariff=tariff)
    messages.success(request, f"Deleted {tariff.name}.")
    return redirect("costs:tariff-list", home_id=home.pk)


@login_required
@require_http_methods(["GET", "POST"])
def tariff_prices(request: HttpRequest, home_id: int, tariff_id: int) -> HttpResponse:
    """Upload a CSV of dynamic prices for a tariff. Owners and managers only."""
    home = get_home_for_admin(request.user, home_id)
    tariff = get_object_or_404(Tariff, home=home, pk=tariff_id, kind=Tariff.Kind.DYNAMIC)
    form = PriceCsvForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_price_csv(tariff=tariff, text=form.cleaned_data["file"])
        except ValidationError as exc:
            _apply_errors(form, exc)
    points = tariff.price_points.order_by("start")
    context = {
        "home": home,
        "tariff": tariff,
        "form": form,
        "result": result,
        "point_count": points.count(),
        "first_point": points.first(),
        "last_point": points.last(),
    }
    template = "costs/tariff_prices.html#upload" if request.htmx else "costs/tariff_prices.html"
    return render(request, template, context, status=400 if form.errors and not request.htmx else 200)


@login_required
@require_GET
def bill_check(request: HttpRequest, home_id: int) -> HttpResponse:
    """Compare a bill (period, kWh, amount) with our figures. Read-only: any member may use it."""
    home = get_home_for(request.user, home_id)
    form = BillCheckForm(request.GET or None, currency_symbol=home.currency_symbol)
    check = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        check = costs.bill_check(home=home, **data)
    context = {"home": home, "form": form, "check": check, "action": reverse("costs:bill-check", args=[home.pk])}
    return render(request, "costs/bill_check.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def period_cost(request: HttpRequest, home_id: int) -> HttpResponse:
    """The cost of a history period (same ?period=&start=&end= as the history page) beside its energy.

    A fragment the history page (and, for today, the dashboard) loads with htmx; the previous period
    is cut at the same elapsed point. ``link=0`` leaves out the link to the costs page.
    """
    home = get_home_for(request.user, home_id)
    params = request.GET
    period = period_for(
        home, params.get("period") or "today", first=_day(params.get("start")), last=_day(params.get("end"))
    )
    context = {
        "home": home,
        "period": period,
        "has_tariff": home.tariffs.exists(),
        "show_link": params.get("link") != "0",
    }
    if context["has_tariff"]:
        now = timezone.now()
        end = min(period.end, now)
        previous = previous_period(home, period)
        previous_end = min(previous.end, previous.start + (end - period.start)) if period.end > now else previous.end
        current = costs.cost_summary(home=home, start=period.start, end=max(end, period.start))
        before = costs.cost_summary(home=home, start=previous.start, end=max(previous_end, previous.start))
        context |= {
            "cost": current,
            "previous": before,
            "previous_period": previous,
            "to_date": period.end > now,
            "change_pct": percent_change(float(current.total), float(before.total)),
        }
    return render(request, "history/_cost.html", context)

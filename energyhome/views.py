"""Project-level pages: the dashboard shell and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from analytics.charts import balance_figure
from analytics.costs import month_overview
from analytics.insight_accuracy import forecast_accuracy
from analytics.selectors import dashboard as dashboard_for
from energyhome.health import check_all


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The current home's dashboard: power now, energy, device tiles, 24 h chart (live over a websocket)."""
    home = request.home
    if not home:
        return redirect("accounts:home-create")
    summary = dashboard_for(home)
    context = {
        "home": home,
        "dash": summary,
        "chart": balance_figure(summary.chart, summary.shape) if summary.shape.has_devices else None,
        "live_url": f"/ws/homes/{home.pk}/live/?view=dashboard",
        "costs": month_overview(home=home, now=timezone.now()) if home.tariffs.exists() else None,
        "accuracy": forecast_accuracy(home) if summary.shape.has_devices else None,
    }
    return render(request, "dashboard.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = check_all()
    down = [name for name, state in checks.items() if not state["ok"]]
    body = {"status": "ok" if not down else "down", "down": down, "checks": checks}
    response = JsonResponse(body, status=503 if down else 200)
    if down:
        response["Retry-After"] = "30"
    return response

"""The Insights and Alerts pages: forecast after the history, anomalies, standby, recommendations;
alerts with their rules.

Reads come from the stored forecasts and anomalies (analytics.insight_services writes them),
analytics.standby and the rollups; dismiss and snooze go through insight_services and answer
htmx with the updated recommendations fragment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import plotly.graph_objects as go
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import WRITE_ROLES, Home
from accounts.selectors import get_home_for, get_home_for_write, role_in
from analytics import insight_services
from analytics.charts import BASE_LAYOUT, as_json_data
from analytics.forecasts import MODEL_LABELS, forecast_cost, hourly_energy_series, local_midnight_before
from analytics.insight_actions import MEASURE_MIN_DAYS, act_on_recommendation, action_offer
from analytics.models import Alert, AlertRule, Anomaly, Forecast, Recommendation
from analytics.recommendations import visible_recommendations
from analytics.selectors import CONSUMER
from analytics.standby import standby
from devices.models import Device
from energyhome.forms import apply_validation_errors
from energyhome.navigation import current_home_redirect

HISTORY_DAYS = 28

insights_current = current_home_redirect("insights:home-insights", "The Insights page of the current home.")
alerts_current = current_home_redirect("insights:home-alerts", "The Alerts page of the current home.")


def _daily_history(home: Home, device: Device | None, now: datetime) -> list[tuple[str, float | None]]:
    """(local date, kWh) of the home's consumption (or ``device``'s) for the HISTORY_DAYS days before today."""
    end = local_midnight_before(now, home.zone)
    series = hourly_energy_series(home, device=device, start=end - timedelta(days=HISTORY_DAYS), end=end)
    days: dict[str, float] = {}
    for index, value in enumerate(series.values):
        key = series.local(index).date().isoformat()
        days.setdefault(key, 0.0)
        if value is not None:
            days[key] += value / 1000
    return list(days.items())


def forecast_figure(history: list[tuple[str, float | None]], forecast: Forecast, zone) -> dict:
    """Daily kWh: the history as a solid line, the forecast as a dashed line after it inside its 80 % band."""
    xs = [datetime.fromisoformat(p[0]).astimezone(zone).date().isoformat() for p in forecast.points]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=xs, y=[round(p[3] / 1000, 2) for p in forecast.points], mode="lines",
                                line={"width": 0}, showlegend=False, hoverinfo="skip", meta="band-high"))  # fmt: skip
    figure.add_trace(go.Scatter(x=xs, y=[round(p[2] / 1000, 2) for p in forecast.points], mode="lines",
                                line={"width": 0}, fill="tonexty", name="80 % band", meta="band",
                                hovertemplate="%{y:,.1f} kWh<extra>80 % band</extra>"))  # fmt: skip
    figure.add_trace(
        go.Scatter(x=[d for d, _ in history], y=[None if v is None else round(v, 2) for d, v in history],
                   mode="lines+markers", name="Actual", meta="consumption",
                   hovertemplate="%{y:,.1f} kWh<extra>Actual</extra>")
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(x=xs, y=[round(p[1] / 1000, 2) for p in forecast.points], mode="lines",
                   line={"dash": "dash", "width": 2}, name="Forecast", meta="forecast",
                   hovertemplate="%{y:,.1f} kWh<extra>Forecast</extra>")
    )  # fmt: skip
    figure.update_layout(**BASE_LAYOUT, height=340, yaxis={"title": {"text": "Energy per day (kWh)"}},
                         xaxis={"type": "date"})  # fmt: skip
    return as_json_data(figure)


def _recommendation_context(request: HttpRequest, home: Home, now: datetime) -> dict:
    """Open advice (each with its one-click offer, if any) and advice acted on with its realised saving."""
    acted = list(
        Recommendation.objects.filter(home=home, action__isnull=False).select_related("action", "action__rule")
    )
    shown = [r for r in visible_recommendations(home, now=now) if r.pk not in {a.pk for a in acted}]
    return {
        "home": home,
        "recommendations": [(r, action_offer(r, now=now)) for r in shown],
        "acted": acted,
        "measure_min_days": MEASURE_MIN_DAYS,
        "can_edit": role_in(request.user, home) in WRITE_ROLES,
    }


def _forecast_context(home: Home, device: Device | None, now: datetime) -> dict:
    """The stored 30-day forecast of ``device`` (None: the home) with its chart, total and cost."""
    rows = {f.granularity: f for f in Forecast.objects.filter(home=home, device=device, horizon_days=30)}
    forecast, hourly = rows.get("day"), rows.get("hour")
    ready = forecast is not None and forecast.status == Forecast.Status.READY
    return {
        "forecast": forecast,
        "model_label": MODEL_LABELS.get(forecast.model, forecast.model) if forecast else "",
        "figure": forecast_figure(_daily_history(home, device, now), forecast, home.zone) if ready else None,
        "forecast_kwh": sum(p[1] for p in forecast.points) / 1000 if ready else None,
        "forecast_cost": forecast_cost(home, hourly.points) if ready and hourly else None,
    }


@login_required
@require_GET
def insights_page(request: HttpRequest, home_id: int) -> HttpResponse:
    """?device=<id> shows that device's forecast (an unknown id: the whole home's)."""
    home = get_home_for(request.user, home_id)
    now = timezone.now()
    devices = list(home.devices.filter(is_active=True, type__category=CONSUMER).order_by("name"))
    device = next((d for d in devices if str(d.pk) == request.GET.get("device")), None)
    context = {
        **_recommendation_context(request, home, now),
        **_forecast_context(home, device, now),
        "devices": devices,
        "device": device,
        "anomalies": Anomaly.objects.filter(home=home).select_related("device")[:20],
        "standby": standby(home, now=now),
    }
    return render(request, "insights/insights.html", context)


def _write(request: HttpRequest, home_id: int, recommendation_id: int) -> tuple[Home, Recommendation]:
    home = get_home_for_write(request.user, home_id)
    recommendation = Recommendation.objects.filter(home=home, pk=recommendation_id).first()
    if recommendation is None:
        raise Http404("No such recommendation")
    return home, recommendation


def _after_write(request: HttpRequest, home: Home) -> HttpResponse:
    if request.htmx:
        return render(request, "insights/_recommendations.html", _recommendation_context(request, home, timezone.now()))
    return redirect("insights:home-insights", home_id=home.pk)


@login_required
@require_POST
def dismiss(request: HttpRequest, home_id: int, recommendation_id: int) -> HttpResponse:
    home, recommendation = _write(request, home_id, recommendation_id)
    insight_services.dismiss_recommendation(recommendation=recommendation)
    return _after_write(request, home)


@login_required
@require_POST
def snooze(request: HttpRequest, home_id: int, recommendation_id: int) -> HttpResponse:
    home, recommendation = _write(request, home_id, recommendation_id)
    try:
        days = int(request.POST.get("days", insight_services.SNOOZE_DAYS))
        insight_services.snooze_recommendation(recommendation=recommendation, days=days)
    except ValueError:
        return HttpResponse("days: snooze for 1 to 90 days", status=400, content_type="text/plain")
    return _after_write(request, home)


@login_required
@require_POST
def act(request: HttpRequest, home_id: int, recommendation_id: int) -> HttpResponse:
    """The one-click action (a schedule through devices.rules); 400 naming the field when there is none."""
    home, recommendation = _write(request, home_id, recommendation_id)
    try:
        act_on_recommendation(recommendation=recommendation, user=request.user)
    except ValidationError as exc:
        text = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return HttpResponse(text, status=400, content_type="text/plain")
    return _after_write(request, home)


# --- alerts --------------------------------------------------------------------------------------


class AlertRuleForm(forms.Form):
    """Renders the rule fields; the rules themselves live in insight_services.create_alert_rule."""

    kind = forms.ChoiceField(choices=AlertRule.Kind.choices, label="Alert me when")
    device = forms.ChoiceField(required=False, label="Device")
    threshold = forms.CharField(required=False, label="Threshold", help_text="W, kWh or money, as the kind says")
    minutes = forms.CharField(required=False, label="Minutes", help_text="For power and offline alerts")
    email = forms.BooleanField(required=False, initial=True, label="Also email me")

    def __init__(self, *args, home: Home, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        devices = home.devices.filter(is_active=True).order_by("name").values_list("pk", "name")
        self.fields["device"].choices = [("", "The whole home"), *devices]


def _alerts_context(request: HttpRequest, home: Home, form: AlertRuleForm | None = None) -> dict:
    alerts = Alert.objects.filter(home=home).select_related("rule")
    return {
        "home": home,
        "open_alerts": alerts.filter(status=Alert.Status.OPEN),
        "resolved_alerts": alerts.filter(status=Alert.Status.RESOLVED)[:20],
        "unread": alerts.filter(status=Alert.Status.OPEN, read_at__isnull=True).count(),
        "rules": AlertRule.objects.filter(home=home).select_related("device"),
        "form": form or AlertRuleForm(home=home),
        "can_edit": role_in(request.user, home) in WRITE_ROLES,
    }


@login_required
@require_GET
def alerts_page(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    return render(request, "insights/alerts.html", _alerts_context(request, home))


@login_required
@require_POST
def alert_rule_create(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for_write(request.user, home_id)
    form = AlertRuleForm(request.POST, home=home)
    form.is_valid()  # cleans for redisplay; the service decides what is valid
    data = request.POST
    try:
        insight_services.create_alert_rule(
            home=home,
            kind=data.get("kind", ""),
            device_id=data.get("device") or None,
            threshold=data.get("threshold"),
            minutes=data.get("minutes"),
            email=data.get("email") in {"on", "true", "1"},
            created_by=request.user,
        )
    except ValidationError as exc:
        form.errors.clear()
        apply_validation_errors(form, exc)
        return render(request, "insights/alerts.html", _alerts_context(request, home, form), status=400)
    return redirect("insights:home-alerts", home_id=home.pk)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, home_id: int, alert_id: int) -> HttpResponse:
    home = get_home_for_write(request.user, home_id)
    alert = Alert.objects.filter(home=home, pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert")
    insight_services.acknowledge_alert(alert=alert)
    return redirect("insights:home-alerts", home_id=home.pk)


def alerts_badge(request: HttpRequest) -> dict:
    """Template context: ``unread_alerts``, the open alerts of the current home nobody has read yet
    (the header's count). Membership is the current home's, which accounts.context_processors checked."""
    user, home = getattr(request, "user", None), getattr(request, "home", None)
    if user is None or not user.is_authenticated or not home:
        return {}
    unread = Alert.objects.filter(home_id=home.pk, status=Alert.Status.OPEN, read_at__isnull=True).count()
    return {"unread_alerts": unread}

"""The insights API (/api/v1/homes/<id>/...): forecasts, anomalies, recommendations (dismiss,
snooze, act), alerts (acknowledge), alert rules (CRUD) and the weekly report.

Thin DRF views, as analytics/api.py: ``get_home_for`` on reads (a non-member gets 404 like a
missing home), ``get_home_for_write`` on writes (a viewer gets 403); an object of another home
answers 404. Rules live in analytics.insight_services / insight_actions / reports, whose
``ValidationError`` becomes a 400 naming the field in the API's one error format. Lists are
paginated (``?page=&page_size=``). Energy in Wh (kWh where named), money as decimal strings in
the home's currency, datetimes ISO 8601 UTC, report weeks in the home's time zone.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import get_home_for, get_home_for_write
from analytics import insight_services, reports
from analytics.api import _paginated
from analytics.insight_actions import act_on_recommendation
from analytics.insight_api_serializers import (
    AlertRuleInSerializer,
    AlertRulePatchSerializer,
    AlertRuleSerializer,
    AlertSerializer,
    AnomalySerializer,
    ForecastSerializer,
    RecommendationSerializer,
    SnoozeInSerializer,
    WeeklyReportSerializer,
)
from analytics.models import Alert, AlertRule, Anomaly, Forecast, Recommendation
from energyhome.api_pagination import PAGE_PARAMETERS, paginated
from energyhome.api_schema import errors

TAGS = ["insights"]


def _choice(request: Request, name: str, choices) -> str | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in choices:
        raise ValidationError({name: f"{value!r} is not one of {', '.join(map(str, choices))}."})
    return value


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: "Give a whole number (an id)."}) from None


def _page(item: dict, name: str) -> OpenApiExample:
    return OpenApiExample(
        name, value={"count": 1, "next": None, "previous": None, "results": [item]}, response_only=True
    )


ANOMALY_EXAMPLE = {
    "id": 7, "device": 3, "device_name": "Heat pump", "kind": "usually_off", "start": "2026-11-25T02:00:00Z",
    "end": "2026-11-25T04:00:00Z", "unit": "W", "observed": 3100.0, "expected": 120.0, "expected_low": 0.0,
    "expected_high": 900.0, "score": 14.2, "detected_at": "2026-11-26T01:40:00Z",
}  # fmt: skip
RECOMMENDATION_EXAMPLE = {
    "id": 4, "device": 5, "kind": "shift_load", "title": "Run the wallbox in off-peak hours",
    "reason": "In the last 28 days it used 56.0 kWh at prices above the cheapest ...", "saving_kwh_month": 60.0,
    "saving_month": "9.000000", "currency": "EUR", "status": "open", "snoozed_until": None, "is_current": True,
    "evaluated_at": "2026-11-30T03:10:00Z", "action": None,
}  # fmt: skip
ALERT_EXAMPLE = {
    "id": 12, "rule": 2, "cause": "power", "status": "open", "title": "Heat pump above 2000 W",
    "message": "Heat pump has drawn more than 2000 W for 10 minutes (at least 2480 W).", "value": 2480.0,
    "opened_at": "2026-12-01T18:02:00Z", "resolved_at": None, "read_at": None, "emailed_at": "2026-12-01T18:02:05Z",
}  # fmt: skip
RULE_EXAMPLE = {
    "id": 2, "kind": "power_above", "device": 3, "threshold": "2000.000", "minutes": 10, "email": True,
    "is_active": True, "created_at": "2026-11-20T10:00:00Z",
}  # fmt: skip
FORECAST_EXAMPLE = {
    "id": 1, "device": None, "granularity": "day", "horizon_days": 7, "status": "ready", "message": "",
    "model": "week_profile", "origin": "2026-11-30T23:00:00Z", "history_days": 91, "needs_days": 14,
    "mape_pct": 8.1, "mase": 0.72, "baseline_mape_pct": 11.4, "baseline_mase": 1.0,
    "points": [{"start": "2026-11-30T23:00:00+00:00", "energy_wh": 9100.0, "low_wh": 7800.0, "high_wh": 10400.0}],
    "computed_at": "2026-12-01T02:40:00Z",
}  # fmt: skip
REPORT_EXAMPLE = {
    "week_start": "2026-11-23", "week_end": "2026-11-29", "start": "2026-11-22T23:00:00Z",
    "end": "2026-11-29T23:00:00Z", "kwh": 281.7, "previous_kwh": 256.8, "change_pct": 9.7, "cost": "63.61",
    "previous_cost": "51.83", "cost_change_pct": 22.7, "currency": "EUR", "has_costs": True,
    "days": [{"label": "Mon", "kwh": 38.2, "previous_kwh": 35.0}],
    "top_devices": [{"device_id": 5, "name": "Heat pump", "kwh": 104.6, "cost": "30.90", "share_pct": 37.1}],
    "anomalies": [ANOMALY_EXAMPLE], "recommendations": [RECOMMENDATION_EXAMPLE],
}  # fmt: skip


# --- forecasts and anomalies ---------------------------------------------------------------------


class ForecastListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Stored forecasts of the home and its devices (recomputed nightly)",
        description="Hourly and daily points for 7 and 30 days with the 80 % band and the model's back-test "
        "error (MAPE, MASE against the seasonal-naive baseline). A short history gives `status` "
        '"insufficient" and a `message` saying how many days it needs.',
        parameters=[
            OpenApiParameter("device", OpenApiTypes.INT, description="Only this device's; `0`: the whole home's."),
            OpenApiParameter("granularity", OpenApiTypes.STR, enum=Forecast.Granularity.values),
            OpenApiParameter("horizon_days", OpenApiTypes.INT, enum=[7, 30]),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(ForecastSerializer), **errors(400, 401, 404)},
        examples=[_page(FORECAST_EXAMPLE, "a daily home forecast")],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        rows = Forecast.objects.filter(home=home).order_by("device_id", "granularity", "horizon_days", "pk")
        device = _int_param(request, "device")
        if device is not None:
            rows = rows.filter(device__isnull=True) if device == 0 else rows.filter(device_id=device)
        if granularity := _choice(request, "granularity", Forecast.Granularity.values):
            rows = rows.filter(granularity=granularity)
        if horizon := _choice(request, "horizon_days", ["7", "30"]):
            rows = rows.filter(horizon_days=int(horizon))
        return _paginated(self, request, rows, ForecastSerializer)


class AnomalyListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Anomalies found in the home's devices, newest first",
        parameters=[OpenApiParameter("device", OpenApiTypes.INT, description="Only this device's."), *PAGE_PARAMETERS],
        responses={200: paginated(AnomalySerializer), **errors(400, 401, 404)},
        examples=[_page(ANOMALY_EXAMPLE, "a night-time load")],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        rows = Anomaly.objects.filter(home=home).select_related("device").order_by("-start", "-pk")
        if (device := _int_param(request, "device")) is not None:
            rows = rows.filter(device_id=device)
        return _paginated(self, request, rows, AnomalySerializer)


# --- recommendations -----------------------------------------------------------------------------


def _recommendation(home, recommendation_id: int) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("home", "device__type"), home=home, pk=recommendation_id
    )


class RecommendationListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The home's recommendations, largest saving first",
        description="Every recommendation the weekly evaluation found, with `status` (open, snoozed, dismissed) "
        "and, once acted on, the action with its realised saving beside the estimate.",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Recommendation.Status.values), *PAGE_PARAMETERS],
        responses={200: paginated(RecommendationSerializer), **errors(400, 401, 404)},
        examples=[_page(RECOMMENDATION_EXAMPLE, "move a load")],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        rows = Recommendation.objects.filter(home=home).order_by("-saving_month", "pk")
        if state := _choice(request, "status", Recommendation.Status.values):
            rows = rows.filter(status=state)
        return _paginated(self, request, rows, RecommendationSerializer)


class RecommendationDismissView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Dismiss a recommendation for good (members)",
        request=None,
        responses={200: RecommendationSerializer, **errors(401, 403, 404)},
        examples=[OpenApiExample("dismissed", value={**RECOMMENDATION_EXAMPLE, "status": "dismissed"})],
    )
    def post(self, request: Request, home_id: int, recommendation_id: int) -> Response:
        home = get_home_for_write(request.user, home_id)
        recommendation = insight_services.dismiss_recommendation(
            recommendation=_recommendation(home, recommendation_id)
        )
        return Response(RecommendationSerializer(recommendation).data)


class RecommendationSnoozeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Hide a recommendation for some days (members)",
        request=SnoozeInSerializer,
        responses={200: RecommendationSerializer, **errors(400, 401, 403, 404)},
        examples=[OpenApiExample("a week", value={"days": 7}, request_only=True)],
    )
    def post(self, request: Request, home_id: int, recommendation_id: int) -> Response:
        home = get_home_for_write(request.user, home_id)
        recommendation = _recommendation(home, recommendation_id)
        incoming = SnoozeInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            insight_services.snooze_recommendation(recommendation=recommendation, days=incoming.validated_data["days"])
        except ValueError as exc:
            raise ValidationError({"days": "Snooze for 1 to 90 days."}) from exc
        return Response(RecommendationSerializer(recommendation).data)


class RecommendationActView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Take the recommendation's one-click action (members)",
        description="For moving a load to off-peak hours on a device that accepts `set_power`: a daily schedule "
        "switching it on at the start of the cheapest hours. 400 on `recommendation` when it has no action or "
        "was acted on already. The realised saving is measured nightly afterwards.",
        request=None,
        responses={201: RecommendationSerializer, **errors(400, 401, 403, 404)},
        examples=[OpenApiExample("scheduled", value=RECOMMENDATION_EXAMPLE, status_codes=[201], response_only=True)],
    )
    def post(self, request: Request, home_id: int, recommendation_id: int) -> Response:
        home = get_home_for_write(request.user, home_id)
        recommendation = _recommendation(home, recommendation_id)
        act_on_recommendation(recommendation=recommendation, user=request.user)
        return Response(RecommendationSerializer(recommendation).data, status=status.HTTP_201_CREATED)


# --- alerts --------------------------------------------------------------------------------------


class AlertListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The home's alerts, newest first",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Alert.Status.values),
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only alerts nobody acknowledged yet."),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(AlertSerializer), **errors(400, 401, 404)},
        examples=[_page(ALERT_EXAMPLE, "an open power alert")],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        rows = Alert.objects.filter(home=home).order_by("-opened_at", "-pk")
        if state := _choice(request, "status", Alert.Status.values):
            rows = rows.filter(status=state)
        if unread := _choice(request, "unread", ["true", "false"]):
            rows = rows.filter(read_at__isnull=unread == "true")
        return _paginated(self, request, rows, AlertSerializer)


class AlertAcknowledgeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Mark an alert read (members); it stays open until its condition clears",
        request=None,
        responses={200: AlertSerializer, **errors(401, 403, 404)},
        examples=[OpenApiExample("read", value={**ALERT_EXAMPLE, "read_at": "2026-12-01T18:10:00Z"})],
    )
    def post(self, request: Request, home_id: int, alert_id: int) -> Response:
        home = get_home_for_write(request.user, home_id)
        alert = insight_services.acknowledge_alert(alert=get_object_or_404(Alert, home=home, pk=alert_id))
        return Response(AlertSerializer(alert).data)


def _rule_kwargs(data: dict) -> dict:
    names = {"device": "device_id", "kind": "kind", "threshold": "threshold", "minutes": "minutes"}
    names |= {"email": "email", "is_active": "is_active"}
    return {names[k]: v for k, v in data.items() if k in names}


RULE_IN_EXAMPLE = OpenApiExample(
    "power above 2 kW for 10 minutes",
    value={"kind": "power_above", "device": 3, "threshold": "2000", "minutes": 10, "email": True},
    request_only=True,
)


class AlertRuleListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The home's alert rules",
        operation_id="homes_alert_rules_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(AlertRuleSerializer), **errors(401, 404)},
        examples=[_page(RULE_EXAMPLE, "a power rule")],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        return _paginated(self, request, AlertRule.objects.filter(home=home).order_by("pk"), AlertRuleSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Add an alert rule (members)",
        description="`threshold` is W (power_above), kWh (daily_energy_above) or money (daily_cost_above, "
        "monthly_budget); `minutes` for power_above and device_offline, which also need a `device`. A rule "
        "that makes no sense (negative minutes, an unknown device, a budget of zero) is a 400 naming the field.",
        request=AlertRuleInSerializer,
        responses={201: AlertRuleSerializer, **errors(400, 401, 403, 404)},
        examples=[
            RULE_IN_EXAMPLE,
            OpenApiExample("created", value=RULE_EXAMPLE, status_codes=[201], response_only=True),
        ],
    )
    def post(self, request: Request, home_id: int) -> Response:
        home = get_home_for_write(request.user, home_id)
        incoming = AlertRuleInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = _rule_kwargs(dict(incoming.validated_data))
        is_active = data.pop("is_active", True)
        rule = insight_services.create_alert_rule(home=home, created_by=request.user, **data)
        if not is_active:
            rule = insight_services.update_alert_rule(rule=rule, is_active=False)
        return Response(AlertRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class AlertRuleDetailView(APIView):
    def _rule(self, request: Request, home_id: int, rule_id: int, *, write: bool) -> AlertRule:
        home = (get_home_for_write if write else get_home_for)(request.user, home_id)
        return get_object_or_404(AlertRule.objects.select_related("home"), home=home, pk=rule_id)

    @extend_schema(
        tags=TAGS,
        summary="One alert rule",
        responses={200: AlertRuleSerializer, **errors(401, 404)},
        examples=[OpenApiExample("a power rule", value=RULE_EXAMPLE)],
    )
    def get(self, request: Request, home_id: int, rule_id: int) -> Response:
        return Response(AlertRuleSerializer(self._rule(request, home_id, rule_id, write=False)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change an alert rule (members); the fields given, validated as a whole rule",
        request=AlertRulePatchSerializer,
        responses={200: AlertRuleSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample("pause it", value={"is_active": False}, request_only=True),
            OpenApiExample("changed", value={**RULE_EXAMPLE, "is_active": False}, response_only=True),
        ],
    )
    def patch(self, request: Request, home_id: int, rule_id: int) -> Response:
        rule = self._rule(request, home_id, rule_id, write=True)
        incoming = AlertRulePatchSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        rule = insight_services.update_alert_rule(rule=rule, **_rule_kwargs(dict(incoming.validated_data)))
        return Response(AlertRuleSerializer(rule).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete an alert rule and its alerts (members)",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, home_id: int, rule_id: int) -> Response:
        insight_services.delete_alert_rule(rule=self._rule(request, home_id, rule_id, write=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- reports -------------------------------------------------------------------------------------


class WeeklyReportView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The weekly report: a local week's energy and cost against the week before",
        description="`week` is any day of the wanted week (YYYY-MM-DD, the home's Monday-to-Sunday week); "
        "default: the last whole week. The same figures as the Monday email.",
        parameters=[OpenApiParameter("week", OpenApiTypes.DATE)],
        responses={200: WeeklyReportSerializer, **errors(400, 401, 404)},
        examples=[OpenApiExample("a week", value=REPORT_EXAMPLE)],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        now = timezone.now()
        raw = request.query_params.get("week")
        try:
            week = date.fromisoformat(raw) if raw else reports.last_week_start(home, now)
        except ValueError:
            raise ValidationError({"week": "Give a date as YYYY-MM-DD."}) from None
        if not date(2000, 1, 3) <= week <= now.date() + timedelta(days=366):
            raise ValidationError({"week": "Give a week between 2000 and next year."})
        report = reports.weekly_report(home, week_start=week, now=now)
        return Response(WeeklyReportSerializer(report).data)

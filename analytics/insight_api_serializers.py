"""Serializers of the insights API (analytics/insight_api.py): shapes only; the rules live in
analytics.insight_services, insight_actions and reports, which name the bad field."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import Alert, AlertRule, Anomaly, Forecast, Recommendation, RecommendationAction


class ForecastSerializer(serializers.ModelSerializer):
    points = serializers.SerializerMethodField(help_text="Steps from `origin`: start (UTC), Wh and the 80 % band.")
    message = serializers.SerializerMethodField(help_text='"Not enough data yet (needs N days)" when insufficient.')

    class Meta:
        model = Forecast
        fields = [
            "id", "device", "granularity", "horizon_days", "status", "message", "model", "origin", "history_days",
            "needs_days", "mape_pct", "mase", "baseline_mape_pct", "baseline_mase", "points", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_points(self, obj: Forecast) -> list[dict]:
        return [{"start": p[0], "energy_wh": p[1], "low_wh": p[2], "high_wh": p[3]} for p in obj.points]

    def get_message(self, obj: Forecast) -> str:
        if obj.status == Forecast.Status.INSUFFICIENT:
            return f"Not enough data yet (needs {obj.needs_days} days, has {obj.history_days})."
        return ""


class AnomalySerializer(serializers.ModelSerializer):
    device_name = serializers.CharField(source="device.name", read_only=True)

    class Meta:
        model = Anomaly
        fields = [
            "id", "device", "device_name", "kind", "start", "end", "unit", "observed", "expected", "expected_low",
            "expected_high", "score", "detected_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecommendationAction
        fields = [
            "rule", "acted_at", "baseline_kwh_day", "baseline_price", "after_days", "after_kwh_day", "after_price",
            "realised_month", "measured_at",
        ]  # fmt: skip
        read_only_fields = fields


class RecommendationSerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField(help_text="The one-click action taken and its realised saving.")

    class Meta:
        model = Recommendation
        fields = [
            "id", "device", "kind", "title", "reason", "saving_kwh_month", "saving_month", "currency", "status",
            "snoozed_until", "is_current", "evaluated_at", "action",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ActionSerializer(allow_null=True))
    def get_action(self, obj: Recommendation) -> dict | None:
        action = RecommendationAction.objects.filter(recommendation=obj).first()
        return ActionSerializer(action).data if action else None


class SnoozeInSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=7, help_text="1 to 90 days.")


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id", "rule", "cause", "status", "title", "message", "value", "opened_at", "resolved_at", "read_at",
            "emailed_at",
        ]  # fmt: skip
        read_only_fields = fields


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = ["id", "kind", "device", "threshold", "minutes", "email", "is_active", "created_at"]
        read_only_fields = fields


class AlertRuleInSerializer(serializers.Serializer):
    """Types only: whether the fields make sense for the kind is insight_services' call."""

    kind = serializers.CharField(max_length=20)
    device = serializers.IntegerField(required=False, allow_null=True)
    threshold = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    minutes = serializers.IntegerField(required=False, allow_null=True)
    email = serializers.BooleanField(required=False, default=True)
    is_active = serializers.BooleanField(required=False, default=True)


class AlertRulePatchSerializer(AlertRuleInSerializer):
    kind = serializers.CharField(max_length=20, required=False)
    email = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class DayBarSerializer(serializers.Serializer):
    label = serializers.CharField()
    kwh = serializers.FloatField()
    previous_kwh = serializers.FloatField()


class TopDeviceSerializer(serializers.Serializer):
    device_id = serializers.IntegerField()
    name = serializers.CharField()
    kwh = serializers.FloatField()
    cost = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    share_pct = serializers.FloatField()


class WeeklyReportSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kwh = serializers.FloatField()
    previous_kwh = serializers.FloatField()
    change_pct = serializers.FloatField(allow_null=True)
    cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    previous_cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    cost_change_pct = serializers.FloatField(allow_null=True)
    currency = serializers.CharField()
    has_costs = serializers.BooleanField()
    days = DayBarSerializer(many=True)
    top_devices = TopDeviceSerializer(many=True)
    anomalies = AnomalySerializer(many=True)
    recommendations = RecommendationSerializer(many=True)

"""Routes of the insights API (under /api/v1/), added to analytics/api_urls.py."""

from __future__ import annotations

from django.urls import path

from analytics import insight_api

H = "homes/<int:home_id>/"
R = H + "recommendations/<int:recommendation_id>/"

urlpatterns = [
    path(H + "forecasts/", insight_api.ForecastListView.as_view(), name="api-forecast-list"),
    path(H + "anomalies/", insight_api.AnomalyListView.as_view(), name="api-anomaly-list"),
    path(H + "recommendations/", insight_api.RecommendationListView.as_view(), name="api-recommendation-list"),
    path(R + "dismiss/", insight_api.RecommendationDismissView.as_view(), name="api-recommendation-dismiss"),
    path(R + "snooze/", insight_api.RecommendationSnoozeView.as_view(), name="api-recommendation-snooze"),
    path(R + "act/", insight_api.RecommendationActView.as_view(), name="api-recommendation-act"),
    path(H + "alerts/", insight_api.AlertListView.as_view(), name="api-alert-list"),
    path(H + "alerts/<int:alert_id>/acknowledge/", insight_api.AlertAcknowledgeView.as_view(), name="api-alert-ack"),
    path(H + "alert-rules/", insight_api.AlertRuleListView.as_view(), name="api-alert-rule-list"),
    path(H + "alert-rules/<int:rule_id>/", insight_api.AlertRuleDetailView.as_view(), name="api-alert-rule-detail"),
    path(H + "reports/weekly/", insight_api.WeeklyReportView.as_view(), name="api-weekly-report"),
]

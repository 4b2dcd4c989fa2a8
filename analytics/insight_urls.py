"""Web pages of the insights: forecasts, anomalies, standby and recommendations."""

from __future__ import annotations

from django.urls import path

from analytics import insight_mail_views, insight_views

app_name = "insights"

urlpatterns = [
    path("insights/", insight_views.insights_current, name="insights"),
    path("homes/<int:home_id>/insights/", insight_views.insights_page, name="home-insights"),
    path("alerts/", insight_views.alerts_current, name="alerts"),
    path("homes/<int:home_id>/alerts/", insight_views.alerts_page, name="home-alerts"),
    path("homes/<int:home_id>/alerts/rules/", insight_views.alert_rule_create, name="alert-rule-create"),
    path(
        "homes/<int:home_id>/alerts/<int:alert_id>/acknowledge/",
        insight_views.alert_acknowledge,
        name="alert-acknowledge",
    ),
    path("reports/weekly/", insight_mail_views.weekly_report_current, name="weekly-report"),
    path("homes/<int:home_id>/reports/weekly/", insight_mail_views.weekly_report_page, name="home-weekly-report"),
    path("reports/unsubscribe/<str:token>/", insight_mail_views.unsubscribe, name="report-unsubscribe"),
    path("settings/notifications/", insight_mail_views.notification_settings, name="notification-settings"),
    path(
        "homes/<int:home_id>/recommendations/<int:recommendation_id>/dismiss/",
        insight_views.dismiss,
        name="recommendation-dismiss",
    ),
    path(
        "homes/<int:home_id>/recommendations/<int:recommendation_id>/act/",
        insight_views.act,
        name="recommendation-act",
    ),
    path(
        "homes/<int:home_id>/recommendations/<int:recommendation_id>/snooze/",
        insight_views.snooze,
        name="recommendation-snooze",
    ),
]

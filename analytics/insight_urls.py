"""Web pages of the insights: forecasts, anomalies, standby and recommendations."""

from __future__ import annotations

from django.urls import path

from analytics import insight_views

app_name = "insights"

urlpatterns = [
    path("insights/", insight_views.insights_current, name="insights"),
    path("homes/<int:home_id>/insights/", insight_views.insights_page, name="home-insights"),
    path(
        "homes/<int:home_id>/recommendations/<int:recommendation_id>/dismiss/",
        insight_views.dismiss,
        name="recommendation-dismiss",
    ),
    path(
        "homes/<int:home_id>/recommendations/<int:recommendation_id>/snooze/",
        insight_views.snooze,
        name="recommendation-snooze",
    ),
]

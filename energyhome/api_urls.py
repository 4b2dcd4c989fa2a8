"""Every /api/v1/ route, gathered from the apps."""

from __future__ import annotations

from django.urls import include, path

from telemetry.api import IngestView

urlpatterns: list = [
    path("ingest/", IngestView.as_view(), name="api-ingest"),
    # Device commands (devices/command_api*.py).
    path("", include("devices.command_api_urls")),
    # Tariffs, price points, summaries, balance (analytics/api*.py).
    path("", include("analytics.api_urls")),
]

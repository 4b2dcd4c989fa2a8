"""Every /api/v1/ route, gathered from the apps."""

from __future__ import annotations

from django.urls import path

from telemetry.api import IngestView

urlpatterns: list = [
    path("ingest/", IngestView.as_view(), name="api-ingest"),
]

"""Web pages of the telemetry app."""

from __future__ import annotations

app_name = "telemetry"

urlpatterns: list = []

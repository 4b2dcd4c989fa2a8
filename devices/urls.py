"""Web pages for devices."""

from __future__ import annotations

app_name = "devices"

urlpatterns: list = []

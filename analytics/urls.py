"""Web pages for history and analytics."""

from __future__ import annotations

app_name = "analytics"

urlpatterns: list = []

"""Web pages for tariffs, costs, energy balance and bill checks."""

from __future__ import annotations

app_name = "costs"

urlpatterns: list = []

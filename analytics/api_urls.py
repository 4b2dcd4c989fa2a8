"""API routes for tariffs, price points, summaries and the energy balance."""

from __future__ import annotations

urlpatterns: list = []

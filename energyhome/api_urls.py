"""Every /api/v1/ route, gathered from the apps."""

from __future__ import annotations

urlpatterns: list = []

"""API routes for device commands: the device side (poll, ack) and the user side (send, list, detail)."""

from __future__ import annotations

urlpatterns: list = []

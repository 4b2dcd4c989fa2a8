"""Websocket routes of every app, gathered in one list."""

from __future__ import annotations

from django.urls import path

from telemetry.consumers import LiveConsumer

websocket_urlpatterns: list = [
    path("ws/homes/<int:home_id>/live/", LiveConsumer.as_asgi(), name="ws-home-live"),
]

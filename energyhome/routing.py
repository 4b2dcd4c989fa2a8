"""Websocket routes of every app, gathered in two lists.

``websocket_urlpatterns``: the web pages' sockets (session cookie, Origin checked in asgi.py).
``api_websocket_urlpatterns``: the app's sockets, authenticated by access token only.
"""

from __future__ import annotations

from django.urls import path

from energyhome.api_auth import AccessTokenAuthMiddleware
from telemetry.consumers import LiveConsumer
from telemetry.stream import StreamConsumer

websocket_urlpatterns: list = [
    path("ws/homes/<int:home_id>/live/", LiveConsumer.as_asgi(), name="ws-home-live"),
]

api_websocket_urlpatterns: list = [
    path("ws/api/v1/stream/", AccessTokenAuthMiddleware(StreamConsumer.as_asgi()), name="ws-api-stream"),
]

"""Every /api/v1/ route, gathered from the apps.

App authentication lives at /_allauth/app/v1/ (allauth headless, see energyhome/api_auth.py).
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import HomeDetailView, HomeListView, MeView
from devices.api import (
    DeviceDetailView,
    DeviceKeyListView,
    DeviceKeyRevokeView,
    DeviceKeyRotateView,
    DeviceListView,
    DeviceStatusView,
    DeviceTypeListView,
    RoomListView,
)
from energyhome.api_errors import not_found
from energyhome.api_throttling import DeviceKeyRateThrottle
from telemetry.api import IngestView
from telemetry.api_read import EnergyView, PowerView, ReadingListView

urlpatterns: list = [
    path("ingest/", IngestView.as_view(throttle_classes=[DeviceKeyRateThrottle]), name="api-ingest"),
    # Device commands (devices/command_api*.py).
    path("", include("devices.command_api_urls")),
    # Tariffs, price points, summaries, balance (analytics/api*.py).
    path("", include("analytics.api_urls")),
    path("me/", MeView.as_view(), name="api-me"),
    path("homes/", HomeListView.as_view(), name="api-home-list"),
    path("homes/<int:home_id>/", HomeDetailView.as_view(), name="api-home-detail"),
    path("homes/<int:home_id>/rooms/", RoomListView.as_view(), name="api-home-rooms"),
    path("homes/<int:home_id>/readings/", ReadingListView.as_view(), name="api-home-readings"),
    path("homes/<int:home_id>/energy/", EnergyView.as_view(), name="api-home-energy"),
    path("homes/<int:home_id>/power/", PowerView.as_view(), name="api-home-power"),
    path("device-types/", DeviceTypeListView.as_view(), name="api-device-type-list"),
    path("devices/", DeviceListView.as_view(), name="api-device-list"),
    path("devices/<int:device_id>/", DeviceDetailView.as_view(), name="api-device-detail"),
    path("devices/<int:device_id>/status/", DeviceStatusView.as_view(), name="api-device-status"),
    path("devices/<int:device_id>/keys/", DeviceKeyListView.as_view(), name="api-device-keys"),
    path("devices/<int:device_id>/keys/rotate/", DeviceKeyRotateView.as_view(), name="api-device-key-rotate"),
    path(
        "devices/<int:device_id>/keys/<int:key_id>/revoke/", DeviceKeyRevokeView.as_view(), name="api-device-key-revoke"
    ),
    # The assistant: ask, conversations, command cards (assistant/api.py).
    path("", include("assistant.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Keep last: anything else under /api/v1/ is a 404 in the API's error format.
    re_path(r"^.*$", not_found),
]

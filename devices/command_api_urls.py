"""API routes for device commands: the device side (poll, ack) and the user side (send, list, detail)."""

from __future__ import annotations

from django.urls import path

from devices import command_api

urlpatterns: list = [
    path("device/commands/", command_api.DeviceCommandPollView.as_view(), name="api-device-commands"),
    path(
        "device/commands/<int:command_id>/ack/",
        command_api.DeviceCommandAckView.as_view(),
        name="api-device-command-ack",
    ),
    path("devices/<int:device_id>/commands/", command_api.DeviceCommandsView.as_view(), name="api-device-command-list"),
    path("commands/<int:command_id>/", command_api.CommandDetailView.as_view(), name="api-command-detail"),
]

"""Web pages for devices."""

from __future__ import annotations

from django.urls import path

from devices import control_views, views

app_name = "devices"

urlpatterns: list = [
    path("devices/", views.device_list, name="device-list"),
    path("devices/new/", views.device_create, name="device-create"),
    path("devices/<int:pk>/", views.device_detail, name="device-detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device-edit"),
    path("devices/<int:pk>/deactivate/", views.device_deactivate, name="device-deactivate"),
    path("devices/<int:pk>/keys/rotate/", views.key_rotate, name="device-key-rotate"),
    path("devices/<int:pk>/keys/<int:key_pk>/revoke/", views.key_revoke, name="device-key-revoke"),
    path("devices/<int:pk>/commands/", control_views.device_command, name="device-command"),
    path("commands/", control_views.command_log, name="command-log"),
    path("automations/", control_views.rule_list, name="rule-list"),
    path("automations/<int:pk>/toggle/", control_views.rule_toggle, name="rule-toggle"),
    path("automations/<int:pk>/delete/", control_views.rule_delete, name="rule-delete"),
]

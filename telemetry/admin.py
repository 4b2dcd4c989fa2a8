"""Read-only admin for daily and hourly rollups (what every figure is built on), scoped for managers.

Raw readings are not in the admin: there are millions, and the pages, API and CSV export show them.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from energyhome.admin_scope import HomeScopedAdmin
from telemetry.models import DailyRollup, HourlyRollup


class RollupAdmin(HomeScopedAdmin):
    home_lookup = "device__home"
    manager_permissions = frozenset({"view"})
    list_select_related = ["device", "device__home"]
    list_filter = ["device__home", "device__type"]
    search_fields = ["device__name", "device__external_id", "device__home__name"]

    @admin.display(description="energy", ordering="energy_wh")
    def energy(self, obj) -> str:
        return f"{obj.energy_wh / 1000:,.3f} kWh"

    @admin.display(description="mean power", ordering="mean_power_w")
    def mean_power(self, obj) -> str:
        return f"{obj.mean_power_w:,.0f} W"

    @admin.display(description="peak", ordering="max_power_w")
    def peak_power(self, obj) -> str:
        return "—" if obj.max_power_w is None else f"{obj.max_power_w:,.0f} W"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # repair with manage.py rebuild_rollups


@admin.register(DailyRollup)
class DailyRollupAdmin(RollupAdmin):
    list_display = ["day", "device", "energy", "mean_power", "peak_power", "samples"]
    date_hierarchy = "day"


@admin.register(HourlyRollup)
class HourlyRollupAdmin(RollupAdmin):
    list_display = ["hour", "device", "energy", "mean_power", "peak_power", "samples"]
    date_hierarchy = "hour"

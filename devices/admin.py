"""Admin for device types, devices and device keys.

Staff who are not superusers see only devices and keys of homes they manage
(accounts.selectors.managed_homes_for). Keys are never shown in plain text: the admin
shows the prefix and hash, can revoke, and cannot create (a plain key must be shown once to
the person who will put it into the device, which the home's pages do).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.selectors import managed_homes_for
from devices.models import Device, DeviceKey, DeviceType
from devices.services import revoke_device_key


@admin.register(DeviceType)
class DeviceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "icon", "min_power_w", "max_power_w", "commands"]
    list_filter = ["category"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ManagedHomesMixin:
    """Limit a changelist to the homes the signed-in staff user manages."""

    home_lookup = "home"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.home_lookup}__in": managed_homes_for(request.user)})

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "home" and not request.user.is_superuser:
            kwargs["queryset"] = managed_homes_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Device)
class DeviceAdmin(ManagedHomesMixin, admin.ModelAdmin):
    list_display = ["name", "home", "type", "room", "external_id", "is_active", "last_seen", "firmware_version"]
    list_filter = ["is_active", "type__category", "type"]
    search_fields = ["name", "external_id", "room", "home__name"]
    list_select_related = ["home", "type"]
    readonly_fields = ["last_seen", "created_at"]
    date_hierarchy = "created_at"


@admin.register(DeviceKey)
class DeviceKeyAdmin(ManagedHomesMixin, admin.ModelAdmin):
    list_display = ["prefix", "label", "home", "device", "created_at", "last_used", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "label", "device__name", "device__external_id", "home__name"]
    list_select_related = ["home", "device"]
    fields = ["prefix", "key_hash", "label", "home", "device", "created_at", "last_used", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "home", "device", "created_at", "last_used", "revoked_at"]
    actions = ["revoke_keys"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[DeviceKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_device_key(key=key)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)

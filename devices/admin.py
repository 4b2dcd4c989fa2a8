"""Admin for device types, devices, keys, commands and rules.

Managers see only the homes they manage (energyhome.admin_scope). Device types are superuser-only.
Keys are never shown in plain text: a key made in the admin (adding a device, rotating) is shown
once on the page that follows; afterwards only its prefix is visible. Commands sent from the
admin go through devices.services.send_command (issued by "admin", with the user), after a
confirmation page, and appear in the command log like any other.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from devices.control_forms import payload_from
from devices.models import Command, Device, DeviceKey, DeviceType, Issuer, Rule, RuleRun
from devices.services import deactivate_device, register_device, revoke_device_key, send_command
from energyhome.admin_scope import HomeScopedAdmin

# Older imports (analytics.admin) know the scoping by this name.
ManagedHomesMixin = HomeScopedAdmin


@admin.register(DeviceType)
class DeviceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "icon", "min_power_w", "max_power_w", "commands", "modes"]
    list_filter = ["category"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class DeviceAddForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["home", "type", "name", "room", "external_id", "mqtt_topic", "firmware_version", "rated_power_w"]


class AdminCommandForm(forms.Form):
    command_type = forms.ChoiceField(choices=Command.Type.choices)
    on = forms.ChoiceField(choices=[("true", "on"), ("false", "off")], required=False, label="On/off")
    temperature_c = forms.FloatField(required=False, label="Temperature (°C)")
    mode = forms.CharField(required=False)
    limit_pct = forms.IntegerField(required=False, label="Charge limit (%)")
    queue_if_offline = forms.BooleanField(required=False, label="Queue for offline devices")


@admin.register(Device)
class DeviceAdmin(HomeScopedAdmin):
    list_display = ["name", "home", "type", "room", "external_id", "is_active", "last_seen", "rated_power"]
    list_filter = ["is_active", "type__category", "type", "home"]
    search_fields = ["name", "external_id", "room", "home__name"]
    list_select_related = ["home", "type"]
    readonly_fields = ["last_seen", "created_at", "state"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["home"]
    actions = ["send_command_action", "mark_inactive"]

    @admin.display(description="rated power", ordering="rated_power_w")
    def rated_power(self, obj: Device) -> str:
        return f"{obj.rated_power_w:,.0f} W" if obj.rated_power_w else "—"

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DeviceAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Device, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        # Through the service: external id rules, and the first key (shown once, below).
        registered = register_device(
            home=data["home"],
            type=data["type"],
            name=data["name"],
            room=data.get("room") or "",
            external_id=data.get("external_id") or None,
            mqtt_topic=data.get("mqtt_topic") or "",
            firmware_version=data.get("firmware_version") or "",
            rated_power_w=data.get("rated_power_w"),
        )
        obj.pk = registered.device.pk
        request._eh_new_key = registered.plain_key
        return None

    def response_add(self, request: HttpRequest, obj: Device, post_url_continue=None) -> HttpResponse:
        plain_key = getattr(request, "_eh_new_key", None)
        if plain_key is None:
            return super().response_add(request, obj, post_url_continue)
        device = Device.objects.select_related("home").get(pk=obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Device added",
            "device": device,
            "plain_key": plain_key,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/device_key_once.html", context)

    @admin.action(description="Send a command to the selected devices")
    def send_command_action(self, request: HttpRequest, queryset: QuerySet[Device]) -> HttpResponse | None:
        form = AdminCommandForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            command_type = form.cleaned_data["command_type"]
            sent, refused = 0, []
            for device in queryset.select_related("type"):
                try:
                    send_command(
                        device=device,
                        command_type=command_type,
                        payload=payload_from(command_type, request.POST),
                        issued_by=Issuer.ADMIN,
                        issued_by_user=request.user,
                        queue_if_offline=form.cleaned_data["queue_if_offline"],
                    )
                    sent += 1
                except ValidationError as exc:
                    refused.append(f"{device.name}: {'; '.join(exc.messages)}")
            self.message_user(
                request, f"Command sent to {sent} device(s).", messages.SUCCESS if sent else messages.WARNING
            )
            for line in refused:
                self.message_user(request, line, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a command",
            "devices": queryset.select_related("home", "type"),
            "form": form,
            "action": "send_command_action",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/send_command.html", context)

    @admin.action(description="Mark the selected devices inactive")
    def mark_inactive(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        count = 0
        for device in queryset.filter(is_active=True):
            deactivate_device(device=device)
            count += 1
        self.message_user(request, f"{count} device(s) marked inactive; their readings are refused from now on.")


@admin.register(DeviceKey)
class DeviceKeyAdmin(HomeScopedAdmin):
    manager_permissions = frozenset({"view", "change"})
    list_display = ["prefix", "label", "home", "device", "created_at", "last_used", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "label", "device__name", "device__external_id", "home__name"]
    list_select_related = ["home", "device"]
    actions = ["revoke_keys"]

    def get_fields(self, request: HttpRequest, obj=None):
        fields = ["prefix", "label", "home", "device", "created_at", "last_used", "revoked_at"]
        return fields + ["key_hash"] if request.user.is_superuser else fields

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["prefix", "key_hash", "home", "device", "created_at", "last_used", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[DeviceKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_device_key(key=key)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


@admin.register(Command)
class CommandAdmin(HomeScopedAdmin):
    """The command log; read-only (commands are sent through the device action or the pages)."""

    manager_permissions = frozenset({"view"})
    list_display = [
        "created_at",
        "device",
        "home",
        "command_type",
        "payload",
        "status",
        "issued_by",
        "issued_by_user",
        "attempts",
    ]
    list_filter = ["status", "command_type", "issued_by", "transport", "home"]
    search_fields = ["device__name", "device__external_id", "home__name", "issued_by_user__email"]
    list_select_related = ["device", "home", "issued_by_user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RuleRunInline(admin.TabularInline):
    model = RuleRun
    extra = 0
    can_delete = False
    fields = ["ran_at", "outcome", "message"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return True  # shown inside a rule the user may already see


@admin.register(Rule)
class RuleAdmin(HomeScopedAdmin):
    manager_permissions = frozenset({"view", "change", "delete"})
    list_display = ["name", "home", "kind", "device", "command_type", "enabled", "next_run_at", "last_run_at"]
    list_filter = ["kind", "enabled", "home"]
    search_fields = ["name", "device__name", "home__name"]
    list_select_related = ["home", "device"]
    fields = [
        "name",
        "home",
        "kind",
        "device",
        "command_type",
        "payload",
        "enabled",
        "time_of_day",
        "weekdays",
        "condition",
        "threshold",
        "duration_min",
        "cooldown_min",
        "next_run_at",
        "last_run_at",
    ]
    readonly_fields = [
        "home",
        "kind",
        "device",
        "command_type",
        "payload",
        "time_of_day",
        "weekdays",
        "condition",
        "threshold",
        "next_run_at",
        "last_run_at",
    ]
    inlines = [RuleRunInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rules are made on the Control page, where the command is validated


@admin.register(RuleRun)
class RuleRunAdmin(HomeScopedAdmin):
    home_lookup = "rule__home"
    manager_permissions = frozenset({"view"})
    list_display = ["rule", "ran_at", "outcome", "message"]
    list_filter = ["outcome"]
    list_select_related = ["rule"]
    date_hierarchy = "ran_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

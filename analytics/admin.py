"""Admin for tariffs, their time-of-use windows and price points, and (read-only) hourly costs.

Staff who are not superusers see only the homes they manage. Saving a tariff or a price here
re-prices the affected hours after commit, as the tariff pages do.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from analytics.models import HourlyCost, PricePoint, Tariff, TimeOfUseWindow
from analytics.services import _reprice_from_day_after_commit
from analytics.tariffs import validate_windows
from devices.admin import ManagedHomesMixin
from energyhome.admin_scope import HomeScopedInline


class WindowInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if self.instance.kind != Tariff.Kind.TIME_OF_USE:
            return
        windows = [
            TimeOfUseWindow(**{k: f.cleaned_data.get(k) for k in ("name", "start_time", "end_time", "days", "months")})
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            validate_windows(windows)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["windows"]) from exc


class WindowInline(HomeScopedInline, admin.TabularInline):
    home_lookup = "tariff__home"
    model = TimeOfUseWindow
    formset = WindowInlineFormSet
    extra = 0


@admin.register(Tariff)
class TariffAdmin(ManagedHomesMixin, admin.ModelAdmin):
    list_display = ["name", "home", "kind", "effective_from", "import_price_per_kwh", "export_kind", "currency"]
    list_filter = ["kind", "export_kind", "currency"]
    search_fields = ["name", "home__name"]
    list_select_related = ["home"]
    readonly_fields = ["currency", "created_at", "updated_at"]
    inlines = [WindowInline]

    def save_model(self, request: HttpRequest, obj: Tariff, form, change: bool) -> None:
        if not obj.currency:
            obj.currency = obj.home.currency
        super().save_model(request, obj, form, change)
        _reprice_from_day_after_commit(
            obj.home, min(obj.effective_from, form.initial.get("effective_from") or obj.effective_from)
        )

    def delete_model(self, request: HttpRequest, obj: Tariff) -> None:
        home, day = obj.home, obj.effective_from
        super().delete_model(request, obj)
        _reprice_from_day_after_commit(home, day)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        original_clean = form.clean

        def clean(self_form):
            data = original_clean(self_form)
            if not self_form.instance.currency and data.get("home"):
                self_form.instance.currency = data["home"].currency
            return data

        form.clean = clean
        return form


@admin.register(PricePoint)
class PricePointAdmin(ManagedHomesMixin, admin.ModelAdmin):
    home_lookup = "tariff__home"
    list_display = ["tariff", "direction", "start", "price_per_kwh"]
    list_filter = ["direction", "tariff__home"]
    search_fields = ["tariff__name", "tariff__home__name"]
    date_hierarchy = "start"
    list_select_related = ["tariff", "tariff__home"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "tariff" and not request.user.is_superuser:
            from accounts.selectors import managed_homes_for

            kwargs["queryset"] = Tariff.objects.filter(home__in=managed_homes_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: PricePoint, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _reprice_from_day_after_commit(obj.tariff.home, obj.start.astimezone(obj.tariff.home.zone).date())


@admin.register(HourlyCost)
class HourlyCostAdmin(ManagedHomesMixin, admin.ModelAdmin):
    list_display = ["hour", "home", "device", "import_wh", "import_cost", "export_wh", "export_credit", "price_missing"]
    list_filter = ["price_missing", "home"]
    date_hierarchy = "hour"
    list_select_related = ["home", "device"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

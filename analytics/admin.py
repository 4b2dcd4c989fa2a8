"""Admin for tariffs, their time-of-use windows and price points, (read-only) hourly costs, and the
insights (forecasts, anomalies, recommendations, alert rules, alerts): read-only for managers but for
marking alerts read (an admin action).

Staff who are not superusers see only the homes they manage. Saving a tariff or a price here
re-prices the affected hours after commit, as the tariff pages do.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from analytics import insight_services
from analytics.models import (
    Alert,
    AlertRule,
    Anomaly,
    Forecast,
    HourlyCost,
    PricePoint,
    Recommendation,
    Tariff,
    TimeOfUseWindow,
)
from analytics.services import _reprice_from_day_after_commit
from analytics.tariffs import validate_windows
from devices.admin import ManagedHomesMixin
from energyhome.admin_scope import HomeScopedAdmin, HomeScopedInline, is_manager


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


# --- insights: read-only for managers (derived data and the homeowners' own rules) ----------------

VIEW_ONLY = frozenset({"view"})


class _InsightAdmin(HomeScopedAdmin):
    """Computed by the insight jobs: nobody adds or edits them here; managers only look."""

    manager_permissions = VIEW_ONLY
    list_select_related = ["home"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Forecast)
class ForecastAdmin(_InsightAdmin):
    list_display = ["home", "device", "granularity", "horizon_days", "status", "model", "mape_pct", "mase"]
    list_filter = ["status", "granularity", "horizon_days"]
    search_fields = ["home__name", "device__name"]
    list_select_related = ["home", "device"]
    exclude = ["points"]  # hundreds of numbers; the API and the Insights page show them


@admin.register(Anomaly)
class AnomalyAdmin(_InsightAdmin):
    list_display = ["start", "home", "device", "kind", "observed", "expected_high", "unit", "score"]
    list_filter = ["kind"]
    search_fields = ["home__name", "device__name"]
    date_hierarchy = "start"
    list_select_related = ["home", "device"]


@admin.register(Recommendation)
class RecommendationAdmin(_InsightAdmin):
    list_display = ["title", "home", "kind", "saving_month", "currency", "status", "is_current"]
    list_filter = ["kind", "status", "is_current"]
    search_fields = ["title", "home__name"]


@admin.register(AlertRule)
class AlertRuleAdmin(HomeScopedAdmin):
    """Homeowners set their rules on the Alerts page or the API (validated there); here managers look."""

    manager_permissions = VIEW_ONLY
    list_display = ["__str__", "home", "device", "kind", "threshold", "minutes", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["home__name", "device__name"]
    list_select_related = ["home", "device"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the form would bypass insight_services.create_alert_rule's checks

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(_InsightAdmin):
    list_display = ["title", "home", "status", "opened_at", "resolved_at", "read_at", "emailed_at"]
    list_filter = ["status"]
    search_fields = ["title", "home__name"]
    date_hierarchy = "opened_at"
    actions = ["acknowledge"]

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or is_manager(request)

    @admin.action(description="Mark the selected alerts read", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset) -> None:
        # ``queryset`` is already scoped to the manager's homes (a forged id selects nothing).
        count = 0
        for alert in queryset.filter(read_at__isnull=True):
            insight_services.acknowledge_alert(alert=alert)
            count += 1
        self.message_user(request, f"{count} alert(s) marked read.")

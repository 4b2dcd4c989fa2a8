"""Admin for people, homes, memberships and invitations, scoped for property managers.

Managers see the homes they manage and the people of those homes (read-only: a manager cannot
edit anyone's account or grant rights). They create homes (and become their manager), invite
tenants by email (the tenant accepts by link, as on the web), change roles and revoke
memberships of others; their own membership is not theirs to change. Bulk actions on homes:
assign a tariff, export monthly energy and cost as CSV.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import Home, Invitation, Membership, Role, User
from accounts.selectors import managed_homes_for
from accounts.services import invite_member
from energyhome.admin_scope import HomeScopedAdmin, HomeScopedInline


class MembershipInline(HomeScopedInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    home_lookup = "home"
    manager_permissions = frozenset({"view"})


class UserMembershipInline(HomeScopedInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["home"]
    home_lookup = "home"
    manager_permissions = frozenset({"view"})


@admin.register(User)
class UserAdmin(HomeScopedAdmin, BaseUserAdmin):
    home_lookup = "memberships__home"
    manager_permissions = frozenset({"view"})
    ordering = ["email"]
    list_display = ["email", "full_name", "time_zone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [UserMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "time_zone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": ["email", "full_name", "time_zone", "last_login", "date_joined"]})]

    def get_list_filter(self, request: HttpRequest):
        return self.list_filter if request.user.is_superuser else ["is_active"]


class AssignTariffForm(forms.Form):
    tariff = forms.ModelChoiceField(queryset=None, help_text="Copied, with its windows, to every selected home.")
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, tariffs, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tariff"].queryset = tariffs
        self.fields["tariff"].label_from_instance = lambda t: (
            f"{t.name} ({t.home.name}, from {t.effective_from:%d %b %Y})"
        )


@admin.register(Home)
class HomeAdmin(HomeScopedAdmin):
    home_lookup = ""
    manager_permissions = frozenset({"view", "add", "change"})
    list_display = ["name", "address", "time_zone", "currency", "member_count", "device_count", "created_at"]
    list_filter = ["currency", "time_zone"]
    search_fields = ["name", "address", "memberships__user__email"]
    date_hierarchy = "created_at"
    inlines = [MembershipInline]
    actions = ["assign_tariff", "export_monthly_csv"]

    @admin.display(description="members")
    def member_count(self, obj: Home) -> int:
        return obj.memberships.count()

    @admin.display(description="devices")
    def device_count(self, obj: Home) -> int:
        return obj.devices.count()

    def save_model(self, request: HttpRequest, obj: Home, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            # The manager who creates a home manages it (and so keeps seeing it).
            Membership.objects.get_or_create(user=request.user, home=obj, defaults={"role": Role.MANAGER})

    @admin.action(description="Assign a tariff to the selected homes")
    def assign_tariff(self, request: HttpRequest, queryset: QuerySet[Home]) -> HttpResponse | None:
        from analytics.models import Tariff

        tariffs = Tariff.objects.filter(home__in=managed_homes_for(request.user)).select_related("home")
        form = AssignTariffForm(request.POST if "apply" in request.POST else None, tariffs=tariffs)
        if "apply" in request.POST and form.is_valid():
            done, failed = 0, []
            for home in queryset:
                try:
                    copy_tariff_to(
                        form.cleaned_data["tariff"], home=home, effective_from=form.cleaned_data["effective_from"]
                    )
                    done += 1
                except ValidationError as exc:
                    failed.append(f"{home.name}: {'; '.join(exc.messages)}")
            self.message_user(request, f"Tariff assigned to {done} home(s).", messages.SUCCESS)
            for failure in failed:
                self.message_user(request, failure, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign a tariff",
            "homes": queryset,
            "form": form,
            "action": "assign_tariff",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assign_tariff.html", context)

    @admin.action(description="Export monthly energy and cost (CSV)")
    def export_monthly_csv(self, request: HttpRequest, queryset: QuerySet[Home]) -> HttpResponse:
        from django.utils import timezone

        from energyhome.admin_views import csv_response, portfolio_row

        now = timezone.now()
        rows = [portfolio_row(home, now=now) for home in queryset.order_by("name")]
        return csv_response(rows, filename="homes-monthly.csv")


def copy_tariff_to(source, *, home: Home, effective_from) -> None:
    """Give ``home`` a tariff like ``source`` (windows included) from ``effective_from``, through the
    tariff service (validation, re-pricing). ValidationError when the currencies differ."""
    from analytics.services import TARIFF_FIELDS, save_tariff

    if source.currency != home.currency:
        raise ValidationError(f"its currency is {home.currency}, the tariff's {source.currency}.")
    values = {name: getattr(source, name) for name in TARIFF_FIELDS if name != "effective_from"}
    windows = [
        {f: getattr(w, f) for f in ("name", "start_time", "end_time", "days", "months", "price_per_kwh")}
        for w in source.windows.all()
    ]
    save_tariff(home=home, windows=windows, effective_from=effective_from, **values)


@admin.register(Membership)
class MembershipAdmin(HomeScopedAdmin):
    home_lookup = "home"
    manager_permissions = frozenset({"view", "change", "delete"})
    list_display = ["user", "home", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "home__name"]
    autocomplete_fields = ["user", "home"]
    list_select_related = ["user", "home"]

    def _own(self, request: HttpRequest, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if not request.user.is_superuser and self._own(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if not request.user.is_superuser and self._own(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if request.user.is_superuser else ["user", "home"]

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(r.value, r.label) for r in (Role.OWNER, Role.MEMBER, Role.VIEWER)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        if not request.user.is_superuser:
            queryset = queryset.exclude(user=request.user)
        super().delete_queryset(request, queryset)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["home", "email", "role"]

    def clean(self):
        data = super().clean()
        home, email = data.get("home"), data.get("email")
        if home and email and Membership.objects.filter(home=home, user__email__iexact=email).exists():
            self.add_error("email", f"{email} is already a member of {home.name}.")
        return data


@admin.register(Invitation)
class InvitationAdmin(HomeScopedAdmin):
    home_lookup = "home"
    manager_permissions = frozenset({"view", "add", "delete"})
    form = InvitationForm
    list_display = ["email", "home", "role", "invited_by", "created_at", "accepted_at", "state"]
    list_filter = ["role"]
    search_fields = ["email", "home__name"]
    list_select_related = ["home", "invited_by"]

    @admin.display(description="state")
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return "accepted"
        return "expired" if obj.is_expired else "open"

    def get_fields(self, request: HttpRequest, obj=None):
        return ["home", "email", "role"] if obj is None else ["home", "email", "role", "created_at", "accepted_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if obj is None else ["home", "email", "role", "created_at", "accepted_at"]

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(r.value, r.label) for r in (Role.OWNER, Role.MEMBER, Role.VIEWER)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        try:
            # The service sends the email after commit and refuses an existing member.
            invitation = invite_member(home=obj.home, by=request.user, email=obj.email, role=obj.role)
        except PermissionDenied:
            if not request.user.is_superuser:
                raise
            obj.invited_by = request.user
            super().save_model(request, obj, form, change)
            return None
        obj.pk, obj.token = invitation.pk, invitation.token
        return None

"""The admin site: superusers as usual, and property managers scoped to their homes.

A manager signs in with their ordinary account (no staff flag needed); what they see is decided
by energyhome.admin_scope. The portfolio overview is the managers' start page.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import path

from accounts.selectors import managed_homes_for
from energyhome.admin_scope import is_manager

# allauth's rate limits cover its own forms, not /admin/login/: failed admin logins are limited here,
# per client address and per email, in the cache.
ADMIN_LOGIN_FAILURES = 10
ADMIN_LOGIN_WINDOW_S = 300


def _failure_keys(request: HttpRequest | None, email: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "?") if request is not None else "?"
    return [f"admin-login-fail:ip:{address}", f"admin-login-fail:email:{email.strip().lower()}"]


class ManagerAuthenticationForm(AdminAuthenticationForm):
    """Staff, and property managers without the staff flag, may sign in; failures are rate limited."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many": "Too many failed sign-in attempts. Wait a few minutes and try again.",
    }

    def clean(self):
        email = self.data.get("username", "")
        keys = _failure_keys(self.request, email)
        try:
            blocked = any((cache.get(key) or 0) >= ADMIN_LOGIN_FAILURES for key in keys)
        except Exception:  # the cache fails open (energyhome.cache); never lock everyone out
            blocked = False
        if blocked:
            raise ValidationError(self.error_messages["too_many"], code="too_many")
        try:
            return super().clean()
        except ValidationError:
            for key in keys:
                try:
                    cache.add(key, 0, timeout=ADMIN_LOGIN_WINDOW_S)
                    cache.incr(key)
                except Exception:  # noqa: S110 - counting is best effort
                    pass
            raise

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active or not (user.is_staff or managed_homes_for(user).exists()):
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login", params={"username": "email"}
            )


class EnergyHomeAdminSite(admin.AdminSite):
    site_header = "EnergyHome administration"
    site_title = "EnergyHome admin"
    index_title = "Homes, devices and data"
    index_template = "admin/energyhome_index.html"
    login_form = ManagerAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or is_manager(request))

    def get_urls(self):
        from energyhome import admin_views

        custom = [
            path("portfolio/", self.admin_view(admin_views.portfolio), name="portfolio"),
            path("portfolio/export.csv", self.admin_view(admin_views.portfolio_csv), name="portfolio-csv"),
            path("portfolio/<int:home_id>/", self.admin_view(admin_views.home_overview), name="portfolio-home"),
        ]
        return custom + super().get_urls()

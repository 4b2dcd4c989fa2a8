"""The admin site: superusers as usual, and property managers scoped to their homes.

A manager signs in with their ordinary account (no staff flag needed); what they see is decided
by energyhome.admin_scope. The portfolio overview is the managers' start page.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from energyhome.admin_scope import is_manager


class EnergyHomeAdminSite(admin.AdminSite):
    site_header = "EnergyHome administration"
    site_title = "EnergyHome admin"
    index_title = "Homes, devices and data"
    index_template = "admin/energyhome_index.html"

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

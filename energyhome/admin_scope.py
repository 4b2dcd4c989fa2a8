"""The admin, scoped to the homes a property manager manages: the one place that rule lives.

A manager (a user with the ``manager`` role in at least one home) may sign in to ``/admin/``
without being staff. Every ModelAdmin and inline that holds home data mixes in
``HomeScopedAdmin`` / ``HomeScopedInline`` and names the path from its model to the home
(``home_lookup``); from that one path this module scopes, for non-superusers:

* the changelist, search and every object view (``get_queryset``), so an object of another home
  typed into the URL (change, delete, history) answers 404 exactly like a missing one;
* foreign-key and many-to-many choices and autocomplete (through the related model's own scoped
  admin), so nothing outside the scope can be picked or seen in a dropdown;
* permissions: managers get what ``manager_permissions`` lists, without Django model permissions,
  and never see admins that are not scoped (device types, groups, allauth's tables, log entries);
* actions: a forged POST naming objects outside the scope acts on none of them, and is logged.

Superusers see and do everything, as in the stock admin.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.selectors import managed_homes_for

logger = logging.getLogger("energyhome.admin")

ALL_PERMISSIONS = frozenset({"view", "add", "change", "delete"})


def is_manager(request: HttpRequest) -> bool:
    """True for a signed-in user who manages at least one home (cached on the request)."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(request, "_eh_is_manager"):
        request._eh_is_manager = managed_homes_for(user).exists()
    return request._eh_is_manager


def scope_queryset(queryset: QuerySet, request: HttpRequest, home_lookup: str) -> QuerySet:
    """``queryset`` limited to rows whose ``home_lookup`` is a home ``request.user`` manages
    (``""`` when the rows are homes). Superusers: unchanged."""
    if request.user.is_superuser:
        return queryset
    homes = managed_homes_for(request.user)
    if home_lookup == "":
        return queryset.filter(pk__in=homes.values("pk"))
    # A subquery, not a join: multi-valued paths (a user's memberships) never duplicate rows.
    in_scope = queryset.model._default_manager.filter(**{f"{home_lookup}__in": homes.values("pk")}).values("pk")
    return queryset.filter(pk__in=in_scope)


class _Scoped:
    home_lookup: str = "home"
    manager_permissions: frozenset[str] = ALL_PERMISSIONS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_queryset(super().get_queryset(request), request, self.home_lookup)

    def in_scope(self, request: HttpRequest, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        if obj.pk is None:
            return True  # an object being added; its home field is scoped by the form
        return scope_queryset(self.model._default_manager.filter(pk=obj.pk), request, self.home_lookup).exists()

    def _allowed(self, request: HttpRequest, what: str, obj=None) -> bool:
        return is_manager(request) and what in self.manager_permissions and self.in_scope(request, obj)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._allowed(request, "view", obj) or self._allowed(request, "change", obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._allowed(request, "change", obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        if request.user.is_superuser:
            return super().has_add_permission(request, *args)
        return self._allowed(request, "add")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._allowed(request, "delete", obj)

    def _related_queryset(self, db_field, request: HttpRequest):
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, HomeScopedAdmin):
            return related_admin.get_queryset(request)
        return None

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if not request.user.is_superuser:
            queryset = self._related_queryset(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if not request.user.is_superuser:
            queryset = self._related_queryset(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class HomeScopedAdmin(_Scoped, admin.ModelAdmin):
    """A ModelAdmin of home data. Set ``home_lookup`` (``"home"``, ``"device__home"``, ``""`` for
    Home itself) and, to give managers less, ``manager_permissions``."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return is_manager(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # The stock admin redirects with "doesn't exist (perhaps it was deleted?)"; another
        # home's object must look exactly like a missing one, and a 404 says so.
        raise Http404("No such object")

    def response_action(self, request: HttpRequest, queryset: QuerySet):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if selected and not request.user.is_superuser:
            found = {str(pk) for pk in queryset.filter(pk__in=selected).values_list("pk", flat=True)}
            forged = sorted(set(selected) - found)
            if forged:
                logger.warning(
                    "admin: %s asked for action %r on %s %s outside their homes; ignored",
                    request.user,
                    request.POST.get("action"),
                    self.model._meta.label,
                    ", ".join(forged[:20]),
                )
        return super().response_action(request, queryset)


class HomeScopedInline(_Scoped):
    """Mix into an inline (TabularInline/StackedInline) of home data; same ``home_lookup`` rule."""

"""API rate limits: one per user (1000/min by default) and a separate one per device key.

Rates come from ``settings.API_THROTTLE_RATES`` and are read on every request (DRF's own
classes read them once at import), so a deployment sets them by environment and a test can
lower them with the ``settings`` fixture. Counts live in the default cache; with Redis down
the cache fails open and nothing is throttled. A throttled request answers 429 in the API's
error format with ``Retry-After``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import throttling

from devices.models import DeviceKey

if TYPE_CHECKING:  # rest_framework.views imports this module while it is being defined
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _SettingsRate:
    scope: str

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_SettingsRate, throttling.UserRateThrottle):
    """Per signed-in user; per client IP for anonymous requests. Device-key requests are left to
    DeviceKeyRateThrottle."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, DeviceKey):
            return None
        return super().get_cache_key(request, view)


class DeviceKeyRateThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    """Per device key (a home-level key is one key for all its devices)."""

    scope = "device_key"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.auth, DeviceKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

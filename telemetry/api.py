"""The ingestion API: devices POST readings to /api/v1/ingest/ with their key.

Authentication is ``Authorization: Device <key>`` (no session, no CSRF). A missing,
malformed or unknown key answers 401; a revoked key answers 403, so a device's owner can
tell "this key was switched off" from "this is not a key" in the device's logs.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from devices.models import DeviceKey
from devices.selectors import device_key_for_raw
from devices.services import authenticate_device_key
from energyhome.api_errors import error_body
from telemetry.services import MAX_BATCH, ingest_readings
from telemetry.validation import InvalidBody, readings_from_json

logger = logging.getLogger(__name__)

AUTH_KEYWORD = "Device"


class DeviceKeyAuthentication(BaseAuthentication):
    """``Authorization: Device <key>``. Sets ``request.auth`` to the DeviceKey; ``request.user``
    stays anonymous (a device is not a person)."""

    def authenticate(self, request: Request) -> tuple[object, DeviceKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != AUTH_KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Device <key>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid device key.") from None
        key = authenticate_device_key(raw)
        if key is None:
            known = device_key_for_raw(raw)
            if known is not None and not known.is_active:
                raise exceptions.PermissionDenied("This device key has been revoked.")
            raise exceptions.AuthenticationFailed("Invalid device key.")
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 when the key is missing.
        return AUTH_KEYWORD


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = DeviceKeyAuthentication
    name = "deviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <key>`: a device key or a home-level key.",
        }


class HasDeviceKey(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, DeviceKey)


class IngestView(APIView):
    """POST readings. 201 when every item was stored or was a duplicate; 207 when at least one
    item was rejected (the body lists each with index, field and reason; the rest are stored);
    400 for a body that is not JSON or not a reading, a list or {"readings": [...]}; 401 for a
    missing or unknown key; 403 for a revoked key; 413 above MAX_BATCH items; 503 when the
    database is unreachable (with Retry-After)."""

    authentication_classes = [DeviceKeyAuthentication]
    permission_classes = [HasDeviceKey]
    throttle_classes: list = []

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="All stored or duplicate"),
            207: OpenApiResponse(OpenApiTypes.OBJECT, description="Some items rejected; the rest stored"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Not JSON, or not a reading or list"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description=f"More than {MAX_BATCH} readings"),
        },
        summary="Send readings",
    )
    def post(self, request: Request) -> Response:
        try:
            items = readings_from_json(request.body)
        except RequestDataTooBig:
            return _too_large()
        except InvalidBody as bad:
            return Response(error_body("invalid", bad.message, bad.fields), status=status.HTTP_400_BAD_REQUEST)
        if len(items) > MAX_BATCH:
            return _too_large()
        key: DeviceKey = request.auth
        try:
            result = ingest_readings(items=items, device=key.device, home=key.home, source="api")
        except (OperationalError, InterfaceError):
            logger.exception("ingest: database unavailable")
            response = Response(
                error_body("unavailable", "The database is unavailable; try again shortly."),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
            response["Retry-After"] = "5"
            return response
        code = status.HTTP_207_MULTI_STATUS if result.rejected else status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)


def _too_large() -> Response:
    return Response(
        error_body("too_large", f"At most {MAX_BATCH} readings per request."),
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )

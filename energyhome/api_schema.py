"""OpenAPI helpers shared by the API views: the error body and its documented responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, not_authenticated, not_found, ...")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> reasons (400 only; empty otherwise).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: ("Invalid input", "invalid", "The request has invalid fields.", {"start": ["Include an offset."]}),
    401: (
        "Not signed in, or the token is invalid or expired",
        "not_authenticated",
        "Authentication credentials were not provided.",
        {},
    ),
    403: (
        "Your role in this home does not allow this",
        "permission_denied",
        "Your role in this home is read-only.",
        {},
    ),
    404: ("No such object, or not one of your homes", "not_found", "No such home", {}),
    413: ("Body too large", "too_large", "The request body is too large.", {}),
    429: ("Rate limit reached; see Retry-After", "throttled", "Request was throttled.", {}),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for ``codes``, each with an example of the one error format."""
    result = {}
    for code in codes:
        description, error_code, message, fields = _DESCRIPTIONS[code]
        example = OpenApiExample(
            error_code, value={"error": {"code": error_code, "message": message, "fields": fields}}, status_codes=[code]
        )
        result[code] = OpenApiResponse(ErrorSerializer, description=description, examples=[example])
    return result

"""Request size limits for the user-facing API.

DRF's parsers read the request stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards ``request.body``) does not apply to them. This parser refuses a JSON body larger than
``settings.API_MAX_BODY_BYTES`` with 413 before reading more than that.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


class LimitedJSONParser(JSONParser):
    """JSON, at most ``API_MAX_BODY_BYTES`` (checked on Content-Length and on the bytes read)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        message = f"The request body is larger than {limit} bytes."
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise RequestTooLarge(message)
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise RequestTooLarge(message)
        return super().parse(io.BytesIO(data), media_type, parser_context)

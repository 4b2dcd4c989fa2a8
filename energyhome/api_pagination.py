"""Pagination for every API list.

* ``PagePagination`` (the default): ``?page=&page_size=`` (1..200, default 50) over a list
  with a total order (every list orders by a unique key last), answering
  ``{"count", "next", "previous", "results"}``.
* ``TimeCursor``: a forward-only keyset cursor over time series, ``(time, device id)`` of the
  last item sent. Items that arrive later never shift a page, and no item is sent twice; the
  cursor is opaque (URL-safe base64 of JSON) and a tampered one answers 400 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return size


@dataclass(frozen=True)
class TimeCursor:
    """Position after the item at ``time`` (aware) of ``device_id``."""

    time: datetime
    device_id: int

    def encode(self) -> str:
        raw = json.dumps({"t": self.time.isoformat(), "d": self.device_id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> TimeCursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            moment = datetime.fromisoformat(data["t"])
            device_id = int(data["d"])
            if moment.tzinfo is None:
                raise ValueError("naive time")
        except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError, AttributeError):
            raise serializers.ValidationError({"cursor": ["This cursor is not valid; use the `next` link."]}) from None
        return cls(time=moment, device_id=device_id)


def cursor_page_size(request: Request, *, default: int, maximum: int) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise serializers.ValidationError({"page_size": [f"Give a whole number from 1 to {maximum}."]})
    return size


def next_link(request: Request, cursor: TimeCursor | None) -> str | None:
    """The URL of the next page (this request's query with ``cursor`` replaced), or None at the end."""
    if cursor is None:
        return None
    return replace_query_param(request.build_absolute_uri(), "cursor", cursor.encode())


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("page_size", int, description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default 50)."),
]
CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque position from the previous page's `next` link."),
    OpenApiParameter("page_size", int, description="Items per page."),
]


@cache
def paginated(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The OpenAPI shape of a PagePagination page of ``serializer_class`` (for ``extend_schema``)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def page_example(example: OpenApiExample) -> OpenApiExample:
    """``example`` (one item) as the page a list endpoint answers."""
    page = {"count": 1, "next": None, "previous": None, "results": [example.value]}
    return OpenApiExample(f"{example.name} page", value=page, response_only=True)

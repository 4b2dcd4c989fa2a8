"""The API of tariffs, price points, summaries and the energy balance (/api/v1/homes/<id>/...).

Thin DRF views: parse, check membership (``accounts.selectors``: a non-member gets 404 like a
missing home; tariff writes need the owner or manager role, as on the web, else 403), call a
service or selector, serialise. Validation lives in the services and selectors
(``analytics.services``, ``analytics.summary``); their ``ValidationError`` becomes a 400 naming
the field in the API's one error format (``energyhome.api_errors``). Lists are paginated with
the project's default pagination. Money is a decimal string in the home's currency; energy in
Wh; datetimes ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.models import CURRENCIES
from accounts.selectors import get_home_for, get_home_for_admin
from analytics import services
from analytics.api_serializers import (
    BalanceSerializer,
    PriceImportSerializer,
    PricePointSerializer,
    PricePointsInSerializer,
    SummarySerializer,
    TariffInSerializer,
    TariffSerializer,
)
from analytics.flow import balance_steps, battery_soc_by_step
from analytics.forms import MAX_PRICE_CSV_BYTES
from analytics.models import PricePoint, Tariff
from analytics.summary import GROUPINGS, RESOLUTIONS, parse_instant, summary
from energyhome.api_pagination import PAGE_PARAMETERS, paginated
from energyhome.api_schema import errors

TAGS = ["costs"]
SOC_MAX_SPAN = timedelta(days=7)  # the state of charge per hour reads raw readings


def _paginated(view: APIView, request: Request, queryset, serializer_class) -> Response:
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _tariff(home, tariff_id: int) -> Tariff:
    return get_object_or_404(Tariff.objects.prefetch_related("windows"), home=home, pk=tariff_id)


def _save(home, tariff: Tariff | None, data: dict) -> Tariff:
    currency = data.pop("currency", None)
    if currency is not None:
        if currency not in CURRENCIES:
            raise ValidationError({"currency": f"{currency!r} is not a supported currency code (e.g. EUR)."})
        if currency != home.currency:
            raise ValidationError({"currency": f"Prices must be in the home's currency ({home.currency})."})
    windows = data.pop("windows", None)
    if windows is None and tariff is not None:
        windows = [
            {f: getattr(w, f) for f in ("name", "start_time", "end_time", "days", "months", "price_per_kwh")}
            for w in tariff.windows.all()
        ]
    return services.save_tariff(home=home, tariff=tariff, windows=windows or [], **data)


TARIFF_EXAMPLE = OpenApiExample(
    "time of use",
    value={
        "name": "Two rate",
        "kind": "time_of_use",
        "effective_from": "2026-01-01",
        "export_price_per_kwh": "0.08",
        "standing_charge_per_day": "0.45",
        "windows": [
            {"name": "Night", "start_time": "22:00", "end_time": "07:00", "days": "all", "price_per_kwh": "0.18"},
            {"name": "Day", "start_time": "07:00", "end_time": "22:00", "days": "all", "price_per_kwh": "0.32"},
        ],
    },
    request_only=True,
)


class TariffListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The home's tariffs, newest first",
        operation_id="homes_tariffs_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(TariffSerializer), **errors(401, 404)},
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        tariffs = home.tariffs.prefetch_related("windows").order_by("-effective_from", "-id")
        return _paginated(self, request, tariffs, TariffSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Create a tariff (owners and managers)",
        description="Overlapping or gapped time-of-use windows, a currency other than the home's, or a "
        "second tariff on the same day answer 400 naming the field. History from `effective_from` "
        "is re-priced in the background.",
        request=TariffInSerializer,
        responses={201: TariffSerializer, **errors(400, 401, 403, 404)},
        examples=[TARIFF_EXAMPLE],
    )
    def post(self, request: Request, home_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        incoming = TariffInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        tariff = _save(home, None, dict(incoming.validated_data))
        return Response(TariffSerializer(_tariff(home, tariff.pk)).data, status=status.HTTP_201_CREATED)


class TariffDetailView(APIView):
    @extend_schema(tags=TAGS, summary="One tariff", responses={200: TariffSerializer, **errors(401, 404)})
    def get(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        return Response(TariffSerializer(_tariff(home, tariff_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Replace a tariff (owners and managers)",
        request=TariffInSerializer,
        responses={200: TariffSerializer, **errors(400, 401, 403, 404)},
        examples=[TARIFF_EXAMPLE],
    )
    def put(self, request: Request, home_id: int, tariff_id: int) -> Response:
        return self._change(request, home_id, tariff_id, partial=False)

    @extend_schema(
        tags=TAGS,
        summary="Change some fields of a tariff (owners and managers)",
        description="Windows are kept unless `windows` is given, which replaces them all.",
        request=TariffInSerializer(partial=True),
        responses={200: TariffSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, home_id: int, tariff_id: int) -> Response:
        return self._change(request, home_id, tariff_id, partial=True)

    def _change(self, request: Request, home_id: int, tariff_id: int, *, partial: bool) -> Response:
        home = get_home_for_admin(request.user, home_id)
        tariff = _tariff(home, tariff_id)
        incoming = TariffInSerializer(data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        saved = _save(home, tariff, dict(incoming.validated_data))
        return Response(TariffSerializer(_tariff(home, saved.pk)).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a tariff (owners and managers)",
        description="Its hours are re-priced with the tariff before it, or left without a price.",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        services.delete_tariff(tariff=_tariff(home, tariff_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.STR, required=True, description="YYYY-MM-DD (local midnight) or ISO 8601 (inclusive)."
    ),
    OpenApiParameter(
        "end", OpenApiTypes.STR, required=True, description="YYYY-MM-DD (local midnight) or ISO 8601 (exclusive)."
    ),
]


def _period(request: Request, home) -> tuple[datetime, datetime]:
    params = request.query_params
    problems: dict[str, list[str]] = {}
    bounds = []
    for name in ("start", "end"):
        try:
            bounds.append(parse_instant(params.get(name), home, field=name))
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if problems:
        raise ValidationError(problems)
    return bounds[0], bounds[1]


class PricePointListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Price points of a dynamic tariff, by direction and start",
        operation_id="homes_tariffs_prices_list",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, description="Only points from this time (ISO 8601 or date)."),
            OpenApiParameter("end", OpenApiTypes.STR, description="Only points before this time."),
            OpenApiParameter("direction", OpenApiTypes.STR, enum=PricePoint.Direction.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(PricePointSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        tariff = _tariff(home, tariff_id)
        points = tariff.price_points.order_by("direction", "start", "id")
        params = request.query_params
        for name, lookup in (("start", "start__gte"), ("end", "start__lt")):
            if params.get(name):
                points = points.filter(**{lookup: parse_instant(params[name], home, field=name)})
        direction = params.get("direction")
        if direction:
            if direction not in PricePoint.Direction.values:
                raise ValidationError({"direction": "Use import or export."})
            points = points.filter(direction=direction)
        return _paginated(self, request, points, PricePointSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Add or change price points (owners and managers)",
        description="All or nothing: an item out of order, a start given twice, a start off the quarter "
        "hour or a bad price answers 400 on `points` naming the item. Posting the same points again "
        "changes nothing (`unchanged` counts them). Negative prices are allowed.",
        request=PricePointsInSerializer,
        responses={200: PriceImportSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "two hours",
                value={
                    "points": [
                        {"start": "2026-03-29T10:00:00Z", "price_per_kwh": "0.2810"},
                        {"start": "2026-03-29T11:00:00Z", "price_per_kwh": "-0.0150"},
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "result", value={"created": 2, "updated": 0, "unchanged": 0, "errors": []}, response_only=True
            ),
        ],
    )
    def post(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        tariff = _tariff(home, tariff_id)
        incoming = PricePointsInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        result = services.save_price_points(tariff=tariff, points=list(incoming.validated_data["points"]))
        return Response(PriceImportSerializer(result).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete the price points starting in [start, end) (owners and managers)",
        parameters=PERIOD_PARAMETERS,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, examples=[OpenApiExample("deleted", value={"deleted": 96}, response_only=True)]
            ),
            **errors(400, 401, 403, 404),
        },
    )
    def delete(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        tariff = _tariff(home, tariff_id)
        start, end = _period(request, home)
        return Response({"deleted": services.delete_price_points(tariff=tariff, start=start, end=end)})


class PriceCsvView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Upload a CSV of prices (owners and managers)",
        description="Multipart field `file`: columns `start,price_per_kwh[,direction][,currency]`, times ISO "
        "8601 with an offset. Good lines are stored; bad ones are listed with line and reason (207). "
        "Uploading the same file again changes nothing.",
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={
            200: PriceImportSerializer,
            207: OpenApiResponse(
                PriceImportSerializer,
                description="Some lines were rejected; the others are stored.",
                examples=[
                    OpenApiExample(
                        "one bad line",
                        value={"created": 95, "updated": 0, "unchanged": 0, "errors": [{"line": 7, "reason": "..."}]},
                        response_only=True,
                        status_codes=[207],
                    )
                ],
            ),
            **errors(400, 401, 403, 404),
        },
    )
    def post(self, request: Request, home_id: int, tariff_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        tariff = _tariff(home, tariff_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "Send the CSV as the multipart field 'file'."})
        if upload.size > MAX_PRICE_CSV_BYTES:
            raise ValidationError({"file": "The file is larger than 5 MB."})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": "The file is not UTF-8 text."}) from None
        result = services.import_price_csv(tariff=tariff, text=text)
        code = status.HTTP_207_MULTI_STATUS if result.errors else status.HTTP_200_OK
        return Response(PriceImportSerializer(result).data, status=code)


class SummaryView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Energy and cost of the home's consumers by device, room or type per local bucket",
        description="The summary layer (`analytics.summary.summary`): the same figures the pages, reports "
        "and the assistant use. `start`/`end` must fall on boundaries of `resolution` in the home's time "
        "zone (else 400 on `resolution`); a bucket without readings has `energy_wh` null (a gap, not "
        "zero) and `coverage` says how complete each figure is.",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("resolution", OpenApiTypes.STR, enum=RESOLUTIONS, default="day"),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=GROUPINGS, default="device"),
            OpenApiParameter("device", OpenApiTypes.INT, description="Only this device."),
            OpenApiParameter("room", OpenApiTypes.STR, description="Only devices in this room."),
            OpenApiParameter("type", OpenApiTypes.STR, description="Only devices of this type (slug)."),
        ],
        responses={200: SummarySerializer, **errors(400, 401, 404)},
        examples=[
            OpenApiExample(
                "a day by device",
                value={
                    "start": "2026-11-30T23:00:00Z",
                    "end": "2026-12-01T23:00:00Z",
                    "resolution": "day",
                    "group_by": "device",
                    "currency": "EUR",
                    "energy_wh": 5120.0,
                    "cost": "1.536000",
                    "coverage": 1.0,
                    "partial": False,
                    "buckets": [{"start": "2026-11-30T23:00:00Z", "energy_wh": 5120.0, "cost": "1.536000"}],
                    "groups": [{"key": 7, "label": "Heat pump", "rank": 1, "energy_wh": 5120.0, "share_pct": 100.0}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        start, end = _period(request, home)
        params = request.query_params
        device = params.get("device")
        if device is not None and not device.isdigit():
            raise ValidationError({"device": f"{device!r} is not a device id."})
        result = summary(
            home=home,
            start=start,
            end=end,
            resolution=params.get("resolution") or "day",
            group_by=params.get("group_by") or "device",
            device_id=int(device) if device is not None else None,
            room=params.get("room"),
            type_slug=params.get("type") or None,
        )
        return Response(SummarySerializer(result).data)


class BalanceView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Energy balance: consumption, production, self-consumption, grid and battery, per local step",
        description="From `analytics.balance`: per hour, consumption = self-consumption + battery to home + "
        "grid to home; production = self-consumption + solar to battery + solar to grid. A battery charged "
        "from the grid counts as grid. Wh; percentages null when undefined. `soc_pct`: for hourly "
        "resolution over at most 7 days, the batteries' mean state of charge at the end of each step "
        "(null where none reported one); empty otherwise.",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("resolution", OpenApiTypes.STR, enum=RESOLUTIONS, default="day"),
        ],
        responses={200: BalanceSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        start, end = _period(request, home)
        resolution = request.query_params.get("resolution") or "day"
        total, steps, _hours = balance_steps(home=home, start=start, end=end, resolution=resolution)
        short = resolution == "hour" and end - start <= SOC_MAX_SPAN and total.has_battery
        soc = list(battery_soc_by_step(home=home, steps=steps)) if short else []
        body = {"resolution": resolution, "currency": home.currency, "total": total, "steps": steps, "soc_pct": soc}
        return Response(BalanceSerializer(body).data)


__all__ = [
    "BalanceView",
    "PriceCsvView",
    "PricePointListView",
    "SummaryView",
    "TariffDetailView",
    "TariffListView",
]

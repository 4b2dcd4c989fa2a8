"""Read API for a home's telemetry: readings (cursor-paginated), energy summaries, power now.

* ``GET /api/v1/homes/{id}/readings/?device=&start=&end=&step=raw|5m|hour|day`` — raw readings,
  or mean power per step (telemetry.selectors.power_series: 5-minute steps from raw readings,
  hours from hourly rollups, home-local days from daily rollups), one item per device and
  step, ordered by (time, device id), forward-only cursor pages.
* ``GET /api/v1/homes/{id}/energy/?period=&by=device|room|type|hour|day`` — energy of a
  period from hourly rollups (telemetry.selectors.energy_by) over the home-local period of
  analytics.selectors.period_for, with the period's consumption compared with the previous one.
* ``GET /api/v1/homes/{id}/power/`` — the live balance and each device's newest power
  (analytics.selectors, the same figures the dashboard shows).

``start``/``end`` are ISO 8601 with an offset (a time without one is refused, never guessed).
Output times are UTC (``Z``), energy in Wh, power in W. Bad input answers 400 naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Home
from accounts.selectors import get_home_for
from analytics.selectors import (
    MAX_PERIOD_DAYS,
    METER,
    PRESETS,
    PRODUCER,
    STORAGE,
    compare_with_previous,
    consumption_from,
    device_tiles,
    home_shape,
    period_for,
    power_now,
)
from devices.api import DeviceStatusSerializer
from devices.models import Device
from devices.selectors import devices_for
from energyhome.api_pagination import CURSOR_PARAMETERS, TimeCursor, cursor_page_size, next_link
from energyhome.api_schema import errors
from telemetry.models import Reading
from telemetry.selectors import RAW_STEP_MAX_SPAN, energy_by, latest_power, power_series

STEPS = {"raw": None, "5m": timedelta(minutes=5), "hour": timedelta(hours=1), "day": timedelta(days=1)}
# How many steps one selector call covers while filling a page (keeps each read bounded).
WINDOW_STEPS = {"5m": 288, "hour": 24 * 31, "day": 366}
MAX_SPAN = timedelta(days=MAX_PERIOD_DAYS)
DEFAULT_SPAN = timedelta(hours=24)
READINGS_PAGE_SIZE = 500
READINGS_MAX_PAGE_SIZE = 5000
HOUR_ROWS_MAX_DAYS = 31


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset (``Z`` or ``+01:00``); a naive time is an error, not a guess."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise serializers.ValidationError("Use ISO 8601, e.g. 2026-11-25T10:00:00+01:00.") from None
            if parsed.tzinfo is None:
                raise serializers.ValidationError("Include an offset, e.g. 2026-11-25T10:00:00+01:00 or ...Z.")
            return parsed
        raise serializers.ValidationError("Use ISO 8601, e.g. 2026-11-25T10:00:00+01:00.")


class ReadingsQuery(serializers.Serializer):
    device = serializers.IntegerField(required=False, min_value=1, help_text="Only this device of the home.")
    start = AwareDateTimeField(required=False, help_text="Inclusive; default end - 24 h.")
    end = AwareDateTimeField(required=False, help_text="Exclusive; default now.")
    step = serializers.ChoiceField(choices=list(STEPS), default="raw")

    def validate(self, attrs):
        end = attrs.get("end") or timezone.now()
        start = attrs.get("start") or end - DEFAULT_SPAN
        if end <= start:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        if end - start > MAX_SPAN:
            raise serializers.ValidationError({"start": [f"The period may cover at most {MAX_PERIOD_DAYS} days."]})
        # Both read raw readings: keep each page's scan bounded.
        if attrs["step"] in {"raw", "5m"} and end - start > RAW_STEP_MAX_SPAN:
            raise serializers.ValidationError(
                {"step": [f"step={attrs['step']} covers at most 7 days; use hour or day for longer periods."]}
            )
        return {**attrs, "start": start, "end": end}


class ReadingSerializer(serializers.Serializer):
    time = serializers.DateTimeField(help_text="The reading's instant (raw) or the step's start.")
    device_id = serializers.IntegerField()
    power_w = serializers.FloatField(help_text="Measured power (raw) or the time-weighted mean over the step.")
    energy_wh_total = serializers.FloatField(allow_null=True, help_text="Cumulative meter (raw only).")
    voltage_v = serializers.FloatField(allow_null=True)
    current_a = serializers.FloatField(allow_null=True)
    power_factor = serializers.FloatField(allow_null=True)


class ReadingPageSerializer(serializers.Serializer):
    step = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")
    results = ReadingSerializer(many=True)


@dataclass(frozen=True)
class ReadingItem:
    time: datetime
    device_id: int
    power_w: float
    energy_wh_total: float | None = None
    voltage_v: float | None = None
    current_a: float | None = None
    power_factor: float | None = None


def _raw_page(devices: list[Device], start, end, after: TimeCursor | None, size: int) -> list[ReadingItem]:
    """Up to ``size`` + 1 raw readings of ``devices`` in [start, end) after ``after``, by (time, device)."""
    rows = Reading.objects.filter(device_id__in=[d.pk for d in devices], time__gte=start, time__lt=end)
    if after is not None:
        rows = rows.filter(Q(time__gt=after.time) | Q(time=after.time, device_id__gt=after.device_id))
    fields = ("time", "device_id", "power_w", "energy_wh_total", "voltage_v", "current_a", "power_factor")
    return [ReadingItem(*row) for row in rows.order_by("time", "device_id").values_list(*fields)[: size + 1]]


def _step_page(devices: list[Device], start, end, step: str, after: TimeCursor | None, size: int) -> list[ReadingItem]:
    """Up to ``size`` + 1 mean-power points after ``after``, one selector call per window of steps."""
    delta = STEPS[step]
    window = delta * WINDOW_STEPS[step]
    items: list[ReadingItem] = []
    window_start = max(start, after.time) if after is not None else start
    while window_start < end and len(items) <= size and devices:
        window_end = min(end, window_start + window)
        for point in power_series(devices=devices, start=window_start, end=window_end, step=delta, by_device=True):
            if after is not None and (point.time, point.device_id) <= (after.time, after.device_id):
                continue
            items.append(ReadingItem(point.time, point.device_id, point.power_w))
        window_start = window_end
    return items


def _scope_devices(home: Home, device_id: int | None) -> list[Device]:
    devices = devices_for(home).select_related("home")
    if device_id is not None:
        devices = devices.filter(pk=device_id)
        if not devices:
            raise serializers.ValidationError({"device": ["No such device in this home."]})
    return list(devices)


class ReadingListView(APIView):
    """Readings of a home's devices, oldest first, in cursor pages (follow ``next``)."""

    @extend_schema(
        summary="Readings",
        parameters=[ReadingsQuery, *CURSOR_PARAMETERS],
        responses={200: ReadingPageSerializer, **errors(400, 401, 404)},
        examples=[
            OpenApiExample(
                "Five-minute means",
                value={
                    "step": "5m",
                    "start": "2026-11-25T08:00:00Z",
                    "end": "2026-11-25T09:00:00Z",
                    "next": "http://127.0.0.1:8000/api/v1/homes/1/readings/?step=5m&cursor=eyJ0Ijo",
                    "results": [
                        {
                            "time": "2026-11-25T08:00:00Z",
                            "device_id": 7,
                            "power_w": 2150.4,
                            "energy_wh_total": None,
                            "voltage_v": None,
                            "current_a": None,
                            "power_factor": None,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        query = ReadingsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        size = cursor_page_size(request, default=READINGS_PAGE_SIZE, maximum=READINGS_MAX_PAGE_SIZE)
        raw_cursor = request.query_params.get("cursor")
        after = TimeCursor.decode(raw_cursor) if raw_cursor else None
        devices = _scope_devices(home, params.get("device"))
        start, end, step = params["start"], params["end"], params["step"]
        if step == "raw":
            items = _raw_page(devices, start, end, after, size) if devices else []
        else:
            items = _step_page(devices, start, end, step, after, size)
        more = len(items) > size
        items = items[:size]
        cursor = TimeCursor(items[-1].time, items[-1].device_id) if more else None
        body = {
            "step": step,
            "start": start,
            "end": end,
            "next": next_link(request, cursor),
            "results": ReadingSerializer(items, many=True).data,
        }
        return Response(ReadingPageSerializer(body).data)


class EnergyQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[key for key, _label in PRESETS] + ["custom"], default="today", help_text="Home-local period."
    )
    start = serializers.DateField(required=False, help_text="First local day (period=custom).")
    end = serializers.DateField(required=False, help_text="Last local day, inclusive (period=custom).")
    by = serializers.ChoiceField(choices=["device", "room", "type", "hour", "day"], default="device")

    def validate(self, attrs):
        if attrs["period"] == "custom":
            missing = {name: ["Required for period=custom."] for name in ("start", "end") if name not in attrs}
            if missing:
                raise serializers.ValidationError(missing)
            if attrs["end"] < attrs["start"]:
                raise serializers.ValidationError({"end": ["Must not be before start."]})
            if (attrs["end"] - attrs["start"]).days >= MAX_PERIOD_DAYS:
                raise serializers.ValidationError({"start": [f"The period may cover at most {MAX_PERIOD_DAYS} days."]})
        return attrs


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    first_day = serializers.DateField(help_text="Home-local date.")
    last_day = serializers.DateField(help_text="Home-local date, inclusive.")
    start = serializers.DateTimeField(help_text="Local midnight of first_day.")
    end = serializers.DateTimeField(help_text="Local midnight after last_day (exclusive).")


class EnergyRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Device id, room, type slug, UTC hour start (ISO) or local date.")
    label = serializers.CharField()
    energy_wh = serializers.FloatField()


class EnergyTotalsSerializer(serializers.Serializer):
    consumption_wh = serializers.FloatField(help_text="The home's use: grid + solar - battery with a meter.")
    solar_wh = serializers.FloatField()
    grid_wh = serializers.FloatField(help_text="Net: import > 0, export < 0.")
    battery_wh = serializers.FloatField(help_text="Net: charged > 0, discharged < 0.")


class ComparisonSerializer(serializers.Serializer):
    current_kwh = serializers.FloatField(help_text="Consumers' energy in the period (to date).")
    previous_kwh = serializers.FloatField(help_text="The previous period, to the same elapsed point.")
    change_pct = serializers.FloatField(allow_null=True)
    previous_first_day = serializers.DateField(source="previous.first_day")
    previous_last_day = serializers.DateField(source="previous.last_day")
    to_date = serializers.BooleanField()


class EnergySerializer(serializers.Serializer):
    home_id = serializers.IntegerField()
    period = PeriodSerializer()
    by = serializers.CharField()
    rows = EnergyRowSerializer(many=True)
    totals = EnergyTotalsSerializer()
    comparison = ComparisonSerializer()


def _row_key(key: object) -> str:
    if isinstance(key, datetime):
        return serializers.DateTimeField().to_representation(key)  # UTC as ...Z, like every other time
    return key.isoformat() if isinstance(key, date) else str(key)


class EnergyView(APIView):
    """Energy of a home-local period, grouped ``by`` device, room, type (largest first), UTC hour
    or local day (in time order), with totals by kind and a comparison with the previous period.
    Rows sum the devices of a group as measured (signs as in the README); ``by=hour`` covers
    periods up to 31 days."""

    @extend_schema(
        summary="Energy summary",
        parameters=[EnergyQuery],
        responses={200: EnergySerializer, **errors(400, 401, 404)},
        examples=[
            OpenApiExample(
                "This month by device",
                value={
                    "home_id": 1,
                    "period": {
                        "key": "this-month",
                        "label": "This month",
                        "first_day": "2026-11-01",
                        "last_day": "2026-11-30",
                        "start": "2026-10-31T23:00:00Z",
                        "end": "2026-11-30T23:00:00Z",
                    },
                    "by": "device",
                    "rows": [{"key": "7", "label": "Heat pump", "energy_wh": 412345.0}],
                    "totals": {"consumption_wh": 612000.0, "solar_wh": 98000.0, "grid_wh": 514000.0, "battery_wh": 0},
                    "comparison": {
                        "current_kwh": 612.0,
                        "previous_kwh": 580.5,
                        "change_pct": 5.43,
                        "previous_first_day": "2026-10-01",
                        "previous_last_day": "2026-10-31",
                        "to_date": True,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        query = EnergyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period = period_for(home, params["period"], first=params.get("start"), last=params.get("end"))
        by = params["by"]
        if by == "hour" and period.days > HOUR_ROWS_MAX_DAYS:
            raise serializers.ValidationError({"by": [f"by=hour covers periods up to {HOUR_ROWS_MAX_DAYS} days."]})
        rows = energy_by(home=home, start=period.start, end=period.end, by=by)
        by_type = energy_by(home=home, start=period.start, end=period.end, by="type")
        categories = dict(Device.objects.filter(home=home).values_list("type__slug", "type__category"))
        by_category: dict[str, float] = {}
        for row in by_type:
            category = categories.get(row.key)
            by_category[category] = by_category.get(category, 0.0) + row.energy_wh
        shape = home_shape(home)
        body = {
            "home_id": home.pk,
            "period": period,
            "by": by,
            "rows": [{"key": _row_key(r.key), "label": r.label, "energy_wh": r.energy_wh} for r in rows],
            "totals": {
                "consumption_wh": consumption_from(by_category, has_meter=shape.has_meter),
                "solar_wh": by_category.get(PRODUCER, 0.0),
                "grid_wh": by_category.get(METER, 0.0),
                "battery_wh": by_category.get(STORAGE, 0.0),
            },
            "comparison": compare_with_previous(home, period),
        }
        return Response(EnergySerializer(body).data)


class PowerNowSerializer(serializers.Serializer):
    time = serializers.DateTimeField(allow_null=True, help_text="Newest reading that went in.")
    consumption_w = serializers.FloatField(allow_null=True)
    solar_w = serializers.FloatField(allow_null=True)
    battery_w = serializers.FloatField(allow_null=True, help_text="> 0 charging, < 0 discharging.")
    grid_w = serializers.FloatField(allow_null=True, help_text="> 0 import, < 0 export.")


class PowerSerializer(PowerNowSerializer):
    home_id = serializers.IntegerField()
    devices = DeviceStatusSerializer(many=True)


def power_body(home: Home, power, tiles) -> dict:
    """The power-now payload (also what the JSON stream sends), from analytics' PowerNow and tiles."""
    return {
        "home_id": home.pk,
        **PowerNowSerializer(power).data,
        "devices": DeviceStatusSerializer(tiles, many=True).data,
    }


class PowerView(APIView):
    """The home's power now: balance from each active device's newest reading (offline devices
    left out), and every active device's newest power and state."""

    @extend_schema(
        summary="Power now",
        responses={200: PowerSerializer, **errors(401, 404)},
        examples=[
            OpenApiExample(
                "Solar afternoon",
                value={
                    "home_id": 1,
                    "time": "2026-11-25T13:00:02Z",
                    "consumption_w": 1830.0,
                    "solar_w": 2400.0,
                    "battery_w": 300.0,
                    "grid_w": -270.0,
                    "devices": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        now = timezone.now()
        latest = latest_power(home=home)
        shape = home_shape(home)
        power = power_now(home, shape=shape, latest=latest, now=now)
        return Response(power_body(home, power, device_tiles(home, latest=latest, now=now)))

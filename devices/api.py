"""API for devices, their keys, device types and rooms.

Reads go through devices.selectors (``get_device_for``: 404 unless the device's home is one of
yours), writes through devices.services; a write needs a role that may control the home
(owner, member, manager; a viewer gets 403). ``DELETE`` deactivates: the device stops
accepting readings and keeps its history. A new or rotated key is in the response once and
never again.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import get_home_for, get_home_for_write, homes_for
from analytics.selectors import device_tile, rooms_of
from devices import services
from devices.models import Device
from devices.selectors import device_types, devices_for, get_device_for, keys_of
from energyhome.api_pagination import PAGE_PARAMETERS, PagePagination, page_example, paginated
from energyhome.api_schema import errors
from telemetry.selectors import latest_power


class DeviceTypeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    category = serializers.CharField(help_text="consumer, producer, storage or meter")
    icon = serializers.CharField()
    commands = serializers.ListField(child=serializers.CharField())
    min_power_w = serializers.FloatField()
    max_power_w = serializers.FloatField()


class DeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    home_id = serializers.IntegerField(read_only=True)
    type = serializers.CharField(source="type.slug", read_only=True, help_text="Device type slug.")
    category = serializers.CharField(source="type.category", read_only=True)
    name = serializers.CharField()
    room = serializers.CharField(allow_blank=True)
    external_id = serializers.CharField(read_only=True)
    mqtt_topic = serializers.CharField(read_only=True)
    firmware_version = serializers.CharField(read_only=True)
    rated_power_w = serializers.FloatField(allow_null=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class DeviceCreateSerializer(serializers.Serializer):
    home = serializers.IntegerField(help_text="Id of one of your homes (write role needed).")
    type = serializers.SlugField(help_text="A device type slug (GET /api/v1/device-types/).")
    name = serializers.CharField(max_length=80)
    room = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    external_id = serializers.CharField(max_length=64, required=False, help_text="Generated when left out.")
    mqtt_topic = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    firmware_version = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    rated_power_w = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0)


class DeviceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    room = serializers.CharField(max_length=60, allow_blank=True, required=False)
    rated_power_w = serializers.FloatField(required=False, allow_null=True, min_value=0)


class NewKeySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The plain key: shown this once, never stored.")
    key_id = serializers.IntegerField()
    prefix = serializers.CharField()


class RegisteredSerializer(DeviceSerializer):
    key = serializers.CharField(read_only=True, help_text="The device's first key, shown this once.")


class DeviceKeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    prefix = serializers.CharField(help_text="First characters of the key, to recognise it.")
    device_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_used = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()


class DeviceStatusSerializer(serializers.Serializer):
    device_id = serializers.IntegerField()
    power_w = serializers.FloatField(allow_null=True, help_text="Newest reading (W); sign as in the README.")
    reading_time = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    is_offline = serializers.BooleanField(help_text="No reading for 10 minutes.")
    is_active = serializers.BooleanField()
    state = serializers.CharField(
        help_text="on, off, producing, charging, discharging, importing, exporting, idle, ..."
    )
    state_label = serializers.CharField()


class RoomSerializer(serializers.Serializer):
    name = serializers.CharField()


DEVICE_EXAMPLE = OpenApiExample(
    "Device",
    value={
        "id": 7,
        "home_id": 1,
        "type": "heat-pump",
        "category": "consumer",
        "name": "Heat pump",
        "room": "Basement",
        "external_id": "hp-01",
        "mqtt_topic": "",
        "firmware_version": "2.4.1",
        "rated_power_w": 3000.0,
        "last_seen": "2026-11-25T09:59:58Z",
        "is_active": True,
        "created_at": "2026-11-01T09:00:00Z",
    },
    response_only=True,
)
DEVICE_TYPE_EXAMPLE = OpenApiExample(
    "Device type",
    value={
        "slug": "heat-pump",
        "name": "Heat pump",
        "category": "consumer",
        "icon": "heat-pump",
        "commands": ["set_power", "set_temperature"],
        "min_power_w": 0.0,
        "max_power_w": 12000.0,
    },
    response_only=True,
)
KEY_EXAMPLE = OpenApiExample(
    "Key",
    value={
        "id": 12,
        "label": "first key",
        "prefix": "ehk_3q2Xa9Lk",
        "device_id": 7,
        "created_at": "2026-11-01T09:00:00Z",
        "last_used": "2026-11-25T09:59:58Z",
        "revoked_at": None,
        "is_active": True,
    },
    response_only=True,
)
HOME_PARAM = OpenApiParameter("home", int, description="Only devices of this home (one of yours).")


def _paginated(view: APIView, request: Request, items, serializer_class) -> Response:
    paginator = PagePagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _writable_device(request: Request, device_id: int) -> Device:
    device = get_device_for(request.user, device_id)
    get_home_for_write(request.user, device.home_id)
    return device


class DeviceTypeListView(APIView):
    """Every device type (what a new device can be)."""

    @extend_schema(
        summary="Device types",
        operation_id="device_types_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(DeviceTypeSerializer), **errors(400, 401)},
        examples=[page_example(DEVICE_TYPE_EXAMPLE)],
    )
    def get(self, request: Request) -> Response:
        return _paginated(self, request, device_types().order_by("name", "id"), DeviceTypeSerializer)


class DeviceListView(APIView):
    """Devices of your homes (deactivated ones included), ordered by home, room and name."""

    @extend_schema(
        summary="My devices",
        operation_id="devices_list",
        parameters=[HOME_PARAM, *PAGE_PARAMETERS],
        responses={200: paginated(DeviceSerializer), **errors(400, 401, 404)},
        examples=[page_example(DEVICE_EXAMPLE)],
    )
    def get(self, request: Request) -> Response:
        home_id = request.query_params.get("home")
        if home_id is not None:
            devices = devices_for(get_home_for(request.user, home_id))
        else:
            devices = Device.objects.filter(home__in=homes_for(request.user)).select_related("type")
        return _paginated(self, request, devices.order_by("home_id", "room", "name", "id"), DeviceSerializer)

    @extend_schema(
        summary="Add a device",
        request=DeviceCreateSerializer,
        responses={201: RegisteredSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "Heat pump",
                value={"home": 1, "type": "heat-pump", "name": "Heat pump", "room": "Basement", "rated_power_w": 3000},
                request_only=True,
            ),
            OpenApiExample(
                "Registered",
                value={**DEVICE_EXAMPLE.value, "key": "ehk_3q2Xa9Lk…"},
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = DeviceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        home = get_home_for_write(request.user, values.pop("home"))
        registered = services.register_device(home=home, **values)
        data = dict(DeviceSerializer(registered.device).data, key=registered.plain_key)
        return Response(data, status=status.HTTP_201_CREATED)


class DeviceDetailView(APIView):
    """One device. PATCH renames it, moves it to a room or changes its rated power; DELETE
    deactivates it (idempotent)."""

    @extend_schema(summary="A device", responses={200: DeviceSerializer, **errors(401, 404)}, examples=[DEVICE_EXAMPLE])
    def get(self, request: Request, device_id: int) -> Response:
        return Response(DeviceSerializer(get_device_for(request.user, device_id)).data)

    @extend_schema(
        summary="Change a device",
        request=DeviceUpdateSerializer,
        responses={200: DeviceSerializer, **errors(400, 401, 403, 404)},
        examples=[OpenApiExample("Move", value={"room": "Kitchen"}, request_only=True), DEVICE_EXAMPLE],
    )
    def patch(self, request: Request, device_id: int) -> Response:
        device = _writable_device(request, device_id)
        serializer = DeviceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        device = services.update_device(
            device=device,
            name=values.get("name", device.name),
            room=values.get("room", device.room),
            rated_power_w=values.get("rated_power_w", device.rated_power_w),
        )
        return Response(DeviceSerializer(device).data)

    @extend_schema(summary="Deactivate a device", responses={204: None, **errors(401, 403, 404)})
    def delete(self, request: Request, device_id: int) -> Response:
        services.deactivate_device(device=_writable_device(request, device_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceStatusView(APIView):
    """Newest power and state of one device."""

    @extend_schema(
        summary="Device status",
        responses={200: DeviceStatusSerializer, **errors(401, 404)},
        examples=[
            OpenApiExample(
                "Heat pump on",
                value={
                    "device_id": 7,
                    "power_w": 2150.0,
                    "reading_time": "2026-11-25T09:59:58Z",
                    "last_seen": "2026-11-25T09:59:58Z",
                    "is_offline": False,
                    "is_active": True,
                    "state": "on",
                    "state_label": "On",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, device_id: int) -> Response:
        device = get_device_for(request.user, device_id)
        latest = latest_power(home=device.home).get(device.pk)
        return Response(DeviceStatusSerializer(device_tile(device, latest, now=timezone.now())).data)


class DeviceKeyListView(APIView):
    """Keys of a device, newest first (revoked ones included; never the key itself)."""

    @extend_schema(
        summary="Device keys",
        operation_id="devices_keys_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(DeviceKeySerializer), **errors(400, 401, 404)},
        examples=[page_example(KEY_EXAMPLE)],
    )
    def get(self, request: Request, device_id: int) -> Response:
        device = get_device_for(request.user, device_id)
        return _paginated(self, request, keys_of(device), DeviceKeySerializer)


class DeviceKeyRotateView(APIView):
    """Revoke every active key of the device and create a new one (in the response, once)."""

    @extend_schema(
        summary="Rotate the device's key",
        request=None,
        responses={201: NewKeySerializer, **errors(401, 403, 404)},
        examples=[
            OpenApiExample(
                "New key", value={"key": "ehk_3q2…", "key_id": 12, "prefix": "ehk_3q2Xa9Lk"}, response_only=True
            )
        ],
    )
    def post(self, request: Request, device_id: int) -> Response:
        device = _writable_device(request, device_id)
        plain_key = services.rotate_device_key(device=device)
        key = keys_of(device).filter(revoked_at__isnull=True).first()
        return Response({"key": plain_key, "key_id": key.pk, "prefix": key.prefix}, status=status.HTTP_201_CREATED)


class DeviceKeyRevokeView(APIView):
    """Revoke one key of the device (idempotent)."""

    @extend_schema(
        summary="Revoke a key",
        request=None,
        responses={200: DeviceKeySerializer, **errors(401, 403, 404)},
        examples=[KEY_EXAMPLE],
    )
    def post(self, request: Request, device_id: int, key_id: int) -> Response:
        device = _writable_device(request, device_id)
        key = keys_of(device).filter(pk=key_id).first()
        if key is None:
            raise Http404("No such key")
        return Response(DeviceKeySerializer(services.revoke_device_key(key=key)).data)


class RoomListView(APIView):
    """Rooms of a home that have devices, by name."""

    @extend_schema(
        summary="Rooms of a home",
        operation_id="homes_rooms_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(RoomSerializer), **errors(400, 401, 404)},
        examples=[page_example(OpenApiExample("Room", value={"name": "Kitchen"}, response_only=True))],
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        return _paginated(self, request, [{"name": room} for room in rooms_of(home)], RoomSerializer)

"""API for the signed-in person and their homes: ``/api/v1/me/``, ``/api/v1/homes/``.

Thin views: the permission helper (accounts.selectors) decides who sees what — a home the
user is not a member of is a 404, a member whose role may not change settings gets 403 —
and accounts.services does the writes.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import CURRENCY_CHOICES, TIME_ZONE_CHOICES, Home
from accounts.selectors import get_home_for, get_home_for_admin, homes_for, role_in
from accounts.services import update_home, update_profile
from energyhome.api_pagination import PAGE_PARAMETERS, PagePagination, page_example, paginated
from energyhome.api_schema import errors

ZONE_CHOICES = [tz for tz, _label in TIME_ZONE_CHOICES] + ["UTC"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    time_zone = serializers.ChoiceField(choices=ZONE_CHOICES, required=False)
    date_joined = serializers.DateTimeField(read_only=True)


class HomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120, required=False)
    address = serializers.CharField(max_length=255, allow_blank=True, required=False)
    time_zone = serializers.ChoiceField(choices=ZONE_CHOICES, required=False)
    currency = serializers.ChoiceField(choices=[code for code, _label in CURRENCY_CHOICES], required=False)
    role = serializers.SerializerMethodField(help_text="Your role: owner, member, viewer or manager.")
    created_at = serializers.DateTimeField(read_only=True)

    def get_role(self, home: Home) -> str:
        return self.context["roles"].get(home.pk) or role_in(self.context["request"].user, home) or ""


def _home_data(request: Request, homes, roles: dict[int, str] | None = None):
    context = {"request": request, "roles": roles or {}}
    if isinstance(homes, Home):
        return HomeSerializer(homes, context=context).data
    return HomeSerializer(homes, many=True, context=context).data


ME_EXAMPLE = OpenApiExample(
    "Me",
    value={
        "id": 3,
        "email": "demo@energyhome.local",
        "full_name": "Dana Demo",
        "time_zone": "Europe/Berlin",
        "date_joined": "2026-11-01T09:00:00Z",
    },
    response_only=True,
)
HOME_EXAMPLE = OpenApiExample(
    "Home",
    value={
        "id": 1,
        "name": "Demo home",
        "address": "Lindenstraße 1, Berlin",
        "time_zone": "Europe/Berlin",
        "currency": "EUR",
        "role": "owner",
        "created_at": "2026-11-01T09:00:00Z",
    },
    response_only=True,
)


class MeView(APIView):
    """The signed-in person. PATCH changes ``full_name`` and ``time_zone`` (email and password
    change through the allauth app endpoints)."""

    @extend_schema(summary="Who am I", responses={200: MeSerializer, **errors(401)}, examples=[ME_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        summary="Change my name or time zone",
        request=MeSerializer,
        responses={200: MeSerializer, **errors(400, 401)},
        examples=[
            OpenApiExample("Rename", value={"full_name": "Dana Demo", "time_zone": "Europe/Berlin"}, request_only=True),
            ME_EXAMPLE,
        ],
    )
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        values = serializer.validated_data
        update_profile(
            user=user,
            full_name=values.get("full_name", user.full_name),
            time_zone=values.get("time_zone", user.time_zone),
        )
        return Response(MeSerializer(user).data)


class HomeListView(APIView):
    """The homes you are a member of (any role), by name."""

    @extend_schema(
        summary="My homes",
        operation_id="homes_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(HomeSerializer), **errors(400, 401)},
        examples=[page_example(HOME_EXAMPLE)],
    )
    def get(self, request: Request) -> Response:
        homes = homes_for(request.user)
        roles = dict(request.user.memberships.values_list("home_id", "role"))
        paginator = PagePagination()
        page = paginator.paginate_queryset(homes, request, view=self)
        return paginator.get_paginated_response(_home_data(request, page, roles))


class HomeDetailView(APIView):
    """One home. Members of any role read it; owners and managers change it (others: 403)."""

    @extend_schema(summary="A home", responses={200: HomeSerializer, **errors(401, 404)}, examples=[HOME_EXAMPLE])
    def get(self, request: Request, home_id: int) -> Response:
        return Response(_home_data(request, get_home_for(request.user, home_id)))

    @extend_schema(
        summary="Change a home's settings",
        request=HomeSerializer,
        responses={200: HomeSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample("Rename", value={"name": "Holiday flat", "time_zone": "Europe/Vienna"}, request_only=True),
            HOME_EXAMPLE,
        ],
    )
    def patch(self, request: Request, home_id: int) -> Response:
        home = get_home_for_admin(request.user, home_id)
        serializer = HomeSerializer(data=request.data, partial=True, context={"request": request, "roles": {}})
        serializer.is_valid(raise_exception=True)
        fields = {
            k: v for k, v in serializer.validated_data.items() if k in {"name", "address", "time_zone", "currency"}
        }
        home = update_home(home=home, by=request.user, **fields)
        return Response(_home_data(request, home))

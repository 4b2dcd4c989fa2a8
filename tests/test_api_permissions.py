"""Who gets what from every /api/v1/ endpoint, as one table.

For each ``Endpoint``: anonymous -> 401; the owner of *another* home -> 404 (exactly like a
missing object, so ids do not leak); ``allowed`` role -> ``ok``; ``refused`` role (a member on
an owner-only action, a viewer on a write) -> 403. Every answer that is not a success is in the
API's one error format.

To add endpoints (device commands, tariffs, ...): append ``Endpoint`` entries to ``ENDPOINTS``.
``url`` and ``body`` get the ``World`` (a home with a device, a key and people of every role, and
another home); ``scoped=False`` marks endpoints that are not about one home (the outsider then
gets ``ok`` too, with nothing of this home in it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from accounts.models import Membership, Role
from tests.api_support import _fast_password_hashing, assert_error, client_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class World:
    home: object
    other_home: object
    device: object
    key: object
    users: dict = field(default_factory=dict)  # role -> user ("outsider": owner of other_home)


def _tariff(w: World, *, dynamic: bool = False):
    from datetime import date
    from decimal import Decimal

    from analytics.models import Tariff
    from analytics.services import save_tariff

    existing = Tariff.objects.filter(home=w.home, kind=Tariff.Kind.DYNAMIC if dynamic else Tariff.Kind.FLAT).first()
    if existing:
        return existing
    prices = {"price_interval_minutes": 60} if dynamic else {"import_price_per_kwh": Decimal("0.30")}
    return save_tariff(
        home=w.home, name="T", kind=Tariff.Kind.DYNAMIC if dynamic else Tariff.Kind.FLAT,
        effective_from=date(2026, 1, 2 if dynamic else 1), export_kind=Tariff.ExportKind.FLAT,
        export_price_per_kwh=Decimal("0.05"), standing_charge_per_day=Decimal("0.40"), **prices,
    )  # fmt: skip


def _queued_command(w: World):
    from devices.services import send_command

    return send_command(device=w.device, command_type="set_power", payload={"on": True}, queue_if_offline=True)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict] | None = None
    ok: int = 200
    allowed: str = Role.VIEWER  # the weakest role that succeeds
    refused: str | None = None  # a role that must get 403 (None: every member may)
    scoped: bool = True


ENDPOINTS: list[Endpoint] = [
    Endpoint("me", "get", lambda w: "/api/v1/me/", scoped=False),
    Endpoint("me-update", "patch", lambda w: "/api/v1/me/", lambda w: {"full_name": "New Name"}, scoped=False),
    Endpoint("home-list", "get", lambda w: "/api/v1/homes/", scoped=False),
    Endpoint("device-types", "get", lambda w: "/api/v1/device-types/", scoped=False),
    Endpoint("device-list", "get", lambda w: "/api/v1/devices/", scoped=False),
    Endpoint("device-list-of-home", "get", lambda w: f"/api/v1/devices/?home={w.home.pk}"),
    Endpoint("home-detail", "get", lambda w: f"/api/v1/homes/{w.home.pk}/"),
    Endpoint(
        "home-update",
        "patch",
        lambda w: f"/api/v1/homes/{w.home.pk}/",
        lambda w: {"name": "Renamed"},
        allowed=Role.MANAGER,
        refused=Role.MEMBER,
    ),
    Endpoint("home-rooms", "get", lambda w: f"/api/v1/homes/{w.home.pk}/rooms/"),
    Endpoint("home-readings", "get", lambda w: f"/api/v1/homes/{w.home.pk}/readings/"),
    Endpoint("home-readings-hourly", "get", lambda w: f"/api/v1/homes/{w.home.pk}/readings/?step=hour"),
    Endpoint("home-energy", "get", lambda w: f"/api/v1/homes/{w.home.pk}/energy/?period=this-month&by=device"),
    Endpoint("home-power", "get", lambda w: f"/api/v1/homes/{w.home.pk}/power/"),
    Endpoint(
        "device-create",
        "post",
        lambda w: "/api/v1/devices/",
        lambda w: {"home": w.home.pk, "type": "smart-plug", "name": "New plug"},
        ok=201,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("device-detail", "get", lambda w: f"/api/v1/devices/{w.device.pk}/"),
    Endpoint(
        "device-update",
        "patch",
        lambda w: f"/api/v1/devices/{w.device.pk}/",
        lambda w: {"room": "Kitchen"},
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint(
        "device-deactivate",
        "delete",
        lambda w: f"/api/v1/devices/{w.device.pk}/",
        ok=204,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("device-status", "get", lambda w: f"/api/v1/devices/{w.device.pk}/status/"),
    Endpoint("device-keys", "get", lambda w: f"/api/v1/devices/{w.device.pk}/keys/"),
    Endpoint(
        "device-key-rotate",
        "post",
        lambda w: f"/api/v1/devices/{w.device.pk}/keys/rotate/",
        ok=201,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint(
        "device-key-revoke",
        "post",
        lambda w: f"/api/v1/devices/{w.device.pk}/keys/{w.key.pk}/revoke/",
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    # --- insights (analytics/insight_api.py) ---
    Endpoint("forecasts", "get", lambda w: f"/api/v1/homes/{w.home.pk}/forecasts/"),
    Endpoint("anomalies", "get", lambda w: f"/api/v1/homes/{w.home.pk}/anomalies/"),
    Endpoint("recommendations", "get", lambda w: f"/api/v1/homes/{w.home.pk}/recommendations/"),
    Endpoint(
        "recommendation-dismiss",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/recommendations/{_recommendation(w).pk}/dismiss/",
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint(
        "recommendation-snooze",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/recommendations/{_recommendation(w).pk}/snooze/",
        lambda w: {"days": 3},
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint(
        "recommendation-act",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/recommendations/{_recommendation(w, actionable=True).pk}/act/",
        ok=201,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("alerts", "get", lambda w: f"/api/v1/homes/{w.home.pk}/alerts/"),
    Endpoint(
        "alert-acknowledge",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/alerts/{_alert(w).pk}/acknowledge/",
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("alert-rules", "get", lambda w: f"/api/v1/homes/{w.home.pk}/alert-rules/"),
    Endpoint(
        "alert-rule-create",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/alert-rules/",
        lambda w: {"kind": "monthly_budget", "threshold": "80"},
        ok=201,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("alert-rule-detail", "get", lambda w: f"/api/v1/homes/{w.home.pk}/alert-rules/{_rule(w).pk}/"),
    Endpoint(
        "alert-rule-update",
        "patch",
        lambda w: f"/api/v1/homes/{w.home.pk}/alert-rules/{_rule(w).pk}/",
        lambda w: {"is_active": False},
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint(
        "alert-rule-delete",
        "delete",
        lambda w: f"/api/v1/homes/{w.home.pk}/alert-rules/{_rule(w).pk}/",
        ok=204,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("weekly-report", "get", lambda w: f"/api/v1/homes/{w.home.pk}/reports/weekly/"),
    # Device commands (devices/command_api.py).
    Endpoint("device-commands", "get", lambda w: f"/api/v1/devices/{w.device.pk}/commands/"),
    Endpoint(
        "device-command-send",
        "post",
        lambda w: f"/api/v1/devices/{w.device.pk}/commands/",
        lambda w: {"command_type": "set_power", "payload": {"on": False}, "queue_if_offline": True},
        ok=202,
        allowed=Role.MEMBER,
        refused=Role.VIEWER,
    ),
    Endpoint("command-detail", "get", lambda w: f"/api/v1/commands/{_queued_command(w).pk}/"),
    # Tariffs, price points, summaries, balance (analytics/api.py).
    Endpoint("tariff-list", "get", lambda w: f"/api/v1/homes/{w.home.pk}/tariffs/"),
    Endpoint(
        "tariff-create",
        "post",
        lambda w: f"/api/v1/homes/{w.home.pk}/tariffs/",
        lambda w: {
            "name": "Flat",
            "kind": "flat",
            "effective_from": "2026-01-01",
            "import_price_per_kwh": "0.30",
            "export_kind": "flat",
            "export_price_per_kwh": "0.05",
            "standing_charge_per_day": "0.40",
        },
        ok=201,
        allowed=Role.MANAGER,
        refused=Role.MEMBER,
    ),  # fmt: skip
    Endpoint("tariff-detail", "get", lambda w: f"/api/v1/homes/{w.home.pk}/tariffs/{_tariff(w).pk}/"),
    Endpoint(
        "tariff-delete",
        "delete",
        lambda w: f"/api/v1/homes/{w.home.pk}/tariffs/{_tariff(w).pk}/",
        ok=204,
        allowed=Role.MANAGER,
        refused=Role.MEMBER,
    ),
    Endpoint(
        "tariff-prices", "get", lambda w: f"/api/v1/homes/{w.home.pk}/tariffs/{_tariff(w, dynamic=True).pk}/prices/"
    ),
    Endpoint(
        "summary",
        "get",
        lambda w: f"/api/v1/homes/{w.home.pk}/summary/?start=2026-11-01&end=2026-12-01&resolution=day",
    ),
    Endpoint("balance", "get", lambda w: f"/api/v1/homes/{w.home.pk}/balance/?start=2026-11-01&end=2026-12-01"),
]


def _recommendation(w: World, *, actionable: bool = False):
    """A recommendation of ``w.home``; ``actionable``: moving an EV charger's load under a two-rate tariff."""
    from decimal import Decimal

    from django.utils import timezone

    from analytics.models import Recommendation
    from analytics.tests.test_recommendations import device, tou_tariff

    charger = None
    if actionable:
        tou_tariff(w.home)
        charger = device(w.home, "ev-charger", "Wallbox")
    return Recommendation.objects.create(
        home=w.home, device=charger, kind="shift_load" if actionable else "cut_standby",
        key=f"advice:{'shift' if actionable else 'standby'}", title="Advice", reason="A reason.",
        saving_kwh_month=10.0, saving_month=Decimal("3.00"), currency="EUR", evaluated_at=timezone.now(),
    )  # fmt: skip


def _rule(w: World):
    from analytics.insight_services import create_alert_rule

    return create_alert_rule(home=w.home, kind="monthly_budget", threshold="100")


def _alert(w: World):
    from django.utils import timezone

    from analytics.models import Alert

    rule = _rule(w)
    return Alert.objects.create(
        home=w.home, rule=rule, cause="month:x:80", title="80 %", message="Budget.", opened_at=timezone.now()
    )


@pytest.fixture
def world(home, other_home, make_user) -> World:
    from devices.tests.factories import register

    registered = register(home, name="Heat pump", type="heat-pump", room="Basement")
    users = {Role.OWNER: home.memberships.get(role=Role.OWNER).user}
    for role in (Role.MEMBER, Role.VIEWER, Role.MANAGER):
        users[role] = make_user(f"{role}@example.com")
        Membership.objects.create(user=users[role], home=home, role=role)
    users["outsider"] = other_home.memberships.get(role=Role.OWNER).user
    return World(home=home, other_home=other_home, device=registered.device, key=registered.key, users=users)


def _call(client, endpoint: Endpoint, world: World):
    url = endpoint.url(world)
    body = endpoint.body(world) if endpoint.body else None
    method = getattr(client, endpoint.method)
    if endpoint.method == "get":
        return method(url)
    return method(url, json.dumps(body) if body is not None else "", content_type="application/json")


def _ids(endpoints):
    return [e.name for e in endpoints]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids(ENDPOINTS))
def test_anonymous_gets_401(endpoint, world):
    from django.test import Client

    assert_error(_call(Client(), endpoint, world), 401, "not_authenticated")


SCOPED = [e for e in ENDPOINTS if e.scoped]


@pytest.mark.parametrize("endpoint", SCOPED, ids=_ids(SCOPED))
def test_a_member_of_another_home_gets_404(endpoint, world):
    assert_error(_call(client_for(world.users["outsider"]), endpoint, world), 404, "not_found")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids(ENDPOINTS))
def test_the_allowed_role_succeeds(endpoint, world):
    response = _call(client_for(world.users[endpoint.allowed]), endpoint, world)
    assert response.status_code == endpoint.ok, response.content[:500]


REFUSING = [e for e in ENDPOINTS if e.refused]


@pytest.mark.parametrize("endpoint", REFUSING, ids=_ids(REFUSING))
def test_a_member_without_the_role_gets_403(endpoint, world):
    assert_error(_call(client_for(world.users[endpoint.refused]), endpoint, world), 403, "permission_denied")


def test_lists_of_an_outsider_hold_nothing_of_this_home(world):
    client = client_for(world.users["outsider"])
    homes = client.get("/api/v1/homes/").json()
    assert [h["id"] for h in homes["results"]] == [world.other_home.pk]
    devices = client.get("/api/v1/devices/").json()
    assert devices["count"] == 0 and devices["results"] == []

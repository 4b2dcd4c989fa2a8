"""Isolation over every URL, generated from Django's resolver, not hand-listed.

Home B holds one of everything, each row carrying the marker ``ZZMARKERB``. Every URL pattern is
filled with B's ids and requested by every attacker (the owner, a viewer and a manager of home A,
anonymous, a device key of A) with every method. Pass: no request succeeds, no body shows B's
marker, no row of B changes, and the owner of B (the positive control) does get the pages, so each
URL really was exercised. A pattern with a parameter this test does not know how to fill fails it:
a page added later cannot slip past. The admin is walked by tests/test_admin_isolation.py, generated
from the admin registry; websockets by the consumer tests.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Membership, Role
from accounts.services import create_home, invite_member
from devices import rules
from devices.services import create_device_key, send_command
from devices.tests.factories import register
from devices.tests.test_commands import online

pytestmark = pytest.mark.django_db

MARKER = "ZZMARKERB"
METHODS = ("get", "post", "put", "patch", "delete")
# URL names that hold no home data (sign-in, sign-up, schema, health, the catch-all): nothing of B to leak.
HOME_AGNOSTIC = re.compile(
    r"^(account_|mfa_|headless:|api-schema$|api-docs$|healthz$|api-me$|api-device-type-list$|dashboard$|"
    r"api-home-list$|api-device-list$|api-ingest$|api-device-commands$|api-assistant-ask$|"
    r"accounts:(home-create|home-switch|profile)$|telemetry:csv$|devices:(device-list|device-create|command-log|rule-list)$|"
    r"analytics:history$|costs:costs$|insights:(insights|alerts|weekly-report|notification-settings)$|assistant:chat-current$|$)"
)
# Routes devices call with their key (the positive control is B's device key, not B's owner).
DEVICE_SIDE = {"api-device-command-ack"}
# Query strings a route needs before it does anything (attackers and the control send the same).
QUERY = {
    "api-summary": "?start=2026-11-01&end=2026-12-01&resolution=day",
    "api-balance": "?start=2026-11-01&end=2026-12-01",
    "api-home-readings": "?start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z",
    "api-home-energy": "?period=today&by=device",
    "telemetry:csv-export": "?start=2026-11-25&end=2026-12-01&kind=hourly",
}
# Capability URLs: whoever holds the link may use it, by design (an invitation is accepted by link).
CAPABILITY = {"accounts:invitation-accept", "insights:report-unsubscribe"}


def walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield prefix + str(pattern.pattern), name


def param_names(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


@pytest.fixture
def world(make_user):
    """Home A with its attackers, and home B with one of everything, marked."""
    from analytics.insight_services import create_alert_rule
    from analytics.models import Alert, Recommendation, Tariff
    from analytics.services import save_tariff
    from assistant.services import ask
    from telemetry.csv_tasks import start_csv_import

    a_owner = make_user("a-owner@example.com")
    home_a = create_home(owner=a_owner, name="Home A", time_zone="Europe/Berlin", currency="EUR")
    viewer = make_user("a-viewer@example.com")
    manager = make_user("a-manager@example.com")
    Membership.objects.create(user=viewer, home=home_a, role=Role.VIEWER)
    Membership.objects.create(user=manager, home=home_a, role=Role.MANAGER)
    a_plug = online(register(home_a, type="smart-plug", name="A plug", external_id="a-plug").device)
    _a_key, a_plain_key = create_device_key(home=home_a, label="A hub")

    b_owner = make_user("b-owner@example.com", full_name=f"{MARKER} owner")
    home_b = create_home(owner=b_owner, name=f"Home {MARKER}", time_zone="Europe/Berlin", currency="EUR")
    plug = online(register(home_b, type="smart-plug", name=f"Plug {MARKER}", external_id="zzmarkerb-plug").device)
    command = send_command(device=plug, command_type="set_power", payload={"on": False})
    rule = rules.create_rule(
        home=home_b, kind="schedule", name=f"Rule {MARKER}", device=plug, command_type="set_power",
        payload={"on": True}, time_of_day=time(7), weekdays=[0],
    )  # fmt: skip
    tariff = save_tariff(
        home=home_b, name=f"Tariff {MARKER}", kind=Tariff.Kind.DYNAMIC, effective_from=date(2026, 1, 1),
        price_interval_minutes=60, export_kind=Tariff.ExportKind.FLAT,
        export_price_per_kwh=Decimal("0.05"), standing_charge_per_day=Decimal("0.40"),
    )  # fmt: skip
    invitation = invite_member(home=home_b, by=b_owner, email="zzmarkerb-guest@example.com")
    alert_rule = create_alert_rule(home=home_b, kind="device_offline", device_id=plug.pk, minutes=30)
    from django.utils import timezone

    alert = Alert.objects.create(
        home=home_b, rule=alert_rule, cause=f"offline:{plug.pk}", title=f"{MARKER} offline", message=MARKER,
        opened_at=timezone.now(),
    )  # fmt: skip
    recommendation = Recommendation.objects.create(
        home=home_b, device=plug, kind=Recommendation.Kind.values[0], key="zz", title=f"{MARKER} tip",
        reason=MARKER, saving_kwh_month=1.0, saving_month=Decimal("1.00"), currency="EUR", evaluated_at=timezone.now(),
    )  # fmt: skip
    answer = ask(user=b_owner, home=home_b, question=f"switch off the plug {MARKER}")
    job = start_csv_import(home=home_b, upload=SimpleUploadedFile("b.csv", b"timestamp,device,power_w\n"), by=b_owner)
    _b_key, b_plain_key = create_device_key(home=home_b, label="B hub")
    ids = {
        "home_id": home_b.pk,
        "membership_id": home_b.memberships.get(user=b_owner).pk,
        "invitation_id": invitation.pk,
        "token": invitation.token,
        "job_id": job.id,
        "key_pk": plug.keys.first().pk,
        "key_id": plug.keys.first().pk,
        "tariff_id": tariff.pk,
        "alert_id": alert.pk,
        "rule_id": alert_rule.pk,  # the alert rules' API
        "recommendation_id": recommendation.pk,
        "message_id": answer.message.pk,
        "conversation_id": answer.conversation.pk,
        "device_id": plug.pk,
        "command_id": command.pk,
    }
    pk_by_url = {"devices:rule-toggle": rule.pk, "devices:rule-delete": rule.pk}
    clients = {}
    for label, user in (("owner-a", a_owner), ("viewer-a", viewer), ("manager-a", manager), ("owner-b", b_owner)):
        client = Client()
        client.force_login(user)
        clients[label] = client
    clients["anonymous"] = Client()
    clients["device-key-a"] = Client(HTTP_AUTHORIZATION=f"Device {a_plain_key}")
    clients["device-key-b"] = Client(HTTP_AUTHORIZATION=f"Device {b_plain_key}")
    return {
        "ids": ids,
        "pk_by_url": pk_by_url,
        "device_pk": plug.pk,
        "clients": clients,
        "home_b": home_b,
        "a_plug": a_plug,
    }


def fill(route: str, name: str, world) -> str | None:
    """``route`` with B's ids; None for a home-agnostic route; AssertionError for an unknown parameter."""
    params = param_names(route)
    if not params:
        if HOME_AGNOSTIC.match(name):
            return None
        raise AssertionError(
            f"{route} ({name}): a new URL without ids; add it to HOME_AGNOSTIC if it shows only the user's own data"
        )
    values = {}
    for param in params:
        if param == "pk":
            values[param] = world["pk_by_url"].get(name, world["device_pk"])
        elif param in world["ids"]:
            values[param] = world["ids"][param]
        elif name.startswith(("account_", "mfa_", "headless:")):
            return None
        else:
            raise AssertionError(f"{route} ({name}): the isolation walk does not know how to fill <{param}>")
    path = route
    for param, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{param}>", str(value), path)
    return route_without_regex(path)


def route_without_regex(route: str) -> str:
    return "/" + route.replace("^", "").replace("$", "")


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def snapshot(home) -> list[str]:
    """Every row that belongs to ``home``, across the models that hold home data."""
    from django.apps import apps

    rows = []
    for model in apps.get_models():
        for lookup in ("home", "device__home", "tariff__home", "rule__home", "conversation__home"):
            try:
                model._meta.get_field(lookup.split("__")[0])
            except Exception:  # noqa: S112 - not this model's path
                continue
            try:
                found = model._default_manager.filter(**{lookup: home}).order_by("pk").values()
                rows.extend(f"{model._meta.label}:{sorted(r.items())!r}" for r in found)
            except Exception:  # noqa: S112 - the first segment matched but not the rest
                continue
            break
    rows.append(repr(sorted(home.__class__.objects.filter(pk=home.pk).values()[0].items())))
    return rows


def test_every_url_refuses_every_attacker_on_home_b(world, django_capture_on_commit_callbacks):
    routes = [(route, name) for route, name in walk(get_resolver().url_patterns) if not route.startswith("admin/")]
    assert len(routes) > 60
    targets = []
    for route, name in routes:
        if name in CAPABILITY:
            continue
        path = fill(route, name, world)
        if path is not None:
            targets.append((name, path + QUERY.get(name, "")))
    assert len(targets) > 40
    before = snapshot(world["home_b"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _name, path in targets:
            for attacker in ("owner-a", "viewer-a", "manager-a", "anonymous", "device-key-a"):
                client = world["clients"][attacker]
                for method in METHODS:
                    if method == "get":
                        response = client.get(path)
                    else:
                        response = getattr(client, method)(path, data="{}", content_type="application/json")
                    body = _body(response)
                    where = (attacker, method, path, response.status_code)
                    assert response.status_code < 500, where
                    assert not 200 <= response.status_code < 300, where
                    assert MARKER not in body, where
    assert snapshot(world["home_b"]) == before, "an attacker's request changed home B"
    assert not callbacks, "an attacker's request scheduled side effects (tasks, live events, emails)"
    # Positive controls: B's owner (or B's device key) gets each page, so every URL was really exercised.
    control_failures = []
    for name, path in targets:
        controller = "device-key-b" if name in DEVICE_SIDE else "owner-b"
        control = world["clients"][controller].get(path)
        if control.status_code >= 400 and control.status_code != 405:  # 405: a POST-only route
            control_failures.append((path, control.status_code, _body(control)[:200]))
    assert not control_failures, control_failures


def test_a_route_with_an_unknown_parameter_fails_the_walk(world):
    with pytest.raises(AssertionError, match="does not know how to fill"):
        fill("homes/<int:home_id>/gadgets/<int:gadget_id>/", "gadgets:detail", world)


def test_pages_and_lists_without_ids_show_nothing_of_home_b(world):
    """The home-agnostic routes (lists, the current home's pages, search) as A's people: no B marker."""
    seen = 0
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or param_names(route) or not HOME_AGNOSTIC.match(name) or "^" in route:
            continue
        for attacker in ("owner-a", "viewer-a", "manager-a", "device-key-a"):
            response = world["clients"][attacker].get(route_without_regex(route), {"q": MARKER, "search": MARKER})
            assert response.status_code < 500, (attacker, route, response.status_code)
            assert MARKER not in _body(response), (attacker, route)
        seen += 1
    assert seen > 15

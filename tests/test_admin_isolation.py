"""A manager of two homes out of five walks every admin URL of every registered model and sees,
picks and changes nothing of the other homes. Generated from the admin registry: a model
registered later is covered without editing this test."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Home, Invitation, Membership, Role
from accounts.services import create_home, invite_member
from devices import rules
from devices.models import Command
from devices.services import send_command
from devices.tests.factories import register
from devices.tests.test_commands import online
from energyhome.admin_scope import HomeScopedAdmin, scope_queryset

pytestmark = pytest.mark.django_db


def populate(home: Home, tag: str) -> None:
    """Give ``home`` one of everything the admin shows, through the services."""
    from analytics.models import Tariff
    from analytics.services import save_tariff
    from telemetry.rollups import rollup_dirty_hours

    plug = online(register(home, type="smart-plug", name=f"Plug {tag}", external_id=f"plug-{tag}").device, 500)
    send_command(device=plug, command_type="set_power", payload={"on": False})
    rule = rules.create_rule(
        home=home, kind="schedule", name=f"Rule {tag}", device=plug, command_type="set_power", payload={"on": True},
        time_of_day=time(7), weekdays=[0, 1, 2, 3, 4, 5, 6],
    )  # fmt: skip
    from devices.models import RuleRun

    RuleRun.objects.create(rule=rule, outcome=RuleRun.Outcome.REFUSED, message="test run")
    save_tariff(
        home=home, name=f"Tariff {tag}", kind=Tariff.Kind.FLAT, effective_from=date(2026, 1, 1),
        import_price_per_kwh=Decimal("0.30"), export_kind=Tariff.ExportKind.FLAT, export_price_per_kwh=Decimal("0.08"),
        standing_charge_per_day=Decimal("0.50"),
    )  # fmt: skip
    rollup_dirty_hours(limit=1000)
    owner = home.memberships.get(role=Role.OWNER).user
    invite_member(home=home, by=owner, email=f"tenant-{tag}@example.com")


@pytest.fixture
def portfolio(make_user):
    manager = make_user("manager@example.com")
    homes = {}
    for tag in "abcde":
        owner = make_user(f"owner-{tag}@example.com")
        homes[tag] = create_home(owner=owner, name=f"Home {tag.upper()}", time_zone="Europe/Berlin", currency="EUR")
        populate(homes[tag], tag)
    for tag in "ac":
        Membership.objects.create(user=manager, home=homes[tag], role=Role.MANAGER)
    client = Client()
    client.force_login(manager)
    return manager, homes, client


def scoped_admins():
    return [(model, ma) for model, ma in admin.site._registry.items() if isinstance(ma, HomeScopedAdmin)]


def unscoped_admins():
    return [(model, ma) for model, ma in admin.site._registry.items() if not isinstance(ma, HomeScopedAdmin)]


def foreign_objects(model, ma, homes, manager_homes) -> list:
    """Objects of ``model`` that belong to a home the manager does not manage."""
    lookup = ma.home_lookup
    mine = [h.pk for h in manager_homes]
    if lookup == "":
        return list(model._default_manager.exclude(pk__in=mine))
    return list(
        model._default_manager.exclude(pk__in=model._default_manager.filter(**{f"{lookup}__in": mine}).values("pk"))
    )


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def snapshot(homes_out) -> dict:
    """Every row of every scoped model that belongs to the homes outside the manager's scope."""
    state = {}
    for model, ma in scoped_admins():
        rows = model._default_manager.all()
        if ma.home_lookup == "":
            rows = rows.filter(pk__in=[h.pk for h in homes_out])
        else:
            rows = rows.filter(**{f"{ma.home_lookup}__in": [h.pk for h in homes_out]})
        state[model._meta.label] = sorted(map(repr, rows.values()))
    return state


def test_every_model_with_home_data_is_scoped():
    """A model with a path to a home must use the scoped admin (otherwise managers could not see it,
    and nobody would notice it was never scoped)."""
    for model, _ma in unscoped_admins():
        has_home = any(
            isinstance(f, models.ForeignKey) and f.related_model in {Home}
            for f in model._meta.get_fields()
            if f.concrete
        )
        assert not has_home, f"{model._meta.label} holds home data but its admin is not HomeScopedAdmin"


def test_manager_sees_only_their_homes_on_every_admin_url(portfolio):
    manager, homes, client = portfolio
    mine = [homes["a"], homes["c"]]
    assert client.get(reverse("admin:index")).status_code == 200
    checked = 0
    for model, ma in scoped_admins():
        changelist = client.get(url(model, "changelist"))
        assert changelist.status_code == 200, (model, changelist.status_code)
        html = changelist.content.decode()
        for obj in foreign_objects(model, ma, homes, mine):
            change_url = url(model, "change", obj.pk)
            assert f'href="{change_url}"' not in html, f"{model._meta.label} {obj.pk} listed"
            for view in ("change", "delete", "history"):
                response = client.get(url(model, view, obj.pk))
                assert response.status_code in (403, 404), (model._meta.label, view, obj.pk, response.status_code)
            forged = client.post(url(model, "change", obj.pk), {})
            assert forged.status_code in (403, 404)
            checked += 1
        # Search for a foreign object's text finds nothing of it.
        if ma.search_fields:
            foreign = foreign_objects(model, ma, homes, mine)
            if foreign:
                term = str(foreign[0])[:12]
                found = client.get(url(model, "changelist"), {"q": term}).content.decode()
                assert f'href="{url(model, "change", foreign[0].pk)}"' not in found
        # Add forms offer only in-scope choices.
        if ma.has_add_permission(_request(client, manager)):
            add = client.get(url(model, "add"))
            assert add.status_code == 200, model
            form = add.context["adminform"].form
            for name, field in form.fields.items():
                queryset = getattr(field, "queryset", None)
                related = getattr(queryset, "model", None)
                related_admin = admin.site._registry.get(related)
                if isinstance(related_admin, HomeScopedAdmin):
                    outside = foreign_objects(related, related_admin, homes, mine)
                    assert not set(queryset.values_list("pk", flat=True)) & {o.pk for o in outside}, (model, name)
    assert checked > 20  # the walk really visited foreign objects


def _request(client, user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_autocomplete_never_returns_foreign_objects(portfolio):
    manager, homes, client = portfolio
    mine = [homes["a"], homes["c"]]
    for model, ma in admin.site._registry.items():
        for field_name in getattr(ma, "autocomplete_fields", []):
            field = model._meta.get_field(field_name)
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            if response.status_code == 403:
                continue  # the manager may not use that form at all
            assert response.status_code == 200, (model, field_name, response.status_code)
            ids = {int(r["id"]) for r in response.json()["results"]}
            related_admin = admin.site._registry[field.related_model]
            outside = {o.pk for o in foreign_objects(field.related_model, related_admin, homes, mine)}
            assert not ids & outside, (model, field_name)


def test_every_action_with_forged_ids_changes_nothing_outside(portfolio, caplog):
    manager, homes, client = portfolio
    outside = [homes["b"], homes["d"], homes["e"]]
    before = snapshot(outside)
    for model, ma in scoped_admins():
        foreign = foreign_objects(model, ma, homes, [homes["a"], homes["c"]])
        if not foreign:
            continue
        for action in ma.get_actions(_request(client, manager)):
            if action == "delete_selected":
                payload = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in foreign], "post": "yes"}
            else:
                payload = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in foreign], "apply": "1",
                           "command_type": "set_power", "on": "false", "effective_from": "2026-02-01"}  # fmt: skip
            response = client.post(url(model, "changelist"), payload)
            assert response.status_code in (200, 302, 403), (model, action)
    assert snapshot(outside) == before
    assert any("outside their homes" in r.message for r in caplog.records)


def test_superuser_only_admins_are_closed_to_managers(portfolio):
    _manager, _homes, client = portfolio
    for model, _ma in unscoped_admins():
        assert client.get(url(model, "changelist")).status_code == 403, model
    index = client.get(reverse("admin:index")).content.decode()
    assert "Device types" not in index and "Groups" not in index


def test_a_manager_cannot_edit_their_own_membership_or_accounts(portfolio):
    manager, homes, client = portfolio
    own = Membership.objects.get(user=manager, home=homes["a"])
    assert client.post(url(Membership, "change", own.pk), {"role": Role.OWNER}).status_code == 403
    own.refresh_from_db()
    assert own.role == Role.MANAGER
    tenant = homes["a"].memberships.get(role=Role.OWNER).user
    page = client.get(url(type(tenant), "change", tenant.pk))
    assert page.status_code == 200 and "is_superuser" not in page.content.decode()
    assert (
        client.post(url(type(tenant), "change", tenant.pk), {"email": tenant.email, "is_superuser": "on"}).status_code
        == 403
    )
    tenant.refresh_from_db()
    assert not tenant.is_superuser


def test_manager_onboards_a_home_registers_a_device_sees_the_key_once_and_invites(
    portfolio, mailoutbox, django_capture_on_commit_callbacks
):
    from devices.models import Device

    manager, _homes, client = portfolio
    response = client.post(
        url(Home, "add"),
        {"name": "Flat 7", "address": "Main St 7", "time_zone": "Europe/Berlin", "currency": "EUR",
         "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    flat = Home.objects.get(name="Flat 7")
    assert Membership.objects.get(home=flat, user=manager).role == Role.MANAGER
    from devices.models import DeviceType

    added = client.post(
        url(Device, "add"),
        {
            "home": flat.pk,
            "type": DeviceType.objects.get(slug="smart-plug").pk,
            "name": "Hall plug",
            "external_id": "flat7-plug",
        },
    )
    assert added.status_code == 200
    key = re.search(r"ehk_[A-Za-z0-9_-]{43}", added.content.decode()).group(0)
    device = Device.objects.get(external_id="flat7-plug")
    assert key not in client.get(url(Device, "change", device.pk)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            url(Invitation, "add"), {"home": flat.pk, "email": "tenant7@example.com", "role": Role.OWNER}
        )
    assert invited.status_code == 302
    assert any("tenant7@example.com" in m.to for m in mailoutbox)


def test_portfolio_figures_equal_the_summary_layer(portfolio):
    from analytics.costs import month_overview
    from analytics.selectors import energy_summary, home_shape

    _manager, homes, client = portfolio
    page = client.get(reverse("admin:portfolio"))
    rows = {r.home.pk: r for r in page.context["rows"]}
    assert set(rows) == {homes["a"].pk, homes["c"].pk}
    now = timezone.now()
    for home in (homes["a"], homes["c"]):
        summary = energy_summary(home, shape=home_shape(home), now=now)
        assert rows[home.pk].month_kwh == pytest.approx(summary.month.consumption_wh / 1000)
        assert rows[home.pk].month_cost == month_overview(home=home, now=now).this_month.total
    csv = client.get(reverse("admin:portfolio-csv")).getvalue().decode()
    assert "Home A" in csv and "Home C" in csv and "Home B" not in csv
    assert client.get(reverse("admin:portfolio-home", args=[homes["b"].pk])).status_code == 404
    assert client.get(reverse("admin:portfolio-home", args=[homes["a"].pk])).status_code == 200


def test_assign_tariff_and_send_command_bulk_actions(portfolio):
    from analytics.models import Tariff
    from devices.models import Device

    _manager, homes, client = portfolio
    source = Tariff.objects.get(home=homes["a"])
    response = client.post(
        url(Home, "changelist"),
        {"action": "assign_tariff", ACTION_CHECKBOX_NAME: [homes["a"].pk, homes["c"].pk], "apply": "1",
         "tariff": source.pk, "effective_from": "2026-11-01"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Tariff.objects.filter(home=homes["c"], effective_from=date(2026, 11, 1), name=source.name).exists()
    plugs = Device.objects.filter(home__in=[homes["a"], homes["c"]])
    confirm = client.post(
        url(Device, "changelist"), {"action": "send_command_action", ACTION_CHECKBOX_NAME: [p.pk for p in plugs]}
    )
    assert confirm.status_code == 200 and "Send to 2 devices" in confirm.content.decode()
    before = Command.objects.count()
    client.post(
        url(Device, "changelist"),
        {"action": "send_command_action", ACTION_CHECKBOX_NAME: [p.pk for p in plugs], "apply": "1",
         "command_type": "set_power", "on": "true"},
    )  # fmt: skip
    issued = Command.objects.order_by("-id")[: Command.objects.count() - before]
    assert {(c.issued_by, c.issued_by_user.email) for c in issued} == {("admin", "manager@example.com")}
    assert len(issued) == 2


def test_invitations_expire_and_are_single_use(portfolio, make_user, settings):
    from django.core.exceptions import ValidationError

    from accounts.services import accept_invitation

    _manager, homes, _client = portfolio
    invitation = Invitation.objects.get(home=homes["a"])
    first = make_user("first@example.com")
    accept_invitation(token=invitation.token, user=first)
    with pytest.raises(ValidationError):
        accept_invitation(token=invitation.token, user=make_user("second@example.com"))
    late = Invitation.objects.get(home=homes["c"])
    Invitation.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=15))
    with pytest.raises(ValidationError, match="expired"):
        accept_invitation(token=late.token, user=make_user("third@example.com"))


def test_scope_helper_leaves_superusers_unscoped(portfolio, make_user):
    from django.test import RequestFactory

    root = make_user("root@example.com", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/")
    request.user = root
    assert scope_queryset(Home.objects.all(), request, "").count() == Home.objects.count()


def test_a_manager_signs_in_to_the_admin_without_the_staff_flag(portfolio):
    manager, _homes, _client = portfolio
    manager.set_password("pm-password-42")
    manager.save()
    client = Client()
    response = client.post(reverse("admin:login"), {"username": manager.email, "password": "pm-password-42"})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_plain_member_cannot_sign_in_to_the_admin(make_user, home):
    member = make_user("plain@example.com", password="plain-password-42")
    Membership.objects.create(user=member, home=home, role=Role.MEMBER)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": member.email, "password": "plain-password-42"})
    assert response.status_code == 200 and "Please enter the correct" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_failed_admin_logins_are_rate_limited(portfolio):
    manager, _homes, _client = portfolio
    manager.set_password("pm-password-42")
    manager.save()
    client = Client()
    for _ in range(10):
        client.post(reverse("admin:login"), {"username": manager.email, "password": "wrong"})
    blocked = client.post(reverse("admin:login"), {"username": manager.email, "password": "pm-password-42"})
    assert blocked.status_code == 200
    assert "Too many failed sign-in attempts" in blocked.content.decode()

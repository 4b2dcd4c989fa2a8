"""Homes and memberships: ownership, isolation (404), roles (403), switching, invitations."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Home, Invitation, Membership, Role
from accounts.selectors import homes_for

pytestmark = pytest.mark.django_db

HOME_PAGES = ["accounts:home-settings", "accounts:home-members"]


def test_creating_a_home_makes_you_its_owner(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(
        reverse("accounts:home-create"),
        {"name": "Flat 3", "address": "Main St 1", "time_zone": "Europe/Paris", "currency": "EUR"},
    )
    assert response.status_code == 302
    home = Home.objects.get(name="Flat 3")
    assert Membership.objects.get(home=home, user=user).role == Role.OWNER
    assert client.get(reverse("dashboard")).context["home"] == home


def test_new_user_without_home_is_sent_to_onboarding(client, make_user):
    client.force_login(make_user())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home-create")


def test_home_form_reports_bad_fields(owner_client):
    response = owner_client.post(
        reverse("accounts:home-create"), {"name": "", "time_zone": "Mars/Base", "currency": "XXX"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "time_zone", "currency"}


@pytest.mark.parametrize("page", HOME_PAGES)
def test_non_member_gets_404_on_every_home_page(outsider_client, home, page):
    assert outsider_client.get(reverse(page, args=[home.pk])).status_code == 404
    assert outsider_client.post(reverse(page, args=[home.pk]), {"name": "x"}).status_code == 404


@pytest.mark.parametrize("page", HOME_PAGES)
def test_missing_home_answers_like_a_foreign_one(owner_client, page):
    assert owner_client.get(reverse(page, args=[999999])).status_code == 404


def test_member_cannot_change_settings(member_client, home):
    url = reverse("accounts:home-settings", args=[home.pk])
    assert member_client.get(url).status_code == 403
    response = member_client.post(url, {"name": "Hijacked", "time_zone": "UTC", "currency": "EUR"})
    assert response.status_code == 403
    home.refresh_from_db()
    assert home.name == "Home A"


def test_owner_changes_settings(owner_client, home):
    response = owner_client.post(
        reverse("accounts:home-settings", args=[home.pk]),
        {"name": "Home A renamed", "address": "New Road 2", "time_zone": "Europe/London", "currency": "GBP"},
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.name, home.time_zone, home.currency_symbol) == ("Home A renamed", "Europe/London", "£")


def test_member_cannot_invite(member_client, home):
    response = member_client.post(
        reverse("accounts:home-members", args=[home.pk]), {"email": "x@example.com", "role": "member"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_viewer_cannot_remove_others(readonly_client, home):
    owner_membership = home.memberships.get(role=Role.OWNER)
    readonly_client.post(reverse("accounts:member-remove", args=[home.pk, owner_membership.pk]))
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_owner_invites_and_invitee_accepts(owner_client, home, client, make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("accounts:home-members", args=[home.pk]), {"email": "Friend@Example.com", "role": "viewer"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(home=home)
    assert invitation.email == "friend@example.com"
    assert mail.outbox[-1].to == ["friend@example.com"]
    assert invitation.token in mail.outbox[-1].body

    friend = make_user("friend@example.com")
    client.force_login(friend)
    accept = reverse("accounts:invitation-accept", args=[invitation.token])
    assert client.get(accept).status_code == 200
    assert client.post(accept).status_code == 302
    assert Membership.objects.get(home=home, user=friend).role == Role.VIEWER
    # The new viewer sees the home but cannot administer it.
    assert client.get(reverse("accounts:home-members", args=[home.pk])).status_code == 200
    assert client.get(reverse("accounts:home-settings", args=[home.pk])).status_code == 403


def test_unknown_invitation_token_is_404(owner_client):
    assert owner_client.get(reverse("accounts:invitation-accept", args=["nope"])).status_code == 404


def test_inviting_an_existing_member_is_a_form_error(owner_client, home, member_client):
    response = owner_client.post(
        reverse("accounts:home-members", args=[home.pk]), {"email": "member@example.com", "role": "member"}
    )
    assert response.status_code == 200
    assert "already a member" in str(response.context["form"].errors)


def test_owner_removes_member_and_they_lose_access(owner_client, member_client, home):
    membership = home.memberships.get(user=member_client.user)
    response = owner_client.post(reverse("accounts:member-remove", args=[home.pk, membership.pk]))
    assert response.status_code == 302
    assert member_client.get(reverse("accounts:home-members", args=[home.pk])).status_code == 404


def test_last_owner_cannot_leave(owner_client, home):
    membership = home.memberships.get(role=Role.OWNER)
    owner_client.post(reverse("accounts:member-remove", args=[home.pk, membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_home_switcher_lists_only_your_homes_and_switches(owner_client, home, other_home):
    from accounts.services import create_home

    second = create_home(owner=owner_client.user, name="Cabin", time_zone="Europe/Oslo", currency="NOK")
    response = owner_client.get(reverse("dashboard"))
    listed = {h.name for h in response.context["my_homes"]}
    assert listed == {"Home A", "Cabin"}
    assert other_home.name.encode() not in response.content

    owner_client.post(reverse("accounts:home-switch"), {"home": second.pk, "next": "/"})
    assert owner_client.get(reverse("dashboard")).context["home"] == second


def test_switching_to_a_foreign_home_is_404(owner_client, other_home):
    response = owner_client.post(reverse("accounts:home-switch"), {"home": other_home.pk})
    assert response.status_code == 404


def test_homes_for_is_scoped(home, other_home):
    owner = home.memberships.get(role=Role.OWNER).user
    assert list(homes_for(owner)) == [home]


def test_profile_update(owner_client):
    response = owner_client.post(reverse("accounts:profile"), {"full_name": "Olive O.", "time_zone": "Europe/Rome"})
    assert response.status_code == 302
    owner_client.user.refresh_from_db()
    assert owner_client.user.time_zone == "Europe/Rome"


def test_anonymous_is_sent_to_login(client, home):
    response = client.get(reverse("accounts:home-settings", args=[home.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_seed_demo_is_idempotent():
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", "--no-history") if _supports_no_history() else call_command("seed_demo")
    counts = (User.objects.count(), Home.objects.count(), Membership.objects.count())
    call_command("seed_demo", "--no-history") if _supports_no_history() else call_command("seed_demo")
    assert (User.objects.count(), Home.objects.count(), Membership.objects.count()) == counts


def _supports_no_history() -> bool:
    from accounts.management.commands.seed_demo import Command

    parser = Command().create_parser("manage.py", "seed_demo")
    return any("--no-history" in a.option_strings for a in parser._actions)

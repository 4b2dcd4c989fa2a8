"""Sign-up, email verification, log in/out and password reset through allauth's real views."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+")


def _link_in_last_mail() -> str:
    assert mail.outbox, "no email was sent"
    links = LINK.findall(mail.outbox[-1].body)
    assert links, mail.outbox[-1].body
    return links[0]


def test_signup_sends_verification_and_confirming_logs_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "New.Person@Example.com",
            "full_name": "New Person",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "New Person"
    assert "confirm" in mail.outbox[-1].subject.lower()
    # Not verified yet: the dashboard sends them to log in / verify, not in.
    assert client.get(reverse("dashboard")).status_code == 302

    link = _link_in_last_mail()
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated
    # A fresh user has no home yet: onboarding asks for one.
    assert response.redirect_chain[-1][0] == reverse("accounts:home-create")


def test_login_with_unverified_email_is_held_at_verification(client):
    User.objects.create_user(email="pending@example.com", password="a-long-pass-phrase-9")
    response = client.post(
        reverse("account_login"), {"login": "pending@example.com", "password": "a-long-pass-phrase-9"}
    )
    assert response.status_code == 302
    assert "confirm-email" in response["Location"] or "verification" in response["Location"]
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_login_and_logout(client, make_user):
    make_user("me@example.com", password="a-long-pass-phrase-9")
    response = client.post(reverse("account_login"), {"login": "ME@example.com", "password": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("me@example.com", password="a-long-pass-phrase-9")
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"not correct" in response.content or b"incorrect" in response.content.lower()


def test_password_reset_by_email(client, make_user):
    make_user("forgot@example.com", password="old-pass-phrase-123")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})
    link = _link_in_last_mail()
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "new-pass-phrase-456", "password2": "new-pass-phrase-456"})
    assert response.status_code == 302
    client.logout()
    assert client.login(email="forgot@example.com", password="new-pass-phrase-456")


def test_login_failures_are_rate_limited(client, make_user):
    make_user("target@example.com", password="a-long-pass-phrase-9")
    responses = [
        client.post(reverse("account_login"), {"login": "target@example.com", "password": f"wrong{i}"})
        for i in range(7)
    ]
    assert b"Too many failed login attempts" in responses[-1].content
    # Even the right password is refused while the limit holds.
    right = client.post(reverse("account_login"), {"login": "target@example.com", "password": "a-long-pass-phrase-9"})
    assert right.status_code == 200
    assert not right.wsgi_request.user.is_authenticated


def test_totp_setup_page_is_available(client, make_user):
    client.force_login(make_user())
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.status_code == 200
    assert b"otpauth" in response.content or b"svg" in response.content or b"reauthenticate" in response.content

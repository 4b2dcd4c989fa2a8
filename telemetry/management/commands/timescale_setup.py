"""``manage.py timescale_setup``: apply TimescaleDB hypertable and policies (safe to re-run)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from telemetry.timescale import apply_timescale_policies


class Command(BaseCommand):
    help = "Make telemetry_reading a hypertable with compression and retention policies (TimescaleDB only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)")

    def handle(self, *args, **options) -> None:
        for line in apply_timescale_policies(connections[options["database"]]):
            self.stdout.write(line)

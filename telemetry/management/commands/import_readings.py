"""Import readings from a CSV file into a home: ``manage.py import_readings --home 1 readings.csv``.

The format is described in telemetry.csv_io. A progress bar goes to stderr; the summary and
the first rejected lines (line number, field, reason) to stdout.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Home
from telemetry.csv_io import CsvFormatError, CsvProgress, import_readings_csv


class Command(BaseCommand):
    help = "Import readings from a CSV file (columns timestamp, device, power_w, ...) into a home."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (may be .gz); '-' reads stdin")
        parser.add_argument("--home", type=int, required=True, help="Home id")
        parser.add_argument(
            "--time-zone", default="UTC", help="Zone of timestamps without an offset (default UTC; 'home': the home's)"
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar")

    def handle(self, *args, **options) -> None:
        home = Home.objects.filter(pk=options["home"]).first()
        if home is None:
            raise CommandError(f"No home with id {options['home']}")
        zone = home.time_zone if options["time_zone"] == "home" else options["time_zone"]
        source = sys.stdin.buffer if options["file"] == "-" else options["file"]
        began = time.monotonic()

        def show(p: CsvProgress) -> None:
            if options["quiet"]:
                return
            rate = p.rows / max(1e-6, time.monotonic() - began)
            if p.fraction is not None:
                done = int(p.fraction * 30)
                bar = f"[{'#' * done}{'-' * (30 - done)}] {p.fraction * 100:5.1f}%"
            else:
                bar = "[importing]"
            self.stderr.write(f"\r{bar} {p.rows:,} rows, {p.rejected:,} rejected, {rate:,.0f} rows/s ", ending="")
            self.stderr.flush()

        try:
            result = import_readings_csv(home=home, file=source, progress=show, assume_time_zone=zone)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {options['file']}") from exc
        except CsvFormatError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if not options["quiet"]:
                self.stderr.write("")
        self.stdout.write(
            f"{result.rows:,} rows: {result.stored:,} stored, {result.duplicates:,} already stored, "
            f"{result.rejected:,} rejected ({time.monotonic() - began:.1f} s)"
        )
        for error in result.errors[:20]:
            self.stdout.write(f"  line {error.line}: {error.field}: {error.reason}")
        if result.rejected > 20:
            self.stdout.write(f"  ... and {result.rejected - 20:,} more rejected lines")

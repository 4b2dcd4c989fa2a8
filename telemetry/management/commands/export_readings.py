"""Export a home's readings or rollups as CSV.

    manage.py export_readings --home 1 --start 2026-01-01 --end 2026-01-31 [--kind hourly] [-o out.csv]

Dates are home-local days, both inclusive. Without ``-o`` the CSV goes to stdout.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Home
from telemetry.csv_io import EXPORT_KINDS, export_readings_csv, local_period


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Export readings (or hourly/daily rollups) of a home as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--home", type=int, required=True, help="Home id")
        parser.add_argument("--start", required=True, help="First local day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="Last local day (inclusive), YYYY-MM-DD")
        parser.add_argument("--kind", choices=EXPORT_KINDS, default="readings")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout")

    def handle(self, *args, **options) -> None:
        home = Home.objects.filter(pk=options["home"]).first()
        if home is None:
            raise CommandError(f"No home with id {options['home']}")
        first, last = _date(options["start"]), _date(options["end"])
        if last < first:
            raise CommandError("--end is before --start")
        start, end = local_period(home, first, last)
        lines = export_readings_csv(home=home, start=start, end=end, kind=options["kind"])
        if options["output"]:
            count = -1
            with open(options["output"], "w", newline="") as out:
                for count, line in enumerate(lines):  # noqa: B007 - the count is reported below
                    out.write(line)
            self.stderr.write(f"Wrote {max(0, count):,} rows to {options['output']}")
        else:
            for line in lines:
                self.stdout.write(line, ending="")

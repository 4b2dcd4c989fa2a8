"""``manage.py rebuild_rollups --home ID --since YYYY-MM-DD [--device ID]``: recompute a home's rollups.

Marks dirty every hour since the home-local ``--since`` date that has readings or an
existing hourly rollup (an hour with neither has nothing to compute or remove; an hour
reached only by a carried-over reading is recomputed as "the hour after" a dirty one),
then processes them with the same code as the beat job, printing progress.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Home
from telemetry.buckets import TimeBucket
from telemetry.dirty import mark_hours_dirty
from telemetry.energy import HOUR
from telemetry.models import HourlyRollup, Reading
from telemetry.rollups import local_day_bounds, rollup_dirty_hours

BATCH = 500


class Command(BaseCommand):
    help = "Recompute the hourly and daily rollups of a home (or one of its devices) since a local date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--home", type=int, required=True, help="Home id")
        parser.add_argument("--since", required=True, help="Home-local date, YYYY-MM-DD")
        parser.add_argument("--device", type=int, default=None, help="Only this device of the home")

    def handle(self, *args, **options) -> None:
        home = Home.objects.filter(pk=options["home"]).first()
        if home is None:
            raise CommandError(f"No home with id {options['home']}")
        devices = home.devices.all()
        if options["device"] is not None:
            devices = devices.filter(pk=options["device"])
            if not devices.exists():
                raise CommandError(f"Home {home.pk} has no device with id {options['device']}")
        device_ids = list(devices.values_list("pk", flat=True))
        start, _ = local_day_bounds(_parse_date(options["since"]), home.zone)
        end = timezone.now() + HOUR

        hours = _hours(Reading.objects.filter(time__gte=start, time__lt=end), "time", device_ids)
        hours |= _hours(HourlyRollup.objects.filter(hour__gte=start, hour__lt=end), "hour", device_ids)
        total = mark_hours_dirty(hours)
        self.stdout.write(f"{home.name}: {len(device_ids)} device(s), {total} hour(s) since {start.isoformat()}")

        done = written = deleted = days = 0
        while True:
            stats = rollup_dirty_hours(limit=BATCH, device_ids=device_ids)
            done += stats.claimed
            written += stats.hours_written
            deleted += stats.hours_deleted
            days += stats.days_computed
            if stats.claimed + stats.skipped == 0:
                break
            self.stdout.write(f"  hours {min(done, total)}/{total}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {done} dirty hour(s) processed, {written} hourly row(s) written, "
                f"{deleted} removed, {days} local day(s) recomputed."
            )
        )


def _parse_date(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD)") from None


def _hours(queryset: QuerySet, field: str, device_ids: list[int]) -> set[tuple[int, datetime]]:
    """Distinct (device id, UTC hour start) pairs of ``queryset`` rows for the devices."""
    rows = (
        queryset.filter(device_id__in=device_ids)
        .annotate(bucket=TimeBucket(timedelta(hours=1), field))
        .values_list("device_id", "bucket")
        .order_by()
        .distinct()
    )
    return set(rows)

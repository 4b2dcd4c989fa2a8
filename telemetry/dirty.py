"""Marking hours whose rollups must be recomputed (written by ingestion, read by the rollup task)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from telemetry.models import DirtyHour


def hour_start(moment: datetime) -> datetime:
    """The UTC start of the hour containing ``moment`` (an aware datetime)."""
    return moment.replace(minute=0, second=0, microsecond=0)


def mark_hours_dirty(pairs: Iterable[tuple[int, datetime]]) -> int:
    """Mark (device id, UTC hour start) pairs dirty. Idempotent; returns how many pairs were given."""
    rows = [DirtyHour(device_id=device_id, hour=hour) for device_id, hour in set(pairs)]
    # Re-marking an already dirty hour must bump marked_at: a rollup that claimed the hour
    # meanwhile then sees the change and leaves it dirty instead of losing the late reading.
    DirtyHour.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["device", "hour"], update_fields=["marked_at"], batch_size=1000
    )
    return len(rows)

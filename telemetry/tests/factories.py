"""Test data for telemetry: reading items as devices send them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone


def minutes_ago(minutes: float) -> datetime:
    """An aware UTC time ``minutes`` before now, on a whole second."""
    return (timezone.now() - timedelta(minutes=minutes)).replace(microsecond=0)


def reading(*, time: datetime | str | float | None = None, power_w: object = 100.0, **extra: object) -> dict:
    """One reading item; ``time`` defaults to a minute ago, datetimes become ISO 8601 strings."""
    moment = minutes_ago(1) if time is None else time
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).isoformat()
    return {"time": moment, "power_w": power_w, **extra}

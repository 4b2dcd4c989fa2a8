"""Fill a home's history with simulated readings, through the same ingestion service devices use.

Used by ``manage.py simulate --days N`` and ``manage.py seed_demo``. Readings go through
``telemetry.services.ingest_readings`` in batches, so validation, duplicate handling and the
dirty-hour marking are the real ones; the rollups are then brought up to date.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.db.models import Max, OuterRef, Subquery

from accounts.models import Home
from devices.models import Device
from telemetry.models import DirtyHour, Reading
from telemetry.simulator import HomeSimulator, SimDevice, SimReading, kind_for, simulate_home

BATCH_SIZE = 5_000
# The rest of a house that no device measures (router, boiler pump, standby): the grid meter sees it.
UNMETERED_W = 150.0


@dataclass(frozen=True)
class BackfillProgress:
    """Where a backfill is: readings sent so far and the simulated time reached."""

    sent: int
    stored: int
    rejected: int
    reached: datetime
    start: datetime
    end: datetime

    @property
    def fraction(self) -> float:
        span = (self.end - self.start).total_seconds()
        return 1.0 if span <= 0 else min(1.0, (self.reached - self.start).total_seconds() / span)


@dataclass(frozen=True)
class BackfillResult:
    sent: int
    stored: int
    duplicates: int
    rejected: int
    first_rejections: tuple[str, ...]
    seconds: float


def simulated_devices(home: Home) -> list[SimDevice]:
    """The active devices of ``home`` as simulator devices (profile chosen by device type)."""
    devices = Device.objects.filter(home=home, is_active=True).select_related("type").order_by("id")
    return [
        SimDevice(
            external_id=d.external_id,
            kind=kind_for(d.type.slug, d.type.category),
            rated_power_w=d.rated_power_w,
            min_power_w=d.type.min_power_w,
            max_power_w=d.type.max_power_w,
        )
        for d in devices
    ]


def latest_meters(home: Home) -> dict[str, float]:
    """The newest ``energy_wh_total`` per device external id of ``home`` (for continuing meters)."""
    newest = Reading.objects.filter(device=OuterRef("pk"), energy_wh_total__isnull=False).order_by("-time")
    rows = (
        Device.objects.filter(home=home)
        .annotate(meter=Subquery(newest.values("energy_wh_total")[:1]))
        .values_list("external_id", "meter")
    )
    return {external_id: meter for external_id, meter in rows if meter is not None}


def history_exists(home: Home) -> bool:
    return Reading.objects.filter(device__home=home).exists()


def latest_reading_time(home: Home) -> datetime | None:
    return Reading.objects.filter(device__home=home).aggregate(newest=Max("time"))["newest"]


def _items(readings: Iterable[SimReading]) -> Iterator[dict]:
    for r in readings:
        item = {"device": r.external_id, "time": r.time, "power_w": r.power_w}
        if r.energy_wh_total is not None:
            item["energy_wh_total"] = r.energy_wh_total
        if r.soc_pct is not None:
            item["soc_pct"] = r.soc_pct
        yield item


def _chunks(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _periods(start: datetime, end: datetime, step_s: int, recent: timedelta, coarse_step_s: int | None):
    """(start, end, step) pieces: the coarse step for old history, the fine step for the recent part."""
    if not coarse_step_s or coarse_step_s <= step_s or end - start <= recent:
        return [(start, end, step_s)]
    split = end - recent
    return [(start, split, coarse_step_s), (split, end, step_s)]


def backfill_history(
    *,
    home: Home,
    start: datetime,
    end: datetime,
    step_s: int = 60,
    seed: int = 0,
    coarse_step_s: int | None = None,
    recent: timedelta = timedelta(days=2),
    batch_size: int = BATCH_SIZE,
    progress: Callable[[BackfillProgress], None] | None = None,
) -> BackfillResult:
    """Simulate ``home``'s active devices from ``start`` to ``end`` (aware) and ingest the readings.

    Readings every ``step_s`` seconds; with ``coarse_step_s`` the part older than ``recent``
    uses that coarser step (keep it <= 300 s, the energy rule's maximum gap, or the history
    has holes). Batches of ``batch_size`` go through ``ingest_readings(home=...)``, so readings
    that already exist are recognised as duplicates: running it twice stores nothing new.
    The meters continue from the newest stored values. Rollups are not run here (see
    :func:`drain_rollups`).
    """
    from telemetry.services import ingest_readings

    began = time.monotonic()
    devices = simulated_devices(home)
    sim = HomeSimulator(
        devices, seed=seed, time_zone=home.time_zone, unmetered_w=UNMETERED_W, initial_energy_wh=latest_meters(home)
    )
    sent = stored = duplicates = rejected = 0
    first: list[str] = []
    for piece_start, piece_end, piece_step in _periods(start, end, step_s, recent, coarse_step_s):
        readings = simulate_home(devices, piece_start, piece_end, piece_step, seed, simulator=sim)
        for chunk in _chunks(_items(readings), batch_size):
            result = ingest_readings(items=chunk, home=home, source="simulator")
            sent += len(chunk)
            stored += result.stored
            duplicates += result.duplicate
            rejected += result.rejected
            for error in result.errors[: max(0, 5 - len(first))]:
                item = chunk[error.index]
                first.append(f"{item['device']} at {item['time'].isoformat()}: {error.field} {error.reason}")
            if progress:
                progress(BackfillProgress(sent, stored, rejected, chunk[-1]["time"], start, end))
    return BackfillResult(sent, stored, duplicates, rejected, tuple(first), time.monotonic() - began)


def drain_rollups(*, max_rounds: int = 10_000, progress: Callable[[int, int], None] | None = None) -> int:
    """Run the rollup job until no hour is left dirty. Returns how many rounds it took.

    Raises RuntimeError when the rollup code (telemetry.rollups.rollup_dirty_hours) is missing.
    ``progress(round, dirty_hours_left)`` is called after each round.
    """
    try:
        from telemetry.rollups import rollup_dirty_hours
    except ImportError as exc:
        raise RuntimeError(
            "telemetry.rollups.rollup_dirty_hours is not available yet, so rollups were not computed"
        ) from exc
    for rounds in range(1, max_rounds + 1):
        rollup_dirty_hours()
        left = DirtyHour.objects.count()
        if progress:
            progress(rounds, left)
        if left == 0:
            return rounds
    return max_rounds

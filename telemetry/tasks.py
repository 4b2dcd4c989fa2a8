"""Celery tasks of the telemetry app: thin wrappers around telemetry.rollups."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time

from celery import shared_task
from django.core.cache import cache

from telemetry import rollups

logger = logging.getLogger(__name__)

ROLLUP_LOCK_KEY = "telemetry:rollup-dirty-hours:lock"
# Longer than one run's time budget, shorter than the broker's visibility timeout (600 s),
# so a worker that died holding the lock blocks the job for a few minutes at most.
ROLLUP_LOCK_TIMEOUT_S = 300
ROLLUP_TIME_BUDGET_S = 50  # beat runs the job every minute
ROLLUP_BATCH = 1000


@shared_task(
    name="telemetry.tasks.rollup_dirty_hours",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def rollup_dirty_hours() -> dict[str, int | str]:
    """Recompute dirty hours (and their local days) in batches for up to ~50 s; idempotent.

    A cache lock keeps two runs (two beats, a slow previous run) from working at once.
    If the cache is unreachable the run goes ahead anyway: the work is idempotent and
    concurrent runs are safe, only wasteful. Returns the summed RollupStats as a dict,
    or ``{"skipped": "locked"}``.
    """
    token = secrets.token_hex(8)
    try:
        acquired = cache.add(ROLLUP_LOCK_KEY, token, timeout=ROLLUP_LOCK_TIMEOUT_S)
    except Exception:  # any cache backend failure: proceed without the lock
        logger.warning("rollup lock unavailable (cache down); running without it", exc_info=True)
        acquired = True
    if not acquired:
        logger.info("rollup_dirty_hours already running elsewhere; skipped")
        return {"skipped": "locked"}
    try:
        totals = dict.fromkeys(rollups.RollupStats.__dataclass_fields__, 0)
        deadline = time.monotonic() + ROLLUP_TIME_BUDGET_S
        while True:
            stats = rollups.rollup_dirty_hours(limit=ROLLUP_BATCH)
            for name, value in dataclasses.asdict(stats).items():
                totals[name] += value
            if stats.claimed + stats.skipped < ROLLUP_BATCH or time.monotonic() > deadline:
                break
        return totals
    finally:
        try:
            if cache.get(ROLLUP_LOCK_KEY) == token:
                cache.delete(ROLLUP_LOCK_KEY)
        except Exception:
            logger.warning("could not release the rollup lock; it expires by itself", exc_info=True)

"""Celery tasks of the cost side of analytics: thin wrappers around analytics.services."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from accounts.models import Home
from analytics import services

logger = logging.getLogger(__name__)

STALE_SWEEP_DAYS = 7


@shared_task(name="analytics.tasks.reprice_home", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reprice_home(home_id: int, start: str, end: str) -> dict[str, int]:
    """Re-price ``home_id``'s hours in ``[start, end)`` (ISO 8601 aware times); idempotent.

    Queued after commit when a tariff or its prices change. A deleted home is a no-op.
    """
    home = Home.objects.filter(pk=home_id).first()
    if home is None:
        return {}
    stats = services.reprice_hours(home=home, start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))
    return dataclasses.asdict(stats)


@shared_task(name="analytics.tasks.reprice_stale", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reprice_stale() -> dict[str, int]:
    """Beat sweep: re-price the last week's hours whose rollups changed after they were priced."""
    since = timezone.now() - timedelta(days=STALE_SWEEP_DAYS)
    return dataclasses.asdict(services.reprice_stale_hours(since=since))


# --- insights ------------------------------------------------------------------------------------


@shared_task(name="analytics.tasks.home_insights", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def home_insights(home_id: int) -> dict[str, int]:
    """Forecasts and anomalies of one home (idempotent); a deleted home is a no-op."""
    from analytics import insight_services

    home = Home.objects.filter(pk=home_id).first()
    if home is None:
        return {}
    return dataclasses.asdict(insight_services.run_nightly(home=home))


@shared_task(name="analytics.tasks.nightly_insights", ignore_result=True)
def nightly_insights() -> int:
    """Beat: queue every home's forecasts and anomaly check."""
    home_ids = list(Home.objects.values_list("pk", flat=True))
    for home_id in home_ids:
        home_insights.delay(home_id)
    return len(home_ids)


@shared_task(name="analytics.tasks.weekly_recommendations", ignore_result=True)
def weekly_recommendations() -> int:
    """Beat: re-evaluate every home's recommendations (dismissed ones stay dismissed)."""
    from analytics import insight_services

    count = 0
    for home in Home.objects.all():
        try:
            count += insight_services.evaluate_recommendations(home=home).recommendations
        except Exception:
            logger.exception("recommendations of home %s failed", home.pk)
    return count

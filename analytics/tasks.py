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
    """Forecasts, anomalies and realised savings of one home (idempotent); a deleted home is a no-op."""
    from analytics import insight_services
    from analytics.insight_actions import measure_home

    home = Home.objects.filter(pk=home_id).first()
    if home is None:
        return {}
    stats = dataclasses.asdict(insight_services.run_nightly(home=home))
    stats["actions_measured"] = measure_home(home=home)  # realised savings of acted-on advice
    return stats


@shared_task(name="analytics.tasks.nightly_insights", ignore_result=True)
def nightly_insights() -> int:
    """Beat: queue every home's forecasts and anomaly check."""
    home_ids = list(Home.objects.values_list("pk", flat=True))
    for home_id in home_ids:
        home_insights.delay(home_id)
    return len(home_ids)


NEW_DATA_HOURS = 48  # more new rollup hours than this since the last forecast: recompute now
NEW_DATA_EVERY_S = 3600  # at most once an hour per home


def new_data_key(home_id: int) -> str:
    """Cache key claimed when a home's insights are queued for new data (expires after an hour)."""
    return f"insights-new-data:{home_id}"


def new_rollup_hours(home: Home) -> int:
    """Distinct hours of the home's rollups computed after its last forecast (all when none): two queries."""
    from django.db.models import Max

    from analytics.models import Forecast
    from telemetry.models import HourlyRollup

    since = Forecast.objects.filter(home=home).aggregate(last=Max("computed_at"))["last"]
    rows = HourlyRollup.objects.filter(device__home=home)
    if since is not None:
        rows = rows.filter(computed_at__gt=since)
    return rows.order_by().values("hour").distinct().count()


@shared_task(name="analytics.tasks.insights_for_new_data", ignore_result=True)
def insights_for_new_data() -> int:
    """Beat, hourly: queue home_insights for each home with more than NEW_DATA_HOURS new rollup
    hours since its last forecast (a CSV import, a backfill). Idempotent; a home is queued at
    most once an hour (a cache claim). Returns how many homes were queued."""
    from django.core.cache import cache

    queued = 0
    for home in Home.objects.all():
        if new_rollup_hours(home) > NEW_DATA_HOURS and cache.add(new_data_key(home.pk), 1, NEW_DATA_EVERY_S):
            home_insights.delay(home.pk)
            queued += 1
    return queued


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


# --- alerts --------------------------------------------------------------------------------------

ALERT_EMAIL_RETRIES = 3


@shared_task(name="analytics.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> dict[str, int]:
    """Beat, every minute: evaluate the active alert rules of every home (idempotent)."""
    from analytics import insight_services
    from analytics.models import AlertRule

    totals = {"opened": 0, "resolved": 0}
    for home in Home.objects.filter(pk__in=AlertRule.objects.filter(is_active=True).values("home_id")):
        try:
            stats = insight_services.evaluate_alerts(home=home)
        except Exception:
            logger.exception("alerts of home %s failed", home.pk)
            continue
        totals["opened"] += stats.opened
        totals["resolved"] += stats.resolved
    return totals


@shared_task(
    bind=True,
    name="analytics.tasks.send_alert_email",
    acks_late=True,
    max_retries=ALERT_EMAIL_RETRIES,
    ignore_result=True,
)
def send_alert_email(self, alert_id: int) -> bool:
    """Email one alert; a failure is logged and retried with backoff (30 s, 60 s, 120 s), and gives
    up after ALERT_EMAIL_RETRIES retries. The alert shows in-app whatever happens here."""
    from analytics import insight_services
    from analytics.models import Alert

    alert = Alert.objects.select_related("home").filter(pk=alert_id).first()
    if alert is None:
        return False
    try:
        return insight_services.send_alert_email(alert=alert)
    except Exception as exc:
        logger.warning("alert %s: email failed (attempt %s): %s", alert_id, self.request.retries + 1, exc)
        if self.request.retries >= ALERT_EMAIL_RETRIES or self.request.is_eager:
            logger.error("alert %s: email given up after %s attempts", alert_id, self.request.retries + 1)
            return False
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="analytics.tasks.send_waiting_alert_emails", ignore_result=True)
def send_waiting_alert_emails() -> dict[str, int]:
    """Beat, every 5 minutes: send alert emails that waited for their recipient's quiet hours."""
    from analytics.insight_notify import send_waiting_alert_emails as sweep

    return dataclasses.asdict(sweep())


# --- weekly reports ------------------------------------------------------------------------------


REPORT_RETRY_S = 600  # beat runs at :05; three retries 10 minutes apart stay inside 07:xx
REPORT_RETRIES = 3


@shared_task(
    bind=True,
    name="analytics.tasks.send_weekly_reports",
    acks_late=True,
    max_retries=REPORT_RETRIES,
    ignore_result=True,
)
def send_weekly_reports(self) -> dict[str, int]:
    """Beat, hourly: email last week's report to homes whose local time is Monday 07:xx.
    Idempotent: a home, user and week is claimed before sending, never sent twice, so a retry
    (when some sends failed) sends only what is missing."""
    from analytics import reports

    stats = reports.send_weekly_reports()
    if stats.failed and not self.request.is_eager and self.request.retries < REPORT_RETRIES:
        raise self.retry(countdown=REPORT_RETRY_S)
    return dataclasses.asdict(stats)

"""Writes of the insights: recompute forecasts, store anomalies, (re)evaluate recommendations,
dismiss and snooze. Each recompute is idempotent: running it twice leaves the same rows.

Figures come from hourly rollups through analytics.forecasts' series selector and from the
home's tariffs; days are the home's local days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Home
from analytics import recommendations
from analytics.anomalies import TRAIN_DAYS, detect
from analytics.forecasts import (
    BASELINE,
    MIN_HISTORY_DAYS,
    ForecastPoint,
    NotEnoughData,
    first_rollup_hour,
    forecast,
    hourly_energy_series,
    local_midnight_before,
)
from analytics.models import Anomaly, Forecast, Recommendation
from analytics.selectors import CONSUMER
from devices.models import Device

FORECAST_HISTORY_DAYS = 91
HORIZONS = (7, 30)
ANOMALY_DAYS = 2  # the nightly job checks yesterday and the day before (late data)
SNOOZE_DAYS = 7


@dataclass(frozen=True)
class InsightStats:
    forecasts: int = 0
    insufficient: int = 0
    anomalies: int = 0
    recommendations: int = 0


def _points(points: tuple[ForecastPoint, ...], until: datetime) -> list[list]:
    return [
        [p.start.isoformat(), round(p.energy_wh, 1), round(p.low_wh, 1), round(p.high_wh, 1)]
        for p in points
        if p.start < until
    ]


def _consumers(home: Home):
    return Device.objects.filter(home=home, is_active=True, type__category=CONSUMER).order_by("name")


@transaction.atomic
def recompute_forecasts(*, home: Home, now: datetime | None = None) -> InsightStats:
    """Forecast the home's consumption and each active consumer's energy for 7 and 30 local days
    from today's local midnight, hourly and daily; a short history stores "insufficient" rows
    saying how many days it needs."""
    now = now or timezone.now()
    end = local_midnight_before(now, home.zone)
    stats = {"forecasts": 0, "insufficient": 0}
    for device in [None, *_consumers(home)]:
        first = first_rollup_hour(home, device)
        start = end - timedelta(days=FORECAST_HISTORY_DAYS)
        if first is not None and first > start:
            start = local_midnight_before(first, home.zone)
        series = hourly_energy_series(home, device=device, start=start, end=end) if start < end else None
        try:
            if series is None or first is None:
                raise NotEnoughData(0)
            result = forecast(series, days=max(HORIZONS))
        except NotEnoughData as short:
            for granularity in Forecast.Granularity.values:
                for days in HORIZONS:
                    Forecast.objects.update_or_create(
                        home=home,
                        device=device,
                        granularity=granularity,
                        horizon_days=days,
                        defaults={
                            "status": Forecast.Status.INSUFFICIENT,
                            "model": "",
                            "origin": None,
                            "points": [],
                            "history_days": short.have_days,
                            "needs_days": MIN_HISTORY_DAYS,
                            "mape_pct": None,
                            "mase": None,
                            "baseline_mape_pct": None,
                            "baseline_mase": None,
                        },
                    )
                    stats["insufficient"] += 1
            continue
        score, baseline = result.score, result.scores[BASELINE]
        for days in HORIZONS:
            until = datetime.combine(
                result.origin.astimezone(home.zone).date() + timedelta(days=days), datetime.min.time(), home.zone
            )
            for granularity, points in (("hour", result.hourly), ("day", result.daily)):
                Forecast.objects.update_or_create(
                    home=home,
                    device=device,
                    granularity=granularity,
                    horizon_days=days,
                    defaults={
                        "status": Forecast.Status.READY,
                        "model": result.model,
                        "origin": result.origin,
                        "points": _points(points, until),
                        "history_days": result.history_days,
                        "needs_days": MIN_HISTORY_DAYS,
                        "mape_pct": score.mape_pct,
                        "mase": score.mase,
                        "baseline_mape_pct": baseline.mape_pct,
                        "baseline_mase": baseline.mase,
                    },
                )
                stats["forecasts"] += 1
    return InsightStats(**stats)


@transaction.atomic
def detect_anomalies(*, home: Home, now: datetime | None = None, days: int = ANOMALY_DAYS) -> InsightStats:
    """Check the last ``days`` whole local days of each active consumer and store what is unusual
    (one row per device, kind and start: re-running updates, never duplicates)."""
    now = now or timezone.now()
    end = local_midnight_before(now, home.zone)
    start = end - timedelta(days=TRAIN_DAYS + days + 1)
    check: list[date] = [(end - timedelta(days=i + 1)).astimezone(home.zone).date() for i in range(days)]
    count = 0
    for device in _consumers(home):
        series = hourly_energy_series(home, device=device, start=start, end=end)
        already = {
            moment.astimezone(home.zone).date()
            for moment in Anomaly.objects.filter(device=device, start__gte=start).values_list("start", flat=True)
        }
        for finding in detect(series, check, exclude=already - set(check)):
            Anomaly.objects.update_or_create(
                device=device,
                kind=finding.kind,
                start=finding.start,
                defaults={
                    "home": home,
                    "end": finding.end,
                    "unit": finding.unit,
                    "observed": finding.observed,
                    "expected": finding.expected,
                    "expected_low": finding.expected_low,
                    "expected_high": finding.expected_high,
                    "score": finding.score,
                },
            )
            count += 1
    return InsightStats(anomalies=count)


@transaction.atomic
def evaluate_recommendations(*, home: Home, now: datetime | None = None) -> InsightStats:
    """Re-evaluate the home's advice: update the figures of known advice (keeping dismissed and
    snoozed ones so), add new advice, and mark advice no longer found as not current."""
    now = now or timezone.now()
    found = recommendations.evaluate(home, now=now)
    for advice in found:
        Recommendation.objects.update_or_create(
            home=home,
            key=advice.key,
            defaults={
                "device_id": advice.device_id,
                "kind": advice.kind,
                "title": advice.title,
                "reason": advice.reason,
                "saving_kwh_month": advice.saving_kwh_month,
                "saving_month": advice.saving_month,
                "currency": home.currency,
                "is_current": True,
                "evaluated_at": now,
            },
        )
    Recommendation.objects.filter(home=home).exclude(key__in=[a.key for a in found]).update(is_current=False)
    return InsightStats(recommendations=len(found))


def dismiss_recommendation(*, recommendation: Recommendation) -> Recommendation:
    """Dismiss for good: later evaluations update its figures but never show it again."""
    recommendation.status = Recommendation.Status.DISMISSED
    recommendation.snoozed_until = None
    recommendation.save(update_fields=["status", "snoozed_until"])
    return recommendation


def snooze_recommendation(
    *, recommendation: Recommendation, days: int = SNOOZE_DAYS, now: datetime | None = None
) -> Recommendation:
    """Hide for ``days`` days (1-90); ValueError naming ``days`` otherwise."""
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise ValueError("days: snooze for 1 to 90 days")
    now = now or timezone.now()
    recommendation.status = Recommendation.Status.SNOOZED
    recommendation.snoozed_until = now + timedelta(days=days)
    recommendation.save(update_fields=["status", "snoozed_until"])
    return recommendation


def run_nightly(*, home: Home, now: datetime | None = None) -> InsightStats:
    """The nightly insight jobs of one home: forecasts, then anomalies."""
    now = now or timezone.now()
    forecasts = recompute_forecasts(home=home, now=now)
    anomalies = detect_anomalies(home=home, now=now)
    return InsightStats(
        forecasts=forecasts.forecasts, insufficient=forecasts.insufficient, anomalies=anomalies.anomalies
    )

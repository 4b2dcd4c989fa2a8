"""Writes of the insights: recompute forecasts, store anomalies, (re)evaluate recommendations,
dismiss and snooze. Each recompute is idempotent: running it twice leaves the same rows.

Figures come from hourly rollups through analytics.forecasts' series selector and from the
home's tariffs; days are the home's local days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Home
from analytics import recommendations
from analytics.anomalies import TRAIN_DAYS, detect
from analytics.costs import cost_summary, month_overview
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
from analytics.models import Alert, AlertRule, Anomaly, Forecast, Recommendation
from analytics.selectors import CONSUMER
from devices.models import Device
from telemetry.selectors import power_series

logger = logging.getLogger(__name__)

FORECAST_HISTORY_DAYS = 91
HORIZONS = (7, 30)
ANOMALY_DAYS = 2  # the nightly job checks yesterday and the day before (late data)
SNOOZE_DAYS = 7
# A power alert needs a reading this recent: a device that went silent is not "still above".
POWER_FRESH = timedelta(minutes=5)


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


# --- alerts --------------------------------------------------------------------------------------

ALERT_MAX_MINUTES = 7 * 24 * 60
ANOMALY_ALERT_DAYS = 2
THRESHOLD_UNITS = {
    AlertRule.Kind.POWER_ABOVE: "W",
    AlertRule.Kind.DAILY_ENERGY_ABOVE: "kWh",
    AlertRule.Kind.DAILY_COST_ABOVE: "money",
    AlertRule.Kind.MONTHLY_BUDGET: "money",
}
NEEDS_MINUTES = {AlertRule.Kind.POWER_ABOVE, AlertRule.Kind.DEVICE_OFFLINE}
NEEDS_DEVICE = {AlertRule.Kind.POWER_ABOVE, AlertRule.Kind.DEVICE_OFFLINE}


@dataclass(frozen=True)
class AlertStats:
    opened: int = 0
    resolved: int = 0


def _validated_rule(
    home: Home, kind: str, device_id: object, threshold: object, minutes: object
) -> tuple[Device | None, Decimal | None, int | None]:
    """(device, threshold, minutes) for a rule of ``kind``; ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    if kind not in AlertRule.Kind.values:
        errors["kind"] = f"{kind!r} is not a kind of alert ({', '.join(AlertRule.Kind.values)})."
    device = None
    if device_id not in (None, ""):
        try:
            device = Device.objects.filter(home=home, pk=int(str(device_id))).first()
        except ValueError:
            device = None
        if device is None:
            errors["device"] = "No such device in this home."
    elif kind in NEEDS_DEVICE:
        errors["device"] = "This kind of alert needs a device."
    value = None
    if kind in THRESHOLD_UNITS:
        try:
            value = Decimal(str(threshold).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["threshold"] = "Enter a number."
        else:
            if value <= 0:
                errors["threshold"] = (
                    "A budget must be more than zero."
                    if kind == AlertRule.Kind.MONTHLY_BUDGET
                    else "Must be more than zero."
                )
            elif value >= Decimal("1e9"):
                errors["threshold"] = "Must be less than 1000000000."
    count = None
    if kind in NEEDS_MINUTES:
        try:
            count = int(str(minutes).strip())
        except ValueError:
            errors["minutes"] = "Enter a whole number of minutes."
        else:
            if not 1 <= count <= ALERT_MAX_MINUTES:
                errors["minutes"] = f"Must be between 1 and {ALERT_MAX_MINUTES} minutes."
    if errors:
        raise ValidationError(errors)
    return device, value, count


def create_alert_rule(
    *,
    home: Home,
    kind: str,
    device_id: object = None,
    threshold: object = None,
    minutes: object = None,
    email: bool = True,
    created_by=None,
) -> AlertRule:
    """Validate and store a rule; ValidationError naming each bad field (``kind``, ``device``,
    ``threshold``, ``minutes``) with the reason. The caller checked write rights on ``home``."""
    device, value, count = _validated_rule(home, kind, device_id, threshold, minutes)
    return AlertRule.objects.create(
        home=home, kind=kind, device=device, threshold=value, minutes=count, email=email, created_by=created_by
    )


_UNSET = object()


def update_alert_rule(
    *,
    rule: AlertRule,
    kind: object = _UNSET,
    device_id: object = _UNSET,
    threshold: object = _UNSET,
    minutes: object = _UNSET,
    email: object = _UNSET,
    is_active: object = _UNSET,
) -> AlertRule:
    """Change the given fields of ``rule`` (the others stay), validated as a whole rule, as
    create_alert_rule does. Open alerts of the rule stay and resolve when their cause clears."""

    def given(value: object, current: object) -> object:
        return current if value is _UNSET else value

    kind = given(kind, rule.kind)
    device, value, count = _validated_rule(
        rule.home,
        kind,
        given(device_id, rule.device_id),
        given(threshold, rule.threshold),
        given(minutes, rule.minutes),
    )
    rule.kind, rule.device, rule.threshold, rule.minutes = kind, device, value, count
    rule.email = bool(given(email, rule.email))
    rule.is_active = bool(given(is_active, rule.is_active))
    rule.save()
    return rule


def delete_alert_rule(*, rule: AlertRule) -> None:
    """Delete ``rule`` and its alerts."""
    rule.delete()


def _today_start(home: Home, now: datetime) -> datetime:
    return local_midnight_before(now, home.zone)


def _conditions(rule: AlertRule, now: datetime) -> dict[str, tuple[str, str, float | None]]:
    """What holds for ``rule`` now: cause -> (title, message, value). Empty when nothing does."""
    home, kind = rule.home, rule.kind
    label = rule.device.name if rule.device else home.name
    if kind == AlertRule.Kind.POWER_ABOVE:
        start = now - timedelta(minutes=rule.minutes)
        points = power_series(devices=[rule.device], start=start, end=now, step=timedelta(minutes=1))
        covered = points and points[0].time <= start + timedelta(minutes=1) and now - points[-1].time <= POWER_FRESH
        if covered and min(p.power_w for p in points) > float(rule.threshold):
            low = min(p.power_w for p in points)
            return {
                "power": (
                    f"{label} above {rule.threshold:.0f} W",
                    f"{label} has drawn more than {rule.threshold:.0f} W for {rule.minutes} minutes "
                    f"(at least {low:.0f} W).",
                    low,
                )
            }
        return {}
    if kind == AlertRule.Kind.DAILY_ENERGY_ABOVE:
        start = _today_start(home, now)
        hour_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        series = hourly_energy_series(home, device=rule.device, start=start, end=hour_end)
        kwh = sum(v for v in series.values if v is not None) / 1000
        if kwh > float(rule.threshold):
            day = start.astimezone(home.zone).date()
            return {
                f"day:{day}": (
                    f"{label}: {kwh:.1f} kWh today",
                    f"{label} has used {kwh:.2f} kWh today, above {rule.threshold} kWh.",
                    kwh,
                )
            }
        return {}
    if kind == AlertRule.Kind.DAILY_COST_ABOVE:
        start = _today_start(home, now)
        total = cost_summary(home=home, start=start, end=now).total
        if total > rule.threshold:
            day = start.astimezone(home.zone).date()
            return {
                f"day:{day}": (
                    f"Today's cost: {total:.2f} {home.currency}",
                    f"Today has cost {total:.2f} {home.currency} so far, above {rule.threshold:.2f}.",
                    float(total),
                )
            }
        return {}
    if kind == AlertRule.Kind.MONTHLY_BUDGET:
        overview = month_overview(home=home, now=now)
        spent = overview.this_month.total
        month = now.astimezone(home.zone).strftime("%Y-%m")
        result = {}
        for share in (80, 100):
            if spent >= rule.threshold * share / 100:
                result[f"month:{month}:{share}"] = (
                    f"{share} % of the monthly budget reached",
                    f"{overview.month_label}: {spent:.2f} of a {rule.threshold:.2f} {home.currency} budget "
                    f"({spent / rule.threshold * 100:.0f} %).",
                    float(spent),
                )
        return result
    if kind == AlertRule.Kind.DEVICE_OFFLINE:
        device = rule.device
        seen = device.last_seen or device.created_at
        if now - seen > timedelta(minutes=rule.minutes):
            return {
                "offline": (
                    f"{label} is offline",
                    f"Nothing from {label} since {seen.astimezone(home.zone):%a %H:%M}.",
                    None,
                )
            }
        return {}
    anomalies = Anomaly.objects.filter(home=home, start__gte=now - timedelta(days=ANOMALY_ALERT_DAYS))
    if rule.device_id:
        anomalies = anomalies.filter(device_id=rule.device_id)
    return {
        f"anomaly:{a.pk}": (
            f"{a.device.name}: {a.get_kind_display().lower()}",
            f"{a.device.name} at {a.start.astimezone(home.zone):%a %H:%M}: {a.observed:.0f} {a.unit}, "
            f"usually up to {a.expected_high:.0f} {a.unit}.",
            a.observed,
        )
        for a in anomalies.select_related("device")
    }


def _queue_email(alert_id: int) -> None:
    from analytics.tasks import send_alert_email

    try:
        send_alert_email.delay(alert_id)
    except Exception:  # a broker or mail failure never blocks the in-app alert
        logger.exception("alert %s: email not queued", alert_id)


def _push_alert(home_id: int, alert_id: int) -> None:
    from telemetry.live import publish_alert

    publish_alert(home_id, alert_id=alert_id)  # never raises: the alert is stored already


def evaluate_alerts(*, home: Home, now: datetime | None = None) -> AlertStats:
    """Evaluate the home's active rules: open an alert for each new cause (one open alert per rule
    and cause, so re-running opens nothing twice), resolve open alerts whose condition cleared.
    Emails are queued after commit for rules that want them."""
    now = now or timezone.now()
    opened = resolved = 0
    rules = AlertRule.objects.filter(home=home, is_active=True).select_related("home", "device")
    for rule in rules:
        holding = _conditions(rule, now)
        with transaction.atomic():
            open_alerts = {a.cause: a for a in Alert.objects.select_for_update().filter(rule=rule, status="open")}
            for cause, alert in open_alerts.items():
                if cause not in holding:
                    alert.status, alert.resolved_at = Alert.Status.RESOLVED, now
                    alert.save(update_fields=["status", "resolved_at"])
                    resolved += 1
            for cause, (title, message, value) in holding.items():
                if cause in open_alerts:
                    continue
                alert = Alert.objects.create(
                    home=home, rule=rule, cause=cause, title=title, message=message, value=value, opened_at=now
                )
                opened += 1
                transaction.on_commit(lambda pk=alert.pk: _push_alert(home.pk, pk))
                if rule.email:
                    transaction.on_commit(lambda pk=alert.pk: _queue_email(pk))
    return AlertStats(opened=opened, resolved=resolved)


def alert_recipients(home: Home) -> list[str]:
    """Emails of the home's owners, members and property managers (viewers see alerts in-app)."""
    from accounts.models import WRITE_ROLES, Membership

    rows = Membership.objects.filter(home=home, role__in=list(WRITE_ROLES)).select_related("user")
    return sorted({m.user.email for m in rows if m.user.email})


def send_alert_email(*, alert: Alert, now: datetime | None = None) -> bool:
    """Email ``alert`` to its recipients as their preferences say (analytics.insight_notify); True
    when at least one email went out now. Raises the backend's error so the task can retry."""
    from analytics.insight_notify import deliver_alert_email

    return deliver_alert_email(alert=alert, now=now).sent > 0


def acknowledge_alert(*, alert: Alert, now: datetime | None = None) -> Alert:
    """Mark ``alert`` read (it stays open until its condition clears)."""
    if alert.read_at is None:
        alert.read_at = now or timezone.now()
        alert.save(update_fields=["read_at"])
    return alert

"""Who hears about what, and when: notification preferences per user and the alert emails they
govern (one email per alert and recipient, held back during the recipient's quiet hours and sent
by the beat sweep once they end).

Recipients of a home's alerts are its owners, members and property managers
(``accounts.models.WRITE_ROLES``); viewers see alerts in-app only. Times are aware UTC; quiet
hours are read on each user's own clock (``User.time_zone``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import WRITE_ROLES, Home, Membership, User
from analytics.models import Alert, AlertEmail, NotificationPreference


def preference_for(user: User) -> NotificationPreference:
    """``user``'s preferences; the defaults (unsaved) when they never chose."""
    found = NotificationPreference.objects.filter(user=user).select_related("user").first()
    return found or NotificationPreference(user=user)


def _time(value: object, field: str) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        return time.fromisoformat(str(value).strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise ValidationError({field: "Give a time of day as HH:MM."}) from None


def save_preferences(
    *,
    user: User,
    alert_email: bool,
    weekly_report: bool,
    quiet_start: object = None,
    quiet_end: object = None,
) -> NotificationPreference:
    """Store ``user``'s choices. Quiet hours need both ends (local HH:MM on the user's clock) or
    neither; ValidationError naming ``quiet_start``/``quiet_end`` otherwise."""
    start, end = _time(quiet_start, "quiet_start"), _time(quiet_end, "quiet_end")
    if (start is None) != (end is None):
        missing = "quiet_end" if end is None else "quiet_start"
        raise ValidationError({missing: "Quiet hours need a start and an end (or neither)."})
    if start is not None and start == end:
        raise ValidationError({"quiet_end": "The end must differ from the start."})
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "alert_email": bool(alert_email),
            "weekly_report": bool(weekly_report),
            "quiet_start": start,
            "quiet_end": end,
        },
    )
    return preference


def alert_recipient_users(home: Home) -> list[User]:
    """Active users with an email who receive ``home``'s alerts by role (owners, members, managers)."""
    rows = Membership.objects.filter(home=home, role__in=list(WRITE_ROLES), user__is_active=True)
    users = {m.user.pk: m.user for m in rows.select_related("user") if m.user.email}
    return sorted(users.values(), key=lambda u: u.email)


@dataclass(frozen=True)
class AlertEmailStats:
    sent: int = 0
    waiting: int = 0
    skipped: int = 0


def _send_one(alert: Alert, user: User) -> None:
    home = alert.home
    send_mail(
        subject=f"[EnergyHome] {home.name}: {alert.title}",
        message=(
            f"{alert.message}\n\nOpened {alert.opened_at.astimezone(home.zone):%Y-%m-%d %H:%M %Z}.\n"
            f"{settings.SITE_URL}{reverse('insights:home-alerts', args=[home.pk])}\n\n"
            f"Notification settings: {settings.SITE_URL}{reverse('insights:notification-settings')}"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def deliver_alert_email(*, alert: Alert, now: datetime | None = None) -> AlertEmailStats:
    """Email ``alert`` to each recipient who wants alert emails: now, or, during their quiet hours,
    later (a waiting row the sweep sends). Each recipient gets it once, whatever the retries.
    Raises the backend's error after counting the attempt, so the task can retry; recipients
    already served are not emailed again."""
    now = now or timezone.now()
    Alert.objects.filter(pk=alert.pk).update(email_attempts=models.F("email_attempts") + 1)
    sent = waiting = skipped = 0
    for user in alert_recipient_users(alert.home):
        preference = preference_for(user)
        if not preference.alert_email:
            skipped += 1
            continue
        row, _ = AlertEmail.objects.get_or_create(alert=alert, user=user)
        if row.sent_at is not None:
            continue
        if preference.in_quiet_hours(now):
            waiting += 1
            continue
        if _claim_and_send(row, alert, user, now):
            sent += 1
    return AlertEmailStats(sent=sent, waiting=waiting, skipped=skipped)


def _claim_and_send(row: AlertEmail, alert: Alert, user: User, now: datetime) -> bool:
    """Claim ``row`` by a conditional UPDATE (two workers never both send), send, and release the
    claim when sending fails so a retry sends it."""
    with transaction.atomic():
        if not AlertEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=now):
            return False
        try:
            _send_one(alert, user)
        except Exception:
            AlertEmail.objects.filter(pk=row.pk).update(sent_at=None)
            raise
    Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=now)
    return True


def send_waiting_alert_emails(*, now: datetime | None = None) -> AlertEmailStats:
    """Beat sweep: send the alert emails that waited for quiet hours to end (alerts still open;
    one resolved meanwhile is old news and is dropped). A recipient who turned alert emails off
    meanwhile is skipped."""
    now = now or timezone.now()
    sent = waiting = skipped = 0
    rows = AlertEmail.objects.filter(sent_at__isnull=True).select_related("alert__home", "user")
    for row in rows:
        if row.alert.status != Alert.Status.OPEN:
            row.delete()
            skipped += 1
            continue
        preference = preference_for(row.user)
        if not preference.alert_email:
            row.delete()
            skipped += 1
        elif preference.in_quiet_hours(now):
            waiting += 1
        else:
            try:
                sent += _claim_and_send(row, row.alert, row.user, now)
            except IntegrityError:  # pragma: no cover - a concurrent delete
                continue
    return AlertEmailStats(sent=sent, waiting=waiting, skipped=skipped)

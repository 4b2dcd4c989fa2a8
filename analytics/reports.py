"""The weekly report of a home: the local week's (Monday to Sunday, the home's time zone)
energy and cost against the week before, the top devices, the week's anomalies, the advice
still open, and two small inline-SVG charts that mail clients show without fetching anything.

``weekly_report`` reads (selectors: rollups through analytics.forecasts' series, costs through
analytics.costs); ``send_weekly_reports`` is the beat job's service: hourly, it emails each home
whose local time is Monday 07:xx the report of the week that just ended, to every member who
wants it. A row per home, user and week is claimed before sending, so running twice, or two
beats, never send a week twice. The email has an unsubscribe link: a signed token naming the
user (``unsubscribe_token``), no sign-in needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Home, Membership, User
from analytics.costs import cost_by_device, cost_summary
from analytics.forecasts import hourly_energy_series
from analytics.models import Anomaly, NotificationPreference, WeeklyReportEmail
from analytics.recommendations import visible_recommendations
from analytics.selectors import CONSUMER, local_midnight, percent_change
from telemetry.models import HourlyRollup

logger = logging.getLogger(__name__)

SEND_WEEKDAY = 0  # Monday
SEND_HOUR = 7  # local
TOP_DEVICES = 5
TOP_RECOMMENDATIONS = 3
UNSUBSCRIBE_SALT = "analytics.reports.unsubscribe"
CHART_W, CHART_H = 320, 120


@dataclass(frozen=True)
class DayBar:
    label: str  # "Mon"
    kwh: float
    previous_kwh: float


@dataclass(frozen=True)
class TopDevice:
    device_id: int
    name: str
    kwh: float
    cost: Decimal | None
    share_pct: float


@dataclass(frozen=True)
class WeeklyReport:
    """One home's week. Energy in kWh (consumption), money in ``currency``; ``week_start`` is
    the local Monday; ``start``/``end`` the aware UTC bounds of the week."""

    home: Home
    week_start: date
    start: datetime
    end: datetime
    kwh: float
    previous_kwh: float
    change_pct: float | None
    cost: Decimal
    previous_cost: Decimal
    cost_change_pct: float | None
    currency: str
    days: tuple[DayBar, ...]
    top_devices: tuple[TopDevice, ...]
    anomalies: tuple
    recommendations: tuple
    has_costs: bool

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def daily_chart_svg(self) -> str:
        return daily_chart_svg(self.days)

    @property
    def devices_chart_svg(self) -> str:
        return devices_chart_svg(self.top_devices)


def last_week_start(home: Home, now: datetime) -> date:
    """The local Monday of the last whole week before ``now`` (in the home's time zone)."""
    today = now.astimezone(home.zone).date()
    return today - timedelta(days=today.weekday() + 7)


def _daily_kwh(home: Home, start: datetime, end: datetime) -> dict[date, float]:
    series = hourly_energy_series(home, start=start, end=end)
    days: dict[date, float] = {}
    for index, value in enumerate(series.values):
        day = series.local(index).date()
        days[day] = days.get(day, 0.0) + (value or 0.0) / 1000
    return days


def _top_devices(home: Home, start: datetime, end: datetime, total_kwh: float) -> tuple[TopDevice, ...]:
    rows = (
        HourlyRollup.objects.filter(device__home=home, device__type__category=CONSUMER, hour__gte=start, hour__lt=end)
        .values_list("device_id", "device__name")
        .annotate(wh=Sum("energy_wh"))
        .order_by("-wh", "device__name")[:TOP_DEVICES]
    )
    costs = {row.key: row.cost for row in cost_by_device(home=home, start=start, end=end)}
    return tuple(
        TopDevice(
            device_id=pk,
            name=name,
            kwh=(wh or 0.0) / 1000,
            cost=costs.get(pk),
            share_pct=(wh or 0.0) / 1000 / total_kwh * 100 if total_kwh else 0.0,
        )
        for pk, name, wh in rows
        if wh
    )


def weekly_report(home: Home, *, week_start: date, now: datetime | None = None) -> WeeklyReport:
    """The report of the local week starting ``week_start`` (moved back to its Monday)."""
    now = now or timezone.now()
    week_start -= timedelta(days=week_start.weekday())
    start = local_midnight(week_start, home)
    end = local_midnight(week_start + timedelta(days=7), home)
    previous_start = local_midnight(week_start - timedelta(days=7), home)
    this_week = _daily_kwh(home, start, end)
    before = _daily_kwh(home, previous_start, start)
    days = tuple(
        DayBar(
            label=(week_start + timedelta(days=i)).strftime("%a"),
            kwh=this_week.get(week_start + timedelta(days=i), 0.0),
            previous_kwh=before.get(week_start + timedelta(days=i - 7), 0.0),
        )
        for i in range(7)
    )
    kwh, previous_kwh = sum(d.kwh for d in days), sum(d.previous_kwh for d in days)
    cost = cost_summary(home=home, start=start, end=end)
    previous_cost = cost_summary(home=home, start=previous_start, end=start)
    has_costs = bool(cost.import_kwh or cost.standing_charge)
    anomalies = Anomaly.objects.filter(home=home, start__gte=start, start__lt=end).select_related("device")
    return WeeklyReport(
        home=home,
        week_start=week_start,
        start=start,
        end=end,
        kwh=kwh,
        previous_kwh=previous_kwh,
        change_pct=percent_change(kwh, previous_kwh),
        cost=cost.total.quantize(Decimal("0.01")),
        previous_cost=previous_cost.total.quantize(Decimal("0.01")),
        cost_change_pct=percent_change(float(cost.total), float(previous_cost.total)),
        currency=home.currency,
        days=days,
        top_devices=_top_devices(home, start, end, kwh),
        anomalies=tuple(anomalies.order_by("-score")[:5]),
        recommendations=tuple(visible_recommendations(home, now=now)[:TOP_RECOMMENDATIONS]),
        has_costs=has_costs,
    )


# --- charts (inline SVG, no script, no external fetch) ---------------------------------------------


def daily_chart_svg(days: tuple[DayBar, ...]) -> str:
    """Bars of each day's kWh (this week, solid) beside last week's (pale), labelled by weekday."""
    top = max([d.kwh for d in days] + [d.previous_kwh for d in days] + [0.001])
    slot = CHART_W / max(len(days), 1)
    bar_w = slot * 0.34
    base = CHART_H - 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="Energy per day, this week and last week">'
    ]
    for i, day in enumerate(days):
        x = i * slot + slot * 0.14
        for offset, value, colour, who in (
            (0, day.previous_kwh, "#c7d2fe", "last week"),
            (bar_w, day.kwh, "#4f46e5", "this week"),
        ):  # noqa: E501
            height = value / top * (base - 6)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{base - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{day.label} {who}: {value:.1f} kWh</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar_w:.1f}" y="{CHART_H - 4}" font-size="11" text-anchor="middle" '
            f'fill="#475569" font-family="sans-serif">{day.label}</text>'
        )
    parts.append(f'<line x1="0" y1="{base}" x2="{CHART_W}" y2="{base}" stroke="#cbd5e1"/></svg>')
    return "".join(parts)


def devices_chart_svg(devices: tuple[TopDevice, ...]) -> str:
    """Horizontal bars of the top devices' kWh with their names and figures."""
    row_h = 22
    height = max(len(devices), 1) * row_h + 4
    top = max([d.kwh for d in devices] + [0.001])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{height}" '
        f'viewBox="0 0 {CHART_W} {height}" role="img" aria-label="Top devices by energy">'
    ]
    for i, device in enumerate(devices):
        y = i * row_h + 2
        width = device.kwh / top * (CHART_W - 200)  # room for the figure after the longest bar
        name = device.name if len(device.name) <= 18 else device.name[:17] + "…"
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12" fill="#0f172a" font-family="sans-serif">{_escape(name)}</text>'
            f'<rect x="120" y="{y + 3}" width="{width:.1f}" height="14" rx="2" fill="#0ea5e9"/>'
            f'<text x="{124 + width:.1f}" y="{y + 14}" font-size="11" fill="#475569" '
            f'font-family="sans-serif">{device.kwh:.1f} kWh</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- unsubscribe ---------------------------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    """A signed token naming ``user``: the same for every email, no expiry (old emails' links keep
    working); forging one needs SECRET_KEY."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk})


def user_for_unsubscribe(token: str) -> User | None:
    """The user a token names; None for a forged, altered or unknown one."""
    try:
        user_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)["u"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def unsubscribe(*, user: User) -> NotificationPreference:
    """Turn the weekly report off for ``user`` (idempotent); other preferences are kept."""
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    if preference.weekly_report:
        preference.weekly_report = False
        preference.save(update_fields=["weekly_report", "updated_at"])
    return preference


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportStats:
    homes: int = 0
    sent: int = 0
    already: int = 0
    failed: int = 0


def report_recipients(home: Home) -> list[User]:
    """Active members of every role with an email who did not turn the weekly report off."""
    off = NotificationPreference.objects.filter(weekly_report=False).values("user_id")
    rows = Membership.objects.filter(home=home, user__is_active=True).exclude(user_id__in=off).select_related("user")
    return sorted({m.user.pk: m.user for m in rows if m.user.email}.values(), key=lambda u: u.email)


def is_send_time(home: Home, now: datetime) -> bool:
    local = now.astimezone(home.zone)
    return local.weekday() == SEND_WEEKDAY and local.hour == SEND_HOUR


def render_report_email(report: WeeklyReport, user: User) -> EmailMultiAlternatives:
    home = report.home
    token = unsubscribe_token(user)
    unsubscribe_url = f"{settings.SITE_URL}{reverse('insights:report-unsubscribe', args=[token])}"
    page_url = (
        f"{settings.SITE_URL}{reverse('insights:home-weekly-report', args=[home.pk])}"
        f"?week={report.week_start.isoformat()}"
    )
    context = {"report": report, "home": home, "unsubscribe_url": unsubscribe_url, "page_url": page_url}
    subject = f"[EnergyHome] {home.name}: your week {report.week_start:%d %b} to {report.week_end:%d %b}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/weekly_email.txt", context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string("reports/weekly_email.html", context), "text/html")
    return message


def send_weekly_report(*, home: Home, week_start: date, now: datetime | None = None) -> ReportStats:
    """Email ``home``'s report of the week starting ``week_start`` to each recipient who has not
    had it yet. Each (home, user, week) row is claimed before sending and released if sending
    fails, so a retry sends it and nothing goes out twice."""
    now = now or timezone.now()
    report = weekly_report(home, week_start=week_start, now=now)
    sent = already = failed = 0
    for user in report_recipients(home):
        try:
            with transaction.atomic():
                WeeklyReportEmail.objects.create(home=home, user=user, week_start=report.week_start, sent_at=now)
                render_report_email(report, user).send()
        except IntegrityError:
            already += 1
        except Exception:
            failed += 1
            logger.exception("weekly report of home %s to user %s failed", home.pk, user.pk)
        else:
            sent += 1
    return ReportStats(homes=1, sent=sent, already=already, failed=failed)


def send_weekly_reports(*, now: datetime | None = None) -> ReportStats:
    """Beat, hourly: send last week's report of each home whose local time is Monday 07:xx."""
    now = now or timezone.now()
    totals = ReportStats()
    for home in Home.objects.order_by("pk"):
        if not is_send_time(home, now):
            continue
        stats = send_weekly_report(home=home, week_start=last_week_start(home, now), now=now)
        totals = ReportStats(
            homes=totals.homes + 1,
            sent=totals.sent + stats.sent,
            already=totals.already + stats.already,
            failed=totals.failed + stats.failed,
        )
    return totals

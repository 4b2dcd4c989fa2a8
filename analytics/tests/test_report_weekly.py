"""The weekly report: figures of a hand-built week, the email (HTML with inline SVG charts, text,
unsubscribe link and header), the Monday-07:xx-local beat job that never sends a week twice,
the unsubscribe token and the printable page's permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.services import create_home
from analytics import reports
from analytics.models import Anomaly, NotificationPreference, WeeklyReportEmail
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)  # a Monday
MONDAY_0730_BERLIN = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # 07:30 CET


def fill_week(device, monday: date, wh_per_hour: float) -> None:
    for day in range(7):
        for hour in range(24):
            local = datetime.combine(monday + timedelta(days=day), time(hour), tzinfo=device.home.zone)
            rollup(device, local.astimezone(UTC), wh_per_hour)


@pytest.fixture
def week_home(home):
    """Home A: a heat pump (100 Wh each hour last week, 50 the week before) and a TV (25 Wh each
    hour last week), a flat 0.30 tariff, and one anomaly on the Wednesday."""
    flat_tariff(home, date(2026, 1, 1), "0.30")
    heat_pump = make_device(home)
    tv = make_device(home, name="TV")
    fill_week(heat_pump, WEEK, 100.0)
    fill_week(heat_pump, WEEK - timedelta(days=7), 50.0)
    fill_week(tv, WEEK, 25.0)
    reprice_hours(
        home=home,
        start=datetime(2026, 11, 10, tzinfo=UTC),
        end=datetime(2026, 12, 1, tzinfo=UTC),
    )
    wednesday = datetime.combine(WEEK + timedelta(days=2), time(3), tzinfo=home.zone)
    Anomaly.objects.create(
        home=home, device=heat_pump, kind="usually_off", start=wednesday, end=wednesday + timedelta(hours=1),
        unit="W", observed=2400, expected=40, expected_low=0, expected_high=300, score=12,
    )  # fmt: skip
    return home


def test_the_report_sums_the_local_week_and_compares_with_the_week_before(week_home):
    report = reports.weekly_report(week_home, week_start=WEEK + timedelta(days=3))  # any day: its Monday
    assert report.week_start == WEEK and report.week_end == date(2026, 11, 29)
    # 7 days x 24 h x (100 + 25) Wh = 21.0 kWh; the week before 7 x 24 x 50 Wh = 8.4 kWh.
    assert report.kwh == pytest.approx(21.0) and report.previous_kwh == pytest.approx(8.4)
    assert report.change_pct == pytest.approx(150.0)
    assert report.cost == Decimal("6.30") and report.previous_cost == Decimal("2.52")  # at 0.30 a kWh
    assert [(d.name, round(d.kwh, 1)) for d in report.top_devices] == [("Heat pump", 16.8), ("TV", 4.2)]
    assert report.top_devices[0].share_pct == pytest.approx(80.0)
    assert [d.label for d in report.days] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert all(d.kwh == pytest.approx(3.0) for d in report.days)
    assert len(report.anomalies) == 1
    svg = report.daily_chart_svg
    assert svg.startswith("<svg") and svg.count("<rect") == 14 and "Wed this week: 3.0 kWh" in svg


def test_monday_seven_local_sends_one_email_per_member_with_charts_and_unsubscribe(week_home, make_user):
    viewer = make_user("viewer@example.com")
    Membership.objects.create(user=viewer, home=week_home, role=Role.VIEWER)
    stats = reports.send_weekly_reports(now=MONDAY_0730_BERLIN)
    assert (stats.homes, stats.sent, stats.failed) == (1, 2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["owner@example.com", "viewer@example.com"]
    message = next(m for m in mail.outbox if m.to == ["owner@example.com"])
    assert "23 Nov to 29 Nov" in message.subject
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert html.count("<svg") == 2 and "<script" not in html and "21.0 kWh" in html and "6.30 EUR" in html
    assert "+150 % against the week before" in html
    assert "Heat pump: on when usually off on Wed 25 Nov, 03:00" in html.replace("\n", " ").replace("  ", " ")
    token = reports.unsubscribe_token(week_home.memberships.get(role=Role.OWNER).user)
    assert f"/reports/unsubscribe/{token}/" in html and f"/reports/unsubscribe/{token}/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"?week={WEEK.isoformat()}" in message.body


def test_a_second_run_or_another_hour_never_sends_the_week_twice(week_home):
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN).sent == 1
    again = reports.send_weekly_reports(now=MONDAY_0730_BERLIN + timedelta(minutes=20))
    assert (again.sent, again.already) == (0, 1)
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN + timedelta(hours=1)).homes == 0  # 08:30
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN - timedelta(days=1)).homes == 0  # Sunday
    assert len(mail.outbox) == 1
    assert WeeklyReportEmail.objects.get().week_start == WEEK


def test_each_home_is_sent_at_seven_on_its_own_clock(home, other_home):
    # 06:30 UTC is 07:30 in Berlin and 01:30 in New York; New York's 07:30 is 12:30 UTC.
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN).homes == 1
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    later = reports.send_weekly_reports(now=datetime(2026, 11, 30, 12, 30, tzinfo=UTC))
    assert later.homes == 1 and mail.outbox[-1].to == ["other-owner@example.com"]
    assert "Home B" in mail.outbox[-1].subject


def test_a_failed_send_is_logged_released_and_sent_by_a_retry(week_home, settings, caplog):
    settings.EMAIL_BACKEND = "analytics.tests.test_insight_alerts.FailingBackend"
    stats = reports.send_weekly_reports(now=MONDAY_0730_BERLIN)
    assert (stats.sent, stats.failed) == (0, 1) and not WeeklyReportEmail.objects.exists()
    assert "weekly report of home" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN + timedelta(minutes=20)).sent == 1


def test_unsubscribe_asks_on_get_and_turns_the_report_off_on_post(client, week_home):
    owner = week_home.memberships.get(role=Role.OWNER).user
    url = reverse("insights:report-unsubscribe", args=[reports.unsubscribe_token(owner)])
    assert client.get(url).status_code == 200
    assert not NotificationPreference.objects.filter(user=owner, weekly_report=False).exists()
    response = client.post(url)  # no session, no CSRF token: the signed link is enough
    assert response.status_code == 200 and b'id="unsubscribed"' in response.content
    assert NotificationPreference.objects.get(user=owner).weekly_report is False
    assert reports.send_weekly_reports(now=MONDAY_0730_BERLIN).sent == 0 and not mail.outbox


def test_a_forged_or_altered_token_unsubscribes_nobody(client, week_home):
    owner = week_home.memberships.get(role=Role.OWNER).user
    token = reports.unsubscribe_token(owner)
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", ":a", 1)):
        assert client.post(reverse("insights:report-unsubscribe", args=[bad])).status_code == 404
    assert not NotificationPreference.objects.exists()


def test_the_printable_page_for_members_404_for_others_and_400_for_a_bad_week(
    owner_client, readonly_client, outsider_client, week_home
):
    url = reverse("insights:home-weekly-report", args=[week_home.pk])
    body = owner_client.get(url, {"week": WEEK.isoformat()}).content.decode()
    assert '<section class="card section" id="weekly-report">' in body and "21.0 kWh" in body
    assert "@media print" in body and body.count("<svg") >= 2
    assert readonly_client.get(url, {"week": WEEK.isoformat()}).status_code == 200
    assert outsider_client.get(url).status_code == 404
    assert owner_client.get(url, {"week": "2026-13-40"}).status_code == 400


def test_a_home_without_data_or_tariff_still_gets_a_plain_report(make_user):
    owner = make_user("new@example.com")
    new_home = create_home(owner=owner, name="Empty", time_zone="Europe/Berlin", currency="EUR")
    report = reports.weekly_report(new_home, week_start=WEEK)
    assert report.kwh == 0 and report.change_pct is None and not report.has_costs and report.top_devices == ()
    assert reports.send_weekly_report(home=new_home, week_start=WEEK).sent == 1
    assert "No tariff yet" in mail.outbox[0].alternatives[0][0]

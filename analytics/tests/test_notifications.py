"""Notification preferences: alert emails on/off, quiet hours on each user's own clock (emails
wait, the in-app alert does not), managers receive their homes' alerts, the settings page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Membership, Role
from analytics import insight_services
from analytics.insight_notify import alert_recipient_users, save_preferences, send_waiting_alert_emails
from analytics.models import Alert, AlertEmail, NotificationPreference
from analytics.tests.test_cost_fixtures import make_device

pytestmark = pytest.mark.django_db

# 23:30 in Berlin (CET, UTC+1) on a winter night.
NIGHT = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _at_night():
    """The email task reads the clock when it runs (as it does right after the evaluation in real
    life), so the tests' clock stands at NIGHT: quiet hours then depend on NIGHT, not on today."""
    import time_machine

    with time_machine.travel(NIGHT, tick=False):
        yield


@pytest.fixture
def offline_rule(home):
    device = make_device(home)
    device.last_seen = NIGHT - timedelta(hours=2)
    device.save()
    return insight_services.create_alert_rule(home=home, kind="device_offline", device_id=device.pk, minutes="30")


def owner_of(home):
    return home.memberships.get(role=Role.OWNER).user


def evaluate(home, now, capture):
    with capture(execute=True):
        return insight_services.evaluate_alerts(home=home, now=now)


def test_managers_receive_their_homes_alerts_and_viewers_do_not(
    home, make_user, offline_rule, django_capture_on_commit_callbacks
):  # noqa: E501
    for role in (Role.MANAGER, Role.VIEWER):
        Membership.objects.create(user=make_user(f"{role}@example.com"), home=home, role=role)
    assert [u.email for u in alert_recipient_users(home)] == ["manager@example.com", "owner@example.com"]
    evaluate(home, NIGHT, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "owner@example.com"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # one email each: preferences are per user


def test_a_user_who_turned_alert_emails_off_gets_none_but_the_alert_opens(
    home, offline_rule, django_capture_on_commit_callbacks
):  # noqa: E501
    save_preferences(user=owner_of(home), alert_email=False, weekly_report=True)
    assert evaluate(home, NIGHT, django_capture_on_commit_callbacks).opened == 1
    assert Alert.objects.get().status == "open" and mail.outbox == []


def test_quiet_hours_on_the_users_clock_hold_the_email_until_they_end(
    home, offline_rule, django_capture_on_commit_callbacks
):  # noqa: E501
    owner = owner_of(home)
    owner.time_zone = "Europe/Berlin"
    owner.save()
    save_preferences(user=owner, alert_email=True, weekly_report=True, quiet_start="22:00", quiet_end="07:00")
    assert evaluate(home, NIGHT, django_capture_on_commit_callbacks).opened == 1  # 23:30 local: quiet
    assert mail.outbox == []
    assert AlertEmail.objects.get().sent_at is None
    assert send_waiting_alert_emails(now=NIGHT + timedelta(hours=4)).waiting == 1  # 03:30 local: still quiet
    assert mail.outbox == []
    morning = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)  # 07:05 local
    assert send_waiting_alert_emails(now=morning).sent == 1
    assert send_waiting_alert_emails(now=morning + timedelta(minutes=5)).sent == 0  # never twice
    assert len(mail.outbox) == 1 and "offline" in mail.outbox[0].subject
    alert = Alert.objects.get()
    assert alert.emailed_at == morning


def test_the_same_utc_time_is_quiet_for_one_user_and_not_for_another(
    home, make_user, offline_rule, django_capture_on_commit_callbacks
):  # noqa: E501
    owner = owner_of(home)
    owner.time_zone = "Europe/Berlin"
    owner.save()
    manager = make_user("manager@example.com", time_zone="America/New_York")  # 17:30 there
    Membership.objects.create(user=manager, home=home, role=Role.MANAGER)
    for user in (owner, manager):
        save_preferences(user=user, alert_email=True, weekly_report=True, quiet_start="22:00", quiet_end="07:00")
    evaluate(home, NIGHT, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]


def test_an_alert_resolved_during_quiet_hours_is_not_emailed_afterwards(
    home, offline_rule, django_capture_on_commit_callbacks
):  # noqa: E501
    save_preferences(user=owner_of(home), alert_email=True, weekly_report=True, quiet_start="00:00", quiet_end="23:59")
    evaluate(home, NIGHT, django_capture_on_commit_callbacks)
    device = offline_rule.device
    device.last_seen = NIGHT + timedelta(minutes=1)
    device.save()
    assert insight_services.evaluate_alerts(home=home, now=NIGHT + timedelta(minutes=2)).resolved == 1
    save_preferences(user=owner_of(home), alert_email=True, weekly_report=True)
    assert send_waiting_alert_emails(now=NIGHT + timedelta(minutes=3)).skipped == 1
    assert mail.outbox == [] and not AlertEmail.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("22:00", "", "quiet_end"),
        ("", "07:00", "quiet_start"),
        ("25:00", "07:00", "quiet_start"),
        ("07:00", "07:00", "quiet_end"),
    ],  # noqa: E501
)
def test_quiet_hours_that_make_no_sense_are_refused_naming_the_field(home, start, end, field):
    with pytest.raises(ValidationError) as raised:
        save_preferences(user=owner_of(home), alert_email=True, weekly_report=True, quiet_start=start, quiet_end=end)
    assert field in raised.value.message_dict


def test_quiet_hours_within_a_day_and_over_midnight(make_user):
    user = make_user("utc@example.com", time_zone="UTC")
    preference = NotificationPreference(user=user, quiet_start=time(13, 0), quiet_end=time(15, 0))
    assert preference.in_quiet_hours(datetime(2026, 1, 1, 14, 0, tzinfo=UTC))
    assert not preference.in_quiet_hours(datetime(2026, 1, 1, 15, 0, tzinfo=UTC))
    preference.quiet_start, preference.quiet_end = time(22, 0), time(7, 0)
    assert preference.in_quiet_hours(datetime(2026, 1, 1, 6, 59, tzinfo=UTC))
    assert not preference.in_quiet_hours(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


def test_the_settings_page_saves_and_reports_bad_input(owner_client, home, client):
    url = reverse("insights:notification-settings")
    assert client.get(url).status_code == 302  # sign-in first
    page = owner_client.get(url).content.decode()
    assert 'name="alert_email"' in page and 'name="quiet_start"' in page
    response = owner_client.post(url, {"weekly_report": "on", "quiet_start": "22:30", "quiet_end": "06:45"})
    assert response.status_code == 200 and b'id="prefs-saved"' in response.content
    saved = NotificationPreference.objects.get(user=owner_of(home))
    assert (saved.alert_email, saved.weekly_report, saved.quiet_start, saved.quiet_end) == (
        False, True, time(22, 30), time(6, 45),
    )  # fmt: skip
    bad = owner_client.post(url, {"quiet_start": "22:30"})
    assert bad.status_code == 400 and "Quiet hours need a start and an end" in bad.content.decode()

"""Alert rules and their lifecycle: validation naming the field, dedupe, email through Django's
email backend (the test outbox), resolution, failures that never block the in-app alert, pages."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from analytics import insight_services
from analytics.models import Alert, AlertRule, Anomaly
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup
from telemetry.services import ingest_readings

pytestmark = pytest.mark.django_db


def readings(device, start: datetime, minutes: int, power_w: float) -> None:
    items = [{"time": (start + timedelta(minutes=i)).isoformat(), "power_w": power_w} for i in range(minutes)]
    result = ingest_readings(device=device, items=items)
    assert not [r for r in result.items if r.status == "rejected"]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"kind": "power_above", "threshold": "2000", "minutes": "-5"}, "minutes", "between 1 and"),
        (
            {"kind": "power_above", "threshold": "2000", "minutes": "10", "device_id": 999999},
            "device",
            "No such device",
        ),
        ({"kind": "monthly_budget", "threshold": "0"}, "threshold", "A budget must be more than zero"),
        ({"kind": "daily_cost_above", "threshold": "abc"}, "threshold", "Enter a number"),
        ({"kind": "device_offline", "minutes": "30"}, "device", "needs a device"),
        ({"kind": "sunshine"}, "kind", "is not a kind of alert"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused_naming_the_field(home, fields, field, reason):
    with pytest.raises(ValidationError) as raised:
        insight_services.create_alert_rule(home=home, **fields)
    assert reason in " ".join(raised.value.message_dict[field])
    assert not AlertRule.objects.exists()


def test_a_device_of_another_home_is_an_unknown_device(home, other_home):
    foreign = make_device(other_home)
    with pytest.raises(ValidationError) as raised:
        insight_services.create_alert_rule(
            home=home, kind="power_above", device_id=foreign.pk, threshold="100", minutes="5"
        )
    assert "device" in raised.value.message_dict


def test_power_above_opens_one_alert_and_one_email_then_resolves_when_it_drops(
    home, django_capture_on_commit_callbacks
):
    heater = make_device(home)
    rule = insight_services.create_alert_rule(
        home=home, kind="power_above", device_id=heater.pk, threshold="2000", minutes="10"
    )
    now = timezone.now().replace(second=30, microsecond=0)
    readings(heater, now - timedelta(minutes=15), 16, 2500.0)
    with django_capture_on_commit_callbacks(execute=True):
        first = insight_services.evaluate_alerts(home=home, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        second = insight_services.evaluate_alerts(home=home, now=now)
    assert (first.opened, second.opened) == (1, 0)
    alert = Alert.objects.get(rule=rule)
    assert alert.status == "open" and alert.cause == "power" and alert.value == pytest.approx(2500.0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "above 2000 W" in mail.outbox[0].subject
    assert f"/homes/{home.pk}/alerts/" in mail.outbox[0].body
    alert.refresh_from_db()
    assert alert.emailed_at is not None and alert.email_attempts == 1

    readings(heater, now + timedelta(seconds=30), 3, 300.0)
    later = now + timedelta(minutes=3)
    assert insight_services.evaluate_alerts(home=home, now=later).resolved == 1
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at == later
    assert insight_services.evaluate_alerts(home=home, now=later) == insight_services.AlertStats(0, 0)


def test_power_above_for_less_than_the_minutes_does_not_fire(home):
    heater = make_device(home)
    insight_services.create_alert_rule(
        home=home, kind="power_above", device_id=heater.pk, threshold="2000", minutes="10"
    )
    now = timezone.now().replace(second=30, microsecond=0)
    readings(heater, now - timedelta(minutes=15), 10, 300.0)
    readings(heater, now - timedelta(minutes=5), 6, 2500.0)
    assert insight_services.evaluate_alerts(home=home, now=now).opened == 0


def test_monthly_budget_alerts_at_80_and_at_100_percent(home, make_user):
    from accounts.models import Membership

    manager = make_user("manager@example.com")
    Membership.objects.create(user=manager, home=home, role="manager")
    viewer = make_user("viewer@example.com")
    Membership.objects.create(user=viewer, home=home, role="viewer")
    flat_tariff(home, date(2020, 1, 1), "0.50")
    meter = make_device(home, category="meter", name="Grid")
    now = datetime(2024, 3, 20, 12, tzinfo=UTC)
    rule = insight_services.create_alert_rule(home=home, kind="monthly_budget", threshold="10")
    for day in range(2, 18):  # 16 days x 1 kWh x 0.50 = 8.00
        rollup(meter, datetime.combine(date(2024, 3, day), time(12), tzinfo=UTC), 1000.0)
    reprice_hours(home=home, start=datetime(2024, 3, 1, tzinfo=UTC), end=now)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        assert insight_services.evaluate_alerts(home=home, now=now).opened == 1
        assert Alert.objects.get(rule=rule).cause == "month:2024-03:80"
        for day in (18, 19):  # two more kWh: 10.00 = 100 %
            rollup(meter, datetime.combine(date(2024, 3, day), time(12), tzinfo=UTC), 2000.0)
        reprice_hours(home=home, start=datetime(2024, 3, 1, tzinfo=UTC), end=now)
        assert insight_services.evaluate_alerts(home=home, now=now).opened == 1
    assert sorted(Alert.objects.filter(rule=rule).values_list("cause", flat=True)) == [
        "month:2024-03:100",
        "month:2024-03:80",
    ]
    # Owners and property managers get the email; viewers see the alert in-app only.
    assert insight_services.alert_recipients(home) == ["manager@example.com", "owner@example.com"]


def test_a_failing_email_is_logged_and_never_blocks_the_in_app_alert(
    home, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "analytics.tests.test_insight_alerts.FailingBackend"
    device = make_device(home)
    device.last_seen = timezone.now() - timedelta(hours=2)
    device.save()
    insight_services.create_alert_rule(home=home, kind="device_offline", device_id=device.pk, minutes="30")
    with caplog.at_level(logging.WARNING, logger="analytics.tasks"), django_capture_on_commit_callbacks(execute=True):
        stats = insight_services.evaluate_alerts(home=home)
    assert stats.opened == 1
    alert = Alert.objects.get()
    assert alert.title == "Heat pump is offline" and alert.emailed_at is None and alert.email_attempts == 1
    assert "email failed" in caplog.text and "SMTP is down" in caplog.text


def test_an_anomaly_rule_alerts_for_each_recent_anomaly(home):
    device = make_device(home)
    start = timezone.now() - timedelta(hours=5)
    anomaly = Anomaly.objects.create(
        home=home, device=device, kind="usually_off", start=start, end=start + timedelta(hours=2), unit="W",
        observed=2500, expected=50, expected_low=0, expected_high=900, score=20,
    )  # fmt: skip
    insight_services.create_alert_rule(home=home, kind="anomaly")
    assert insight_services.evaluate_alerts(home=home).opened == 1
    assert Alert.objects.get().cause == f"anomaly:{anomaly.pk}"


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP is down")


def test_the_alerts_page_lists_alerts_for_members_and_404s_for_others(owner_client, outsider_client, home):
    rule = insight_services.create_alert_rule(home=home, kind="monthly_budget", threshold="10")
    Alert.objects.create(
        home=home,
        rule=rule,
        cause="x",
        title="80 % of the monthly budget reached",
        message="8 of 10",
        opened_at=timezone.now(),
    )
    url = reverse("insights:home-alerts", args=[home.pk])
    body = owner_client.get(url).content.decode()
    assert "80 % of the monthly budget reached" in body and "1 unread" in body
    assert outsider_client.get(url).status_code == 404


def test_rules_are_added_through_the_form_and_bad_input_names_the_field(owner_client, home):
    url = reverse("insights:alert-rule-create", args=[home.pk])
    device = make_device(home)
    bad = owner_client.post(url, {"kind": "power_above", "device": device.pk, "threshold": "2000", "minutes": "-1"})
    assert bad.status_code == 400
    assert "Must be between 1 and" in bad.content.decode()
    good = owner_client.post(
        url, {"kind": "power_above", "device": device.pk, "threshold": "2000", "minutes": "10", "email": "on"}
    )
    assert good.status_code == 302
    rule = AlertRule.objects.get(home=home)
    assert (rule.threshold, rule.minutes, rule.email, rule.device) == (Decimal("2000"), 10, True, device)


def test_a_viewer_gets_403_on_rules_and_acknowledging(readonly_client, member_client, home):
    rule = insight_services.create_alert_rule(home=home, kind="monthly_budget", threshold="10")
    alert = Alert.objects.create(home=home, rule=rule, cause="x", title="t", message="m", opened_at=timezone.now())
    create = reverse("insights:alert-rule-create", args=[home.pk])
    ack = reverse("insights:alert-acknowledge", args=[home.pk, alert.pk])
    assert readonly_client.post(create, {"kind": "anomaly"}).status_code == 403
    assert readonly_client.post(ack).status_code == 403
    assert member_client.post(ack).status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # conftest re-seeds the reference rows for later tests
def test_alert_lifecycle_through_a_real_worker_and_redis(home, require_service):
    """evaluate_alerts on a real worker opens the alert and queues its email (run by the worker
    too); a second run opens nothing; the device coming back resolves it."""
    require_service("redis")
    import threading

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from analytics.tasks import evaluate_alerts, send_alert_email
    from energyhome.celery import app

    device = make_device(home)
    device.last_seen = timezone.now() - timedelta(hours=1)
    device.save()
    insight_services.create_alert_rule(home=home, kind="device_offline", device_id=device.pk, minutes="15")
    done: dict[str, threading.Event] = {
        evaluate_alerts.name: threading.Event(),
        send_alert_email.name: threading.Event(),
    }

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name in done:
            done[sender.name].set()

    def run_evaluation() -> None:
        for event in done.values():
            event.clear()
        evaluate_alerts.delay()
        assert done[evaluate_alerts.name].wait(timeout=30), "the worker did not evaluate within 30 s"

    task_postrun.connect(on_postrun, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            run_evaluation()
            assert done[send_alert_email.name].wait(timeout=30), "the email task did not run within 30 s"
            run_evaluation()  # idempotent: nothing new, no second email
            device.last_seen = timezone.now()
            device.save(update_fields=["last_seen"])
            run_evaluation()
    finally:
        app.conf.task_always_eager = eager
        task_postrun.disconnect(on_postrun)
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.emailed_at is not None
    assert len(mail.outbox) == 1 and "Heat pump is offline" in mail.outbox[0].subject


def test_the_header_counts_unread_open_alerts_of_the_current_home(owner_client, home):
    rule = insight_services.create_alert_rule(home=home, kind="monthly_budget", threshold="10")
    for cause in ("a", "b"):
        Alert.objects.create(home=home, rule=rule, cause=cause, title="t", message="m", opened_at=timezone.now())
    body = owner_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert '<span class="badge" id="alerts-unread" aria-label="2 unread">2</span>' in body
    alert = Alert.objects.first()
    owner_client.post(reverse("insights:alert-acknowledge", args=[home.pk, alert.pk]))
    body = owner_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert 'aria-label="1 unread"' in body

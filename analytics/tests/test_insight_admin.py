"""The insights in the admin: a manager sees their homes' forecasts, anomalies, recommendations,
rules and alerts read-only, marks alerts read with the admin action, and a forged id of another
home's alert changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from analytics import insight_services
from analytics.models import Alert, Anomaly
from analytics.tests.test_cost_fixtures import make_device

pytestmark = pytest.mark.django_db


def alert_of(home):
    device = make_device(home, name=f"Pump {home.name}")
    device.last_seen = timezone.now() - timedelta(hours=2)
    device.save()
    insight_services.create_alert_rule(home=home, kind="device_offline", device_id=device.pk, minutes="30", email=False)
    insight_services.evaluate_alerts(home=home)
    start = timezone.now() - timedelta(hours=3)
    Anomaly.objects.create(
        home=home, device=device, kind="usually_off", start=start, end=start, unit="W", observed=900, expected=10,
        expected_low=0, expected_high=50, score=9,
    )  # fmt: skip
    return Alert.objects.get(home=home)


@pytest.fixture
def manager(home, other_home, make_user, client):
    user = make_user("manager@example.com")
    Membership.objects.create(user=user, home=home, role=Role.MANAGER)
    client.force_login(user)
    return client


def test_a_manager_sees_their_homes_insights_read_only(manager, home, other_home):
    mine, foreign = alert_of(home), alert_of(other_home)
    changelist = manager.get(reverse("admin:analytics_alert_changelist")).content.decode()
    assert reverse("admin:analytics_alert_change", args=[mine.pk]) in changelist
    assert reverse("admin:analytics_alert_change", args=[foreign.pk]) not in changelist
    assert manager.get(reverse("admin:analytics_alert_change", args=[foreign.pk])).status_code == 404
    view = manager.get(reverse("admin:analytics_alert_change", args=[mine.pk]))
    assert view.status_code == 200 and b'name="_save"' not in view.content  # view only
    assert manager.get(reverse("admin:analytics_alert_delete", args=[mine.pk])).status_code == 403
    assert manager.get(reverse("admin:analytics_alertrule_add")).status_code == 403
    for name in ("forecast", "anomaly", "recommendation", "alertrule"):
        assert manager.get(reverse(f"admin:analytics_{name}_changelist")).status_code == 200
    anomalies = manager.get(reverse("admin:analytics_anomaly_changelist")).content.decode()
    assert "Pump Home A" in anomalies and "Pump Home B" not in anomalies


def test_the_acknowledge_action_marks_read_only_within_scope(manager, home, other_home):
    mine, foreign = alert_of(home), alert_of(other_home)
    response = manager.post(
        reverse("admin:analytics_alert_changelist"),
        {"action": "acknowledge", ACTION_CHECKBOX_NAME: [mine.pk, foreign.pk]},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.read_at is not None and mine.status == "open"
    assert foreign.read_at is None

"""The insights API through HTTP: figures and shapes, filters, the error format naming the field,
write rules, and objects of another home answering 404. (Who may call what is in the table of
tests/test_api_permissions.py.)"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import insight_services
from analytics.models import Alert, AlertRule, Recommendation
from analytics.tests.test_cost_fixtures import make_device
from analytics.tests.test_report_weekly import WEEK, week_home  # noqa: F401 (fixture)
from tests.api_support import _fast_password_hashing, assert_error, client_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def owner(home):
    return client_for(home.memberships.get(role="owner").user)


def bad(response, field: str) -> None:
    """A 400 in the API's error format naming ``field``."""
    assert field in assert_error(response, 400)["fields"]


def api(home, rest: str) -> str:
    return f"/api/v1/homes/{home.pk}/{rest}"


def test_a_short_history_gives_insufficient_forecasts_saying_how_many_days_it_needs(home):
    make_device(home)
    insight_services.recompute_forecasts(home=home)
    body = owner(home).get(api(home, "forecasts/"), {"device": 0, "granularity": "day", "horizon_days": 7}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["status"] == "insufficient" and row["points"] == []
    assert row["message"] == "Not enough data yet (needs 14 days, has 0)."
    bad(owner(home).get(api(home, "forecasts/"), {"granularity": "week"}), "granularity")


def test_recommendations_dismiss_snooze_and_bad_days(home):
    advice = Recommendation.objects.create(
        home=home, kind="cut_standby", key="cut_standby:1", title="Cut the standby of the TV", reason="On.",
        saving_kwh_month=8.6, saving_month=Decimal("2.10"), currency="EUR", evaluated_at=timezone.now(),
    )  # fmt: skip
    client = owner(home)
    listed = client.get(api(home, "recommendations/")).json()
    assert listed["results"][0]["saving_month"] == "2.100000" and listed["results"][0]["action"] is None
    bad(
        client.post(api(home, f"recommendations/{advice.pk}/snooze/"), {"days": 0}, content_type="application/json"),
        "days",
    )
    snoozed = client.post(
        api(home, f"recommendations/{advice.pk}/snooze/"), {"days": 3}, content_type="application/json"
    )
    assert snoozed.json()["status"] == "snoozed"
    assert client.post(api(home, f"recommendations/{advice.pk}/dismiss/")).json()["status"] == "dismissed"
    assert client.get(api(home, "recommendations/"), {"status": "dismissed"}).json()["count"] == 1
    no_action = client.post(api(home, f"recommendations/{advice.pk}/act/"))
    bad(no_action, "recommendation")


def test_another_homes_objects_answer_404_even_under_my_home(home, other_home):
    foreign_rule = insight_services.create_alert_rule(home=other_home, kind="monthly_budget", threshold="50")
    foreign_alert = Alert.objects.create(
        home=other_home, rule=foreign_rule, cause="c", title="t", message="m", opened_at=timezone.now()
    )
    client = owner(home)
    assert_error(client.get(api(home, f"alert-rules/{foreign_rule.pk}/")), 404, "not_found")
    assert_error(client.delete(api(home, f"alert-rules/{foreign_rule.pk}/")), 404, "not_found")
    assert_error(client.post(api(home, f"alerts/{foreign_alert.pk}/acknowledge/")), 404, "not_found")
    assert AlertRule.objects.filter(pk=foreign_rule.pk).exists()


def test_alert_rules_crud_and_rules_that_make_no_sense_name_the_field(home, other_home):
    client = owner(home)
    device = make_device(home)
    foreign = make_device(other_home, name="Foreign")
    cases = {
        "minutes": {"kind": "power_above", "device": device.pk, "threshold": "2000", "minutes": -5},
        "device": {"kind": "power_above", "device": foreign.pk, "threshold": "2000", "minutes": 5},
        "threshold": {"kind": "monthly_budget", "threshold": "0"},
        "kind": {"kind": "sunny_day"},
    }
    for field, body in cases.items():
        bad(client.post(api(home, "alert-rules/"), body, content_type="application/json"), field)
    created = client.post(
        api(home, "alert-rules/"),
        {"kind": "power_above", "device": device.pk, "threshold": "2000", "minutes": 10},
        content_type="application/json",
    )
    assert created.status_code == 201
    rule_id = created.json()["id"]
    assert created.json()["threshold"] == "2000.000" and created.json()["minutes"] == 10
    changed = client.patch(
        api(home, f"alert-rules/{rule_id}/"), {"minutes": 20, "email": False}, content_type="application/json"
    )
    assert (
        changed.json()["minutes"] == 20 and changed.json()["email"] is False and changed.json()["kind"] == "power_above"
    )
    bad_patch = client.patch(api(home, f"alert-rules/{rule_id}/"), {"minutes": 0}, content_type="application/json")
    bad(bad_patch, "minutes")
    assert AlertRule.objects.get(pk=rule_id).minutes == 20
    assert client.get(api(home, "alert-rules/")).json()["count"] == 1
    assert client.delete(api(home, f"alert-rules/{rule_id}/")).status_code == 204
    assert not AlertRule.objects.exists()


def test_alerts_list_filters_and_acknowledge(home):
    device = make_device(home)
    device.last_seen = timezone.now() - timedelta(hours=2)
    device.save()
    insight_services.create_alert_rule(home=home, kind="device_offline", device_id=device.pk, minutes="30", email=False)
    insight_services.evaluate_alerts(home=home)
    client = owner(home)
    unread = client.get(api(home, "alerts/"), {"unread": "true", "status": "open"}).json()
    assert unread["count"] == 1 and unread["results"][0]["title"] == "Heat pump is offline"
    alert_id = unread["results"][0]["id"]
    assert client.post(api(home, f"alerts/{alert_id}/acknowledge/")).json()["read_at"] is not None
    assert client.get(api(home, "alerts/"), {"unread": "true"}).json()["count"] == 0
    bad(client.get(api(home, "alerts/"), {"status": "gone"}), "status")


def test_the_weekly_report_has_the_emails_figures(week_home):  # noqa: F811
    client = owner(week_home)
    body = client.get(api(week_home, "reports/weekly/"), {"week": (WEEK + timedelta(days=4)).isoformat()}).json()
    assert body["week_start"] == WEEK.isoformat() and body["week_end"] == "2026-11-29"
    assert body["kwh"] == pytest.approx(21.0) and body["previous_kwh"] == pytest.approx(8.4)
    assert body["cost"] == "6.30" and body["currency"] == "EUR" and len(body["days"]) == 7
    assert [d["name"] for d in body["top_devices"]] == ["Heat pump", "TV"]
    assert body["anomalies"][0]["kind"] == "usually_off"
    bad(client.get(api(week_home, "reports/weekly/"), {"week": "soon"}), "week")
    bad(client.get(api(week_home, "reports/weekly/"), {"week": "1900-01-01"}), "week")
    assert date.fromisoformat(client.get(api(week_home, "reports/weekly/")).json()["week_start"]).weekday() == 0

"""Closing the loop: a shift-load recommendation offers a one-click schedule (only for devices
that take set_power), and the realised saving is measured against the device's own baseline and
shown beside the estimate. Hand-computed case: 2 kWh a day moved from 0.30 to 0.15 = 9.00 a
30-day month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from analytics import insight_services
from analytics.insight_actions import act_on_recommendation, action_offer, cheapest_start, measure_realised
from analytics.models import Recommendation, RecommendationAction
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import rollup
from analytics.tests.test_recommendations import device, local_hour, tou_tariff
from devices.models import Rule

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 3, 1, 9, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture
def charger_advice(home):
    """An EV charger (takes set_power) that drew 2 kWh at 18:00 (peak, 0.30) each of the 28 days."""
    tou_tariff(home)
    charger = device(home, "ev-charger", "Wallbox")
    for offset in range(1, 29):
        rollup(charger, local_hour(home, date(2024, 3, 1) - timedelta(days=offset), 18), 2000.0)
    reprice_hours(home=home, start=NOW - timedelta(days=40), end=NOW + timedelta(days=40))
    insight_services.evaluate_recommendations(home=home, now=NOW)
    return Recommendation.objects.get(home=home, device=charger)


def test_the_cheapest_hours_start_where_the_off_peak_window_begins(home):
    tou_tariff(home)
    assert cheapest_start(home, now=NOW) == time(22, 0)


def test_a_device_that_takes_set_power_is_offered_a_schedule_at_the_off_peak_start(charger_advice):
    assert charger_advice.saving_month == Decimal("9.00")
    offer = action_offer(charger_advice, now=NOW)
    assert offer is not None and offer.time_of_day == time(22, 0)
    assert offer.label == "Schedule it at 22:00 every day"


def test_a_washing_machine_without_set_power_gets_no_action(home):
    tou_tariff(home)
    washer = device(home, "washing-machine", "Washing machine")
    for offset in range(1, 29):
        rollup(washer, local_hour(home, date(2024, 3, 1) - timedelta(days=offset), 18), 2000.0)
    insight_services.evaluate_recommendations(home=home, now=NOW)
    advice = Recommendation.objects.get(home=home)
    assert action_offer(advice, now=NOW) is None
    with pytest.raises(ValidationError) as raised:
        act_on_recommendation(recommendation=advice, now=NOW)
    assert "recommendation" in raised.value.message_dict and not Rule.objects.exists()


def test_acting_creates_the_schedule_once_with_the_baseline(charger_advice, home):
    owner = home.memberships.get(role="owner").user
    action = act_on_recommendation(recommendation=charger_advice, user=owner, now=NOW)
    rule = Rule.objects.get()
    assert (rule.kind, rule.command_type, rule.payload, rule.time_of_day) == (
        "schedule",
        "set_power",
        {"on": True},
        time(22, 0),
    )  # noqa: E501
    assert rule.weekdays == [0, 1, 2, 3, 4, 5, 6] and rule.device == charger_advice.device and rule.created_by == owner
    assert action.rule == rule and action.baseline_kwh_day == pytest.approx(2.0)
    assert action.baseline_price == Decimal("0.30000")
    assert action_offer(charger_advice, now=NOW) is None
    with pytest.raises(ValidationError):
        act_on_recommendation(recommendation=charger_advice, user=owner, now=NOW)
    assert Rule.objects.count() == 1


def test_the_realised_saving_is_measured_against_the_devices_own_baseline(charger_advice, home):
    action = act_on_recommendation(recommendation=charger_advice, now=NOW)
    # After the action the charger runs at 23:00 (off-peak 0.15), 2 kWh a day, from 2 March on.
    for offset in range(10):
        rollup(charger_advice.device, local_hour(home, date(2024, 3, 2) + timedelta(days=offset), 23), 2000.0)
    reprice_hours(home=home, start=NOW, end=NOW + timedelta(days=12))
    early = measure_realised(action=action, now=datetime(2024, 3, 5, 9, tzinfo=UTC))
    assert early.after_days == 3 and early.realised_month is None  # needs 7 days
    measured = measure_realised(action=action, now=datetime(2024, 3, 12, 9, tzinfo=UTC))
    assert measured.after_days == 10 and measured.after_kwh_day == pytest.approx(2.0)
    assert measured.after_price == Decimal("0.15000")
    assert measured.realised_month == Decimal("9.00")  # (0.30 - 0.15) x 2 kWh x 30


def test_the_page_offers_the_click_and_then_shows_realised_beside_the_estimate(
    owner_client, readonly_client, outsider_client, charger_advice, home
):
    page = reverse("insights:home-insights", args=[home.pk])
    act = reverse("insights:recommendation-act", args=[home.pk, charger_advice.pk])
    assert "Schedule it at 22:00 every day" in owner_client.get(page).content.decode()
    assert "Schedule it at" not in readonly_client.get(page).content.decode()
    assert readonly_client.post(act).status_code == 403
    assert outsider_client.post(act).status_code == 404
    response = owner_client.post(act, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="acted-recommendations"' in body and "Off-peak: Wallbox" in body and "measuring (0 of 7 days" in body
    assert owner_client.post(act).status_code == 400  # once only
    RecommendationAction.objects.filter(pk=charger_advice.action.pk).update(
        realised_month=Decimal("8.75"), after_days=9, after_price=Decimal("0.15")
    )
    body = owner_client.get(page).content.decode()
    assert "Estimated <strong>9.00 EUR</strong>" in body and '<strong class="realised">8.75 EUR</strong>' in body

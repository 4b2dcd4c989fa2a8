"""The Insights page and its services through the public doors: stored forecasts and anomalies,
"not enough data yet", membership (404) and read-only roles (403) on dismiss and snooze."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import insight_services
from analytics.models import Anomaly, Forecast, Recommendation
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup

pytestmark = pytest.mark.django_db


def fill(device, days: int, *, end_day: date, night_w: float = 50.0, evening_w: float = 800.0) -> None:
    for offset in range(1, days + 1):
        day = end_day - timedelta(days=offset)
        for hour in range(24):
            moment = datetime.combine(day, time(hour), tzinfo=device.home.zone).astimezone(UTC)
            rollup(device, moment, evening_w if 18 <= hour < 22 else night_w)


def today(home) -> date:
    return timezone.now().astimezone(home.zone).date()


def recommendation(home) -> Recommendation:
    return Recommendation.objects.create(
        home=home, kind="cut_standby", key="cut_standby:x", title="Cut the standby of the TV", reason="It is on.",
        saving_kwh_month=8.6, saving_month=Decimal("2.10"), currency="EUR", evaluated_at=timezone.now(),
    )  # fmt: skip


def test_three_weeks_of_data_give_stored_forecasts_shown_after_the_history(owner_client, home):
    flat_tariff(home, date(2020, 1, 1), "0.30")
    heater = make_device(home)
    fill(heater, 21, end_day=today(home))
    stats = insight_services.recompute_forecasts(home=home)
    assert stats.forecasts == 8 and stats.insufficient == 0  # home + device, 2 granularities x 2 horizons
    daily = Forecast.objects.get(home=home, device__isnull=True, granularity="day", horizon_days=30)
    assert daily.status == Forecast.Status.READY and len(daily.points) == 30
    # A regular day: 20 h x 50 W + 4 h x 800 W = 4.2 kWh, forecast exactly with a zero-width band.
    assert daily.points[0][1:] == [4200.0, 4200.0, 4200.0]
    hourly = Forecast.objects.get(device=heater, granularity="hour", horizon_days=7)
    assert len(hourly.points) == 7 * 24
    # Running it again replaces, never duplicates.
    insight_services.recompute_forecasts(home=home)
    assert Forecast.objects.filter(home=home).count() == 8

    response = owner_client.get(reverse("insights:home-insights", args=[home.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="forecast-chart-data"' in body and '"dash":"dash"' in body.replace(" ", "")
    assert "126.0 kWh" in body  # 30 x 4.2
    assert '<strong id="forecast-cost">37.80 EUR</strong>' in body  # 126 kWh at 0.30
    # The device's own forecast: the same here (it is the only device); a foreign id is the home's.
    device_page = owner_client.get(reverse("insights:home-insights", args=[home.pk]), {"device": heater.pk})
    assert "Next 30 days: Heat pump" in device_page.content.decode()
    other = owner_client.get(reverse("insights:home-insights", args=[home.pk]), {"device": "999999"})
    assert other.status_code == 200 and "Next 30 days</h2>" in other.content.decode().replace("\n", "")


def test_a_short_history_says_not_enough_data_yet(owner_client, home):
    fill(make_device(home), 5, end_day=today(home))
    stats = insight_services.recompute_forecasts(home=home)
    assert stats.forecasts == 0 and stats.insufficient == 8
    body = owner_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert "Not enough data yet (needs 14 days, has 5)" in body


def test_a_night_time_load_is_stored_once_as_an_anomaly_and_listed(owner_client, home):
    heater = make_device(home)
    end_day = today(home)
    fill(heater, 30, end_day=end_day)
    yesterday = end_day - timedelta(days=1)
    for hour in (2, 3, 4):
        moment = datetime.combine(yesterday, time(hour), tzinfo=home.zone).astimezone(UTC)
        heater.hourly_rollups.filter(hour=moment).update(energy_wh=2500.0, mean_power_w=2500.0)
    first = insight_services.detect_anomalies(home=home)
    again = insight_services.detect_anomalies(home=home)
    assert first.anomalies == again.anomalies >= 1
    stored = Anomaly.objects.get(device=heater, kind="usually_off")
    assert stored.observed == pytest.approx(2500.0) and stored.expected == pytest.approx(50.0)
    assert stored.start == datetime.combine(yesterday, time(2), tzinfo=home.zone).astimezone(UTC)
    assert Anomaly.objects.filter(device=heater, kind="usually_off").count() == 1
    body = owner_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert "On when usually off" in body and "2.50 kW" in body
    assert 'id="home-standby"' in body and "50 W" in body


def test_a_non_member_gets_404_on_the_page_and_on_dismiss(outsider_client, home):
    advice = recommendation(home)
    assert outsider_client.get(reverse("insights:home-insights", args=[home.pk])).status_code == 404
    url = reverse("insights:recommendation-dismiss", args=[home.pk, advice.pk])
    assert outsider_client.post(url).status_code == 404
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.OPEN


def test_a_viewer_sees_the_advice_but_gets_403_on_dismiss_and_snooze(readonly_client, home):
    advice = recommendation(home)
    page = readonly_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert "Cut the standby of the TV" in page and "Dismiss" not in page
    for name in ("recommendation-dismiss", "recommendation-snooze"):
        assert readonly_client.post(reverse(f"insights:{name}", args=[home.pk, advice.pk])).status_code == 403
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.OPEN


def test_a_member_dismisses_with_htmx_and_gets_the_updated_list(member_client, home):
    advice = recommendation(home)
    url = reverse("insights:recommendation-dismiss", args=[home.pk, advice.pk])
    response = member_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="recommendations"' in response.content.decode()
    assert "Cut the standby of the TV" not in response.content.decode()
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.DISMISSED


def test_snooze_hides_for_a_week_and_a_bad_duration_names_the_field(member_client, home):
    advice = recommendation(home)
    url = reverse("insights:recommendation-snooze", args=[home.pk, advice.pk])
    assert member_client.post(url, {"days": "0"}).status_code == 400
    assert member_client.post(url, {"days": "abc"}).content.decode().startswith("days:")
    assert member_client.post(url, {"days": "7"}).status_code == 302
    advice.refresh_from_db()
    assert advice.status == Recommendation.Status.SNOOZED
    assert advice.snoozed_until > timezone.now() + timedelta(days=6)
    page = member_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert "Cut the standby of the TV" not in page


def test_the_nightly_task_runs_every_home(home, settings):
    from analytics.tasks import nightly_insights

    fill(make_device(home), 21, end_day=today(home))
    assert nightly_insights.delay().get() >= 1
    assert Forecast.objects.filter(home=home, status=Forecast.Status.READY).count() == 8
    assert "insights-nightly" in settings.CELERY_BEAT_SCHEDULE


def test_anomaly_times_are_shown_in_the_homes_time_zone(owner_client, home):
    heater = make_device(home)
    start = datetime(2024, 3, 5, 1, tzinfo=UTC)  # 02:00 in Berlin (winter time)
    Anomaly.objects.create(
        home=home, device=heater, kind="usually_off", start=start, end=start + timedelta(hours=2), unit="W",
        observed=2500, expected=50, expected_low=0, expected_high=900, score=20,
    )  # fmt: skip
    body = owner_client.get(reverse("insights:home-insights", args=[home.pk])).content.decode()
    assert "Tue Mar 5, 02:00–04:00" in body

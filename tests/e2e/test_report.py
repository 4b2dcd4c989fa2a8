"""The weekly report of a demo-like home, looked at in headless Chromium: the email's HTML as a
mail client gets it (no server, no network: charts are inline SVG), and the printable page.

The home is the demo's (its devices and time-of-use tariff) with two weeks of simulated history,
one anomaly and the recommendations evaluated from that history.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.management.commands.seed_demo import seed_demo_devices, seed_demo_home, seed_demo_tariff
from analytics import insight_services, reports
from analytics.models import Anomaly
from analytics.services import reprice_hours
from telemetry.backfill import backfill_history, drain_rollups

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "report-demo@example.com", "report-demo-password-42"


@pytest.fixture
def demo_home():
    _, home, _ = seed_demo_home(email=EMAIL, password=PASSWORD)
    seed_demo_devices(home=home)
    seed_demo_tariff(home)
    now = timezone.now()
    start = reports.local_midnight(reports.last_week_start(home, now) - timedelta(days=7), home)
    backfill_history(home=home, start=start, end=now, step_s=300, coarse_step_s=300, seed=home.pk)
    drain_rollups()
    reprice_hours(home=home, start=start, end=now)
    insight_services.evaluate_recommendations(home=home, now=now)
    heater = home.devices.get(external_id="demo-heat-pump")
    moment = reports.local_midnight(reports.last_week_start(home, now) + timedelta(days=2), home) + timedelta(hours=3)
    Anomaly.objects.create(
        home=home, device=heater, kind="usually_off", start=moment, end=moment + timedelta(hours=2), unit="W",
        observed=3100, expected=120, expected_low=0, expected_high=900, score=14.2,
    )  # fmt: skip
    return home


def test_the_weekly_report_email_and_page_render_with_their_charts(demo_home, live_server, page, shot):
    week = reports.last_week_start(demo_home, timezone.now())
    assert reports.send_weekly_report(home=demo_home, week_start=week).sent == 1
    html = mail.outbox[0].alternatives[0][0]

    page.set_viewport_size({"width": 720, "height": 900})
    page.set_content(html)
    charts = page.locator(".report-chart svg")
    assert charts.count() == 2
    box = charts.first.bounding_box()
    assert box and box["width"] >= 300 and box["height"] >= 100  # drawn at its size, not collapsed
    assert page.locator(".report-chart svg rect").count() >= 14 + 3
    text = page.locator("body").inner_text()
    assert "Energy used" in text and "kWh" in text and "EUR" in text and "Unsubscribe" in text
    assert "Heat pump: on when usually off" in text
    shot("report-01-email")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}/homes/{demo_home.pk}/reports/weekly/?week={week.isoformat()}")
    page.wait_for_selector("#weekly-report .report-chart svg")
    assert page.locator("#weekly-report .report-chart svg").count() == 2
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()  # the print stylesheet hides the chrome
    shot("report-02-printable")

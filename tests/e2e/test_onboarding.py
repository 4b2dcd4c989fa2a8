"""A new person signs up, verifies their email, creates a home and lands on the dashboard."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_create_home_land_on_dashboard(live_server, page, shot):
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.title().endswith("EnergyHome")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=full_name]", "Ada Lovelace")
    page.fill("input[name=password1]", "analytical-engine-1843")
    page.fill("input[name=password2]", "analytical-engine-1843")
    shot("01-signup")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/.*"))
    assert "verify" in page.content().lower() or "confirm" in page.content().lower()
    shot("02-verify-email")

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_url(re.compile(r".*/homes/new/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    shot("03-onboarding")

    page.fill("input[name=name]", "Ada's Flat")
    page.fill("input[name=address]", "12 St James's Square, London")
    page.select_option("select[name=time_zone]", "Europe/London")
    page.select_option("select[name=currency]", "GBP")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ada's Flat"
    assert page.locator("#home-switch option:checked").inner_text() == "Ada's Flat"
    assert "No devices yet" in page.content()
    shot("04-dashboard")


def test_login_page_and_wrong_password_message(live_server, page, shot, django_user_model):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "nobody@example.com")
    page.fill("input[name=password]", "wrong-password-here")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=not correct")
    shot("05-login-error")

"""Browser journey: add a device and see its key once, with copy-ready examples."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_dashboard import log_in, site  # noqa: F401 (the shared daphne fixture)

pytestmark = pytest.mark.e2e


def test_add_a_device_and_see_its_key_once(site, page, shot):  # noqa: F811
    log_in(page, site)
    page.goto(f"{site['url']}/devices/")
    page.wait_for_selector(f"#device-power-{site['plug']}")
    shot("devices-01-list")
    page.click("text=Add a device")
    page.select_option("select[name=type]", label="Washing machine")
    page.fill("input[name=name]", "Washer")
    page.fill("input[name=room]", "Basement")
    page.fill("input[name=external_id]", "e2e-washer")
    shot("devices-02-add-form")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=Copy this key now")
    key = page.locator("#device-key").inner_text()
    assert re.fullmatch(r"ehk_[A-Za-z0-9_-]{43}", key)
    assert f"Authorization: Device {key}" in page.locator("#curl-example").inner_text()
    assert "energyhome/e2e-washer/telemetry" in page.locator("#mqtt-example").inner_text()
    shot("devices-03-key-once")

    page.click("text=Go to the device")
    page.wait_for_selector("h1:has-text('Washer')")
    assert key not in page.content()
    shot("devices-04-detail")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Rotate key')")
    page.wait_for_selector("#device-keys .key-once")
    assert page.locator("#device-key").inner_text() != key
    shot("devices-05-rotated")

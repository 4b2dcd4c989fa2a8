"""Browser journey: switch a simulated device off from its dashboard tile and watch its power drop.

The "device" is the simulator's own code (the one ``make run`` starts): it polls the command API
with its key, obeys in its model, acknowledges, and posts its next reading.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry.management.commands.simulate import poll_and_obey, post_readings
from telemetry.simulator import HomeSimulator, SimDevice
from tests.e2e.test_dashboard import log_in, post_reading, site  # noqa: F401 (the shared daphne fixture)

pytestmark = pytest.mark.e2e


def test_toggle_a_simulated_device_off_and_see_its_power_drop(site, page, shot):  # noqa: F811
    sim = HomeSimulator([SimDevice("e2e-plug", "standby", rated_power_w=800)], seed=1)
    assert post_reading(site, 950) == 201
    log_in(page, site)
    page.wait_for_selector("#live-status[data-state=live]")
    tile = f"#device-tile-{site['plug']}"
    page.wait_for_function(f"document.querySelector('{tile} .tile-power').textContent.includes('950 W')")
    shot("control-01-tile-on")

    page.click(f"{tile} .tile-control button")
    page.wait_for_selector(f"{tile} .tile-control .pending")
    assert "Switch off" in page.locator(f"{tile} .tile-control").inner_text()
    shot("control-02-pending")

    handled = poll_and_obey(f"{site['url']}/api/v1/device/commands/", site["key"], sim)
    assert [(c["type"], c["payload"]) for c in handled] == [("set_power", {"on": False})]
    now = datetime.now(UTC).replace(microsecond=0)
    items = [{"device": r.external_id, "time": r.time.isoformat(), "power_w": r.power_w} for r in sim.step(now, 5.0)]
    assert items[0]["power_w"] == 0.0
    status, _body = post_readings(f"{site['url']}/api/v1/ingest/", site["key"], items)
    assert status == 201

    page.wait_for_function(f"document.querySelector('{tile} .tile-power').textContent.trim() === '0 W'")
    page.wait_for_selector(f"{tile} .tile-control button:has-text('Turn on')")
    assert page.url == f"{site['url']}/"  # no reload
    shot("control-03-off")

    page.goto(f"{site['url']}/commands/")
    row = page.locator("#command-log-rows tr").first
    assert "Acknowledged" in row.inner_text() and "Desk plug" in row.inner_text()
    shot("control-04-command-log")
    page.goto(f"{site['url']}/devices/{site['plug']}/")
    page.wait_for_selector(f"#device-controls-{site['plug']}")
    shot("control-05-device-controls")
    page.goto(f"{site['url']}/automations/")
    shot("control-06-automations")

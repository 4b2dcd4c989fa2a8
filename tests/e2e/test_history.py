"""Browser journey: the history chart draws bars, and switching the period updates it and the URL."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import log_in, site  # noqa: F401 (the shared daphne fixture)

pytestmark = pytest.mark.e2e


def test_history_chart_has_bars_and_switching_the_period_updates_chart_and_url(site, page, shot):  # noqa: F811
    log_in(page, site)
    page.goto(f"{site['url']}/history/?period=last-30-days")
    page.wait_for_selector("#history-chart .main-svg")
    assert page.locator("#history-chart .barlayer .point").count() > 0
    assert "kWh" in page.locator("#history-chart").inner_text()
    shot("history-01-last-30-days")

    page.click("label.seg:has-text('Yesterday')")
    page.wait_for_url("**/history/?*period=yesterday*")
    page.wait_for_function("document.getElementById('history-title').textContent.includes('Yesterday')")
    page.wait_for_selector("#history-chart .main-svg")
    assert page.locator("#history-chart .barlayer .point").count() > 0
    shot("history-02-yesterday")

    page.select_option("#h-by", "room")
    page.wait_for_url("**by=room*")
    page.wait_for_selector("#history-chart .main-svg")
    assert "Kitchen" in page.locator("#history-chart").inner_text()

    page.go_back()
    page.wait_for_url("**period=yesterday*")
    page.go_back()
    page.wait_for_url("**period=last-30-days*")
    page.wait_for_function("document.getElementById('history-title').textContent.includes('Last 30 days')")

    page.goto(f"{site['url']}/history/?period=today&view=power")
    page.wait_for_selector("#history-chart .main-svg")
    assert page.locator("#history-chart .scatterlayer .trace").count() > 0
    shot("history-03-power-today")

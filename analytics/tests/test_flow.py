"""Energy flow (Sankey and self-sufficiency over time) and the cost beside energy on the history page."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.balance import period_balance
from analytics.flow import energy_flow
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup
from devices.models import DeviceType

pytestmark = pytest.mark.django_db

C = DeviceType.Category
JUNE_1 = datetime(2026, 5, 31, 22, tzinfo=UTC)  # local midnight, Europe/Berlin (UTC+2)
H = timedelta(hours=1)


@pytest.fixture
def solar_home(home):
    """Two days. 12:00 local: solar 4 kWh, battery charges 1 kWh, meter −2.5 kWh (home uses 0.5).
    20:00: battery gives 0.8 kWh, meter +0.7 kWh (home uses 1.5). 03:00: battery charges 0.4 kWh from the grid."""
    meter = make_device(home, C.METER, "Meter")
    solar = make_device(home, C.PRODUCER, "Solar")
    battery = make_device(home, C.STORAGE, "Battery")
    for day in range(2):
        base = JUNE_1 + day * 24 * H
        rollup(solar, base + 10 * H, 4000)
        rollup(battery, base + 10 * H, 1000)
        rollup(meter, base + 10 * H, -2500)
        rollup(battery, base + 18 * H, -800)
        rollup(meter, base + 18 * H, 700)
        rollup(battery, base + 1 * H, 400)
        rollup(meter, base + 1 * H, 600)  # 0.2 kWh for the home, 0.4 into the battery
    return home


def test_the_flows_are_the_balance_selectors_figures(solar_home):
    start, end = JUNE_1, JUNE_1 + 48 * H
    flow = energy_flow(home=solar_home, start=start, end=end)
    balance = period_balance(home=solar_home, start=start, end=end)
    links = {(link.source, link.target): link.energy_wh for link in flow.links}
    assert links == {
        ("Solar", "Home"): balance.self_consumption_wh,
        ("Solar", "Battery"): balance.solar_to_battery_wh,
        ("Solar", "Grid (export)"): balance.solar_to_grid_wh,
        ("Battery", "Home"): balance.battery_to_home_wh,
        ("Grid (import)", "Home"): balance.grid_to_home_wh,
        ("Grid (import)", "Battery"): balance.grid_to_battery_wh,
    }
    # Hand-computed per day: solar 4000 = 500 home + 1000 battery + 2500 grid; battery 800 → home;
    # grid 700 + 200 → home, 400 → battery.
    assert links[("Solar", "Home")] == 1000 and links[("Solar", "Grid (export)")] == 5000
    assert links[("Grid (import)", "Home")] == 1800 and links[("Grid (import)", "Battery")] == 800
    assert flow.balance == balance
    assert flow.step == "day" and len(flow.steps) == 2
    for index, step in enumerate(flow.steps):
        day = period_balance(home=solar_home, start=start + index * 24 * H, end=start + (index + 1) * 24 * H)
        assert step == day
    # Consumption per day 500 + 1500 + 200 = 2200; bought 600 + 700 = 1300 (battery grid-charging counts).
    assert flow.steps[0].self_sufficiency_pct == pytest.approx(100 * (1 - 1300 / 2200))


def test_a_short_period_steps_by_local_hour(solar_home):
    flow = energy_flow(home=solar_home, start=JUNE_1, end=JUNE_1 + 24 * H)
    assert flow.step == "hour" and len(flow.steps) == 24
    assert flow.steps[10].production_wh == 4000 and flow.steps[0].hours == 0


def test_the_import_avoided_is_priced_at_each_hours_price(solar_home):
    flat_tariff(solar_home, date(2026, 1, 1), "0.30")
    flow = energy_flow(home=solar_home, start=JUNE_1, end=JUNE_1 + 48 * H)
    # Per day: 500 Wh solar used directly + 800 Wh from the battery = 1.3 kWh × 0.30 = 0.39; two days 0.78.
    assert flow.avoided_import_cost == Decimal("0.78") and flow.unpriced_hours == 0


def test_the_flow_page_draws_a_sankey_and_self_sufficiency(readonly_client, solar_home):
    url = reverse("costs:energy-flow", args=[solar_home.pk])
    response = readonly_client.get(url, {"period": "custom", "start": "2026-06-01", "end": "2026-06-02"})
    assert response.status_code == 200
    body = response.content.decode()
    sankey = json.loads(re.search(r'id="flow-chart-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    trace = sankey["data"][0]
    assert trace["type"] == "sankey"
    labels = trace["node"]["label"]
    values = {
        (labels[s], labels[t]): v
        for s, t, v in zip(trace["link"]["source"], trace["link"]["target"], trace["link"]["value"], strict=True)
    }
    assert values[("Solar", "Home")] == 1.0 and values[("Grid (import)", "Home")] == 1.8  # kWh
    assert 'id="sufficiency-chart-data"' in body
    ratio = round(100 * (1 - 1300 / 2200))
    assert f'id="flow-self-sufficiency">{ratio} %' in body
    assert 'aria-current="page">Energy flow' in body


def test_the_costs_page_links_to_the_flow_for_a_solar_home(owner_client, solar_home):
    body = owner_client.get(reverse("costs:home-costs", args=[solar_home.pk])).content.decode()
    assert reverse("costs:energy-flow", args=[solar_home.pk]) in body


def test_a_home_without_solar_or_battery_gets_an_empty_state_and_no_tab(owner_client, home):
    make_device(home, name="Heat pump")
    response = owner_client.get(reverse("costs:energy-flow", args=[home.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="flow-empty"' in body and "flow-chart-data" not in body
    costs = owner_client.get(reverse("costs:home-costs", args=[home.pk])).content.decode()
    assert reverse("costs:energy-flow", args=[home.pk]) not in costs


def test_a_solar_home_without_data_in_the_period_says_so(owner_client, solar_home):
    url = reverse("costs:energy-flow", args=[solar_home.pk])
    body = owner_client.get(url, {"period": "custom", "start": "2026-01-01", "end": "2026-01-05"}).content.decode()
    assert "No data for this period" in body and "flow-chart-data" not in body


def test_the_flow_page_of_another_home_is_404(outsider_client, solar_home):
    assert outsider_client.get(reverse("costs:energy-flow", args=[solar_home.pk])).status_code == 404


# --- cost beside energy on the history page ------------------------------------------------------


def test_history_loads_the_periods_cost_beside_its_energy(owner_client, home):
    flat_tariff(home, date(2026, 1, 1), "0.30", standing="0.50")
    pump = make_device(home)
    rollup(pump, JUNE_1 + 12 * H, 2000)
    reprice_hours(home=home, start=JUNE_1, end=JUNE_1 + 24 * H)
    page = owner_client.get(
        reverse("analytics:history"), {"period": "custom", "start": "2026-06-01", "end": "2026-06-01"}
    )
    fragment_url = reverse("costs:period-cost", args=[home.pk])
    assert f'hx-get="{fragment_url}?period=custom&amp;start=2026-06-01&amp;end=2026-06-01"' in page.content.decode()

    fragment = owner_client.get(fragment_url, {"period": "custom", "start": "2026-06-01", "end": "2026-06-01"})
    body = fragment.content.decode()
    # 2 kWh × 0.30 = 0.60 import, plus one day's standing charge 0.50: 1.10.
    assert fragment.status_code == 200 and "<html" not in body
    assert "€1.10</strong> energy bill" in body and "import €0.60" in body and "standing €0.50" in body
    assert "vs €0.50" in body  # the previous day: standing charge only


def test_the_history_cost_without_a_tariff_invites_to_add_one(owner_client, home):
    body = owner_client.get(reverse("costs:period-cost", args=[home.pk]), {"period": "today"}).content.decode()
    assert "add one" in body and "€" not in body


def test_the_history_cost_of_another_home_is_404(outsider_client, home):
    assert outsider_client.get(reverse("costs:period-cost", args=[home.pk])).status_code == 404


def test_the_dashboard_loads_todays_cost_once_the_home_has_a_tariff(owner_client, home):
    make_device(home)
    assert "costs/period/" not in owner_client.get(reverse("dashboard")).content.decode()
    flat_tariff(home, date(2026, 1, 1), "0.30", standing="0.50")
    html = owner_client.get(reverse("dashboard")).content.decode()
    url = reverse("costs:period-cost", args=[home.pk])
    assert f'hx-get="{url}?period=today&amp;link=0"' in html
    fragment = owner_client.get(url, {"period": "today", "link": "0"}).content.decode()
    assert "€0.50</strong> energy bill so far" in fragment  # today's standing charge, nothing imported yet
    assert "Costs by device" not in fragment


# --- the costs page for a past month (the "done when": last month by device and window) ---


def test_a_time_of_use_tariff_set_in_the_ui_prices_last_month_by_device_and_window(owner_client, home):
    from analytics.tests.test_cost_pages import tou_post

    local_now = timezone.now().astimezone(home.zone)
    last_month = (local_now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    post = tou_post(effective_from=(last_month - timedelta(days=40)).isoformat())
    assert owner_client.post(reverse("costs:tariff-create", args=[home.pk]), post).status_code == 302
    pump = make_device(home, name="Heat pump")
    night = datetime.combine(last_month + timedelta(days=2), time(3), tzinfo=home.zone).astimezone(UTC)
    day = datetime.combine(last_month + timedelta(days=2), time(12), tzinfo=home.zone).astimezone(UTC)
    rollup(pump, night, 1000)  # Night 0.18
    rollup(pump, day, 2000)  # Day 0.32 → 0.64
    reprice_hours(home=home, start=night, end=day + H)

    response = owner_client.get(reverse("costs:home-costs", args=[home.pk]), {"month": f"{last_month:%Y-%m}"})

    assert response.status_code == 200
    assert [(r.label, r.cost) for r in response.context["by_device"]] == [("Heat pump", Decimal("0.820000"))]
    assert [(r.label, r.cost) for r in response.context["by_window"]] == [
        ("Day", Decimal("0.640000")),
        ("Night", Decimal("0.180000")),
    ]
    body = response.content.decode()
    assert f"The bill for {last_month:%B %Y}" in body and "Projected month end" not in body
    assert 'id="next-month"' in body
    current = owner_client.get(reverse("costs:home-costs", args=[home.pk]), {"month": "2999-01"})
    assert current.context["is_current_month"] and "Projected month end" in current.content.decode()
    assert owner_client.get(reverse("costs:home-costs", args=[home.pk]), {"month": "garbage"}).status_code == 200


def test_a_one_day_flow_shows_the_batterys_charge_at_the_end_of_each_hour(owner_client, solar_home):
    from devices.models import Device
    from telemetry.models import Reading

    battery = Device.objects.get(home=solar_home, name="Battery")
    for minute, soc in ((30, 60.0), (50, 70.0)):
        moment = JUNE_1 + 10 * H + timedelta(minutes=minute)  # 10:30 and 10:50 local
        Reading.objects.create(device=battery, time=moment, power_w=1000, soc_pct=soc)
    Reading.objects.create(device=battery, time=JUNE_1 + 18 * H, power_w=-800)  # no state of charge

    flow = energy_flow(home=solar_home, start=JUNE_1, end=JUNE_1 + 24 * H)

    assert len(flow.soc_pct) == 24
    assert flow.soc_pct[10] == 70.0  # the hour's last reading
    assert [i for i, v in enumerate(flow.soc_pct) if v is not None] == [10]
    page = owner_client.get(
        reverse("costs:energy-flow", args=[solar_home.pk]),
        {"period": "custom", "start": "2026-06-01", "end": "2026-06-01"},
    ).content.decode()
    assert "Battery charge" in page and "and battery charge</h2>" in page
    assert energy_flow(home=solar_home, start=JUNE_1, end=JUNE_1 + 48 * H).soc_pct == ()  # day steps: none

"""History: periods in the home's time zone, figures equal to the rollups (through the summary
layer), the CSV equal to the chart, gaps shown as gaps and partial data said so, htmx fragment vs
page, and 404 for a non-member."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.services import create_home
from analytics.selectors import compare_with_previous, energy_history, period_for, previous_period
from devices.tests.factories import register
from telemetry.models import DailyRollup, HourlyRollup
from telemetry.rollups import rollup_dirty_hours
from telemetry.services import ingest_readings
from telemetry.tests.factories import reading

pytestmark = pytest.mark.django_db


def _hourly(device, hour: datetime, energy_wh: float) -> None:
    HourlyRollup.objects.create(
        device=device, hour=hour, energy_wh=energy_wh, mean_power_w=energy_wh, min_power_w=0, max_power_w=0, samples=1
    )


def _figure(html: str) -> dict:
    match = re.search(r'<script id="history-chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


@pytest.fixture
def history_home(home):
    """Two consumers with 3 days of readings every 2 minutes, rolled up by the real rollup code."""
    fridge = register(home, type="fridge", name="Fridge", room="Kitchen").device
    lamp = register(home, type="lighting", name="Lamp", room="Living room").device
    end = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    for device, power in ((fridge, 120.0), (lamp, 40.0)):
        items = [reading(time=end - timedelta(minutes=2 * n), power_w=power + n % 7) for n in range(0, 3 * 24 * 30)]
        ingest_readings(device=device, items=items)
    while rollup_dirty_hours(limit=5000).claimed:
        pass
    return home


def test_period_presets_follow_los_angeles_local_days_across_dst(make_user):
    home = create_home(owner=make_user(), name="LA", time_zone="America/Los_Angeles", currency="USD")
    now = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)  # 23:30 on Mon 9 March in Los Angeles (PDT since the 8th)
    today = period_for(home, "today", now=now)
    assert today.first_day == date(2026, 3, 9)
    assert (today.start, today.end) == (datetime(2026, 3, 9, 7, tzinfo=UTC), datetime(2026, 3, 10, 7, tzinfo=UTC))
    yesterday = period_for(home, "yesterday", now=now)
    assert yesterday.first_day == date(2026, 3, 8)
    # The day clocks sprang forward has 23 hours: from 08:00 UTC (PST) to 07:00 UTC (PDT).
    assert (yesterday.start, yesterday.end) == (
        datetime(2026, 3, 8, 8, tzinfo=UTC),
        datetime(2026, 3, 9, 7, tzinfo=UTC),
    )
    week = period_for(home, "this-week", now=now)
    assert (week.first_day, week.last_day) == (date(2026, 3, 9), date(2026, 3, 15))


def test_period_presets_follow_kolkata_local_days(make_user):
    home = create_home(owner=make_user(), name="Kolkata", time_zone="Asia/Kolkata", currency="EUR")
    now = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # 01:30 on Tue 10 March in Kolkata
    today = period_for(home, "today", now=now)
    assert today.first_day == date(2026, 3, 10)
    assert today.start == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
    yesterday = period_for(home, "yesterday", now=now)
    assert (yesterday.start, yesterday.end) == (datetime(2026, 3, 8, 18, 30, tzinfo=UTC), today.start)


def test_kolkata_today_and_yesterday_split_hours_at_local_midnight(make_user):
    home = create_home(owner=make_user(), name="Kolkata", time_zone="Asia/Kolkata", currency="EUR")
    plug = register(home, name="Plug").device
    now = datetime(2026, 3, 9, 20, 45, tzinfo=UTC)  # 02:15 on 10 March, IST
    _hourly(plug, datetime(2026, 3, 9, 18, tzinfo=UTC), 100)  # 23:30 IST on the 9th: yesterday
    _hourly(plug, datetime(2026, 3, 9, 19, tzinfo=UTC), 200)  # 00:30 IST on the 10th: today
    _hourly(plug, datetime(2026, 3, 9, 20, tzinfo=UTC), 300)  # 01:30 IST: today
    today = energy_history(home, period_for(home, "today", now=now), now=now)
    yesterday = energy_history(home, period_for(home, "yesterday", now=now), now=now)
    assert today.total == 0.5
    assert yesterday.total == 0.1
    # Buckets are the UTC hours, shown at their local start: half past in Kolkata.
    assert today.x == ("2026-03-10T00:30:00", "2026-03-10T01:30:00")
    assert today.values == ((0.2, 0.3),)


def test_los_angeles_yesterday_excludes_the_hour_after_local_midnight(make_user):
    home = create_home(owner=make_user(), name="LA", time_zone="America/Los_Angeles", currency="USD")
    plug = register(home, name="Plug").device
    now = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
    _hourly(plug, datetime(2026, 3, 9, 6, tzinfo=UTC), 1000)  # 23:00 PDT on the 8th: the 8th
    _hourly(plug, datetime(2026, 3, 9, 7, tzinfo=UTC), 2000)  # 00:00 PDT on the 9th: "today"
    assert energy_history(home, period_for(home, "yesterday", now=now), now=now).total == 1.0
    assert energy_history(home, period_for(home, "today", now=now), now=now).total == 2.0


def test_previous_period_is_the_calendar_month_or_the_same_number_of_days(home):
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    this_month = period_for(home, "this-month", now=now)
    assert (previous_period(home, this_month).first_day, previous_period(home, this_month).last_day) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    last30 = period_for(home, "last-30-days", now=now)
    before = previous_period(home, last30)
    assert before.days == 30 and before.last_day == last30.first_day - timedelta(days=1)


def test_comparison_cuts_the_previous_period_at_the_same_elapsed_point(home):
    plug = register(home, name="Plug").device
    now = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)  # 12:30 Berlin, Tuesday
    _hourly(plug, datetime(2026, 3, 10, 9, tzinfo=UTC), 300)  # today
    _hourly(plug, datetime(2026, 3, 9, 9, tzinfo=UTC), 200)  # yesterday, before the same point
    _hourly(plug, datetime(2026, 3, 9, 15, tzinfo=UTC), 999)  # yesterday, after the same point
    comparison = compare_with_previous(home, period_for(home, "today", now=now), now=now)
    assert (comparison.current_kwh, comparison.previous_kwh) == (0.3, 0.2)
    assert comparison.change_pct == pytest.approx(50.0)
    assert comparison.to_date


def test_daily_figures_equal_the_daily_rollups(owner_client, history_home):
    response = owner_client.get(reverse("analytics:history"), {"period": "last-30-days", "by": "device"})
    assert response.status_code == 200
    figure = _figure(response.content.decode())
    by_device = {trace["name"]: dict(zip(trace["x"], trace["y"], strict=True)) for trace in figure["data"]}
    for row in DailyRollup.objects.select_related("device"):
        assert by_device[row.device.name][row.day.isoformat()] == round(row.energy_wh / 1000, 3)
    assert {t["type"] for t in figure["data"]} == {"bar"}
    assert figure["layout"]["barmode"] == "relative"
    assert figure["layout"]["yaxis"]["title"]["text"] == "Energy (kWh)"


def test_hourly_figures_equal_the_hourly_rollups(owner_client, history_home):
    response = owner_client.get(reverse("analytics:history"), {"period": "yesterday", "by": "room"})
    table_figure = _figure(response.content.decode())
    period = period_for(history_home, "yesterday")
    expected = (
        HourlyRollup.objects.filter(hour__gte=period.start, hour__lt=period.end)
        .values("device__room")
        .annotate(total=Sum("energy_wh"))
    )
    shown = {trace["name"]: sum(v for v in trace["y"] if v is not None) for trace in table_figure["data"]}
    for row in expected:
        assert shown[row["device__room"]] == pytest.approx(row["total"] / 1000, abs=0.002)


def test_csv_has_exactly_the_chart_figures(owner_client, history_home):
    params = {"period": "last-30-days", "by": "device"}
    figure = _figure(owner_client.get(reverse("analytics:history"), params).content.decode())
    response = owner_client.get(reverse("analytics:history"), {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header[0] == "time" and header[-1] == "total (kWh)"
    for column, trace in enumerate(figure["data"], start=1):
        assert header[column] == f"{trace['name']} (kWh)"
        assert [row[0] for row in body] == trace["x"]
        assert [float(row[column]) if row[column] else None for row in body] == trace["y"]


def test_power_view_draws_lines_in_watts_for_short_periods(owner_client, history_home):
    response = owner_client.get(reverse("analytics:history"), {"period": "today", "view": "power"})
    figure = _figure(response.content.decode())
    assert {t["type"] for t in figure["data"]} == {"scatter"}
    assert figure["layout"]["yaxis"]["title"]["text"] == "Power (W)"


def test_power_view_falls_back_to_energy_beyond_a_week(owner_client, history_home):
    response = owner_client.get(reverse("analytics:history"), {"period": "this-year", "view": "power"})
    assert {t["type"] for t in _figure(response.content.decode())["data"]} <= {"bar"}


def test_htmx_request_gets_the_fragment_and_the_page_pushes_the_url(owner_client, history_home):
    page = owner_client.get(reverse("analytics:history")).content.decode()
    assert 'hx-push-url="true"' in page and "<html" in page
    fragment = owner_client.get(reverse("analytics:history"), {"period": "yesterday"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="history-body"') and "<html" not in html
    assert "Yesterday" in html
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]


def test_history_restore_request_gets_the_whole_page(owner_client, history_home):
    response = owner_client.get(
        reverse("analytics:history"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_history_of_another_home_is_404(outsider_client, home):
    assert outsider_client.get(reverse("analytics:history"), {"home": home.pk}).status_code == 404


def test_custom_dates_are_used_and_a_period_without_data_says_so(owner_client, home):
    register(home, name="Plug")
    response = owner_client.get(
        reverse("analytics:history"), {"period": "custom", "start": "2025-01-10", "end": "2025-01-03"}
    )
    html = response.content.decode()
    assert "Jan 3, 2025 – Jan 10, 2025" in html
    assert "No data for this period" in html


def _csv_rows(client, params) -> list[list[str]]:
    response = client.get(reverse("analytics:history"), {**params, "format": "csv"})
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def gappy_home(home):
    """A plug with readings on the 5th and 7th of January 2026 (Berlin) and none on the 6th."""
    plug = register(home, name="Plug", room="Office").device
    for day in (5, 7):
        first = datetime(2026, 1, day - 1, 23, tzinfo=UTC)  # local midnight (CET)
        for n in range(24):
            _hourly(plug, first + timedelta(hours=n), 100)
    return home


GAP_PERIOD = {"period": "custom", "start": "2026-01-05", "end": "2026-01-07", "by": "device"}


def test_a_day_without_readings_is_a_gap_in_chart_table_and_csv(owner_client, gappy_home):
    html = owner_client.get(reverse("analytics:history"), GAP_PERIOD).content.decode()
    (trace,) = _figure(html)["data"]
    assert trace["x"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert trace["y"] == [2.4, None, 2.4]  # null in the plotly JSON: no bar, not a zero bar
    row = re.search(r"<tr><th scope=\"row\">Tue Jan 6</th>(.*?)</tr>", html, re.S).group(1)
    assert row.count("no data") == 2  # the plug's cell and the row total
    assert "0.0" not in row
    rows = _csv_rows(owner_client, GAP_PERIOD)
    assert rows[0] == ["time", "Plug (kWh)", "total (kWh)"]
    assert rows[1:] == [["2026-01-05", "2.4", "2.4"], ["2026-01-06", "", ""], ["2026-01-07", "2.4", "2.4"]]


def test_a_figure_on_partial_data_says_how_much_of_the_period_has_readings(owner_client, gappy_home):
    html = owner_client.get(reverse("analytics:history"), GAP_PERIOD).content.decode()
    note = re.search(r'<span class="muted partial-note" id="coverage-note">(.*?)</span>', html, re.S).group(1)
    assert "readings cover 67% of the period" in note  # 48 of 72 device-hours
    assert "<strong>4.80 kWh</strong>" in html
    # Per day: the 6th has no readings at all, the others all of them.
    assert re.findall(r'<td class="num(?: partial)?">(\d+)%</td>', html) == ["100", "0", "100", "67"]


def test_a_fully_covered_period_has_no_partial_note(owner_client, gappy_home):
    html = owner_client.get(reverse("analytics:history"), {**GAP_PERIOD, "start": "2026-01-05", "end": "2026-01-05"})
    html = html.content.decode()
    assert "coverage-note" not in html
    assert _figure(html)["data"][0]["y"][:1] == [0.1]  # hour steps for a single day


def test_history_figures_come_from_the_summary_layer(gappy_home):
    from analytics.selectors import history_figures
    from analytics.summary import summary

    period = period_for(gappy_home, "custom", first=date(2026, 1, 5), last=date(2026, 1, 7))
    now = datetime(2026, 2, 1, tzinfo=UTC)
    table, comparison = history_figures(gappy_home, period, now=now)
    layer = summary(home=gappy_home, start=period.start, end=period.end, resolution="day", now=now)
    assert table.values == tuple(
        tuple(None if c.energy_wh is None else round(c.energy_wh / 1000, 3) for c in g.cells) for g in layer.groups
    )
    assert table.coverage == tuple(b.coverage for b in layer.buckets)
    assert comparison.current_kwh == round(layer.energy_wh / 1000, 3)
    assert comparison.coverage == layer.coverage and comparison.partial


def test_month_steps_of_a_custom_period_start_and_end_with_it(home):
    plug = register(home, name="Plug").device
    _hourly(plug, datetime(2025, 1, 5, 12, tzinfo=UTC), 5000)  # before the period
    _hourly(plug, datetime(2025, 1, 15, 12, tzinfo=UTC), 1000)
    _hourly(plug, datetime(2025, 3, 1, 12, tzinfo=UTC), 2000)
    _hourly(plug, datetime(2025, 4, 20, 12, tzinfo=UTC), 3000)
    _hourly(plug, datetime(2025, 4, 25, 12, tzinfo=UTC), 7000)  # after the period
    period = period_for(home, "custom", first=date(2025, 1, 10), last=date(2025, 4, 20))
    table = energy_history(home, period, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert table.step == "month"
    assert table.x == ("2025-01", "2025-02", "2025-03", "2025-04")
    assert table.values == ((1.0, None, 2.0, 3.0),)
    assert table.total == 6.0


def test_the_devices_choice_widens_the_summary_beyond_consumers(owner_client, home):
    plug = register(home, name="Plug").device
    roof = register(home, type="solar-inverter", name="Roof").device
    hour = datetime(2026, 1, 5, 10, tzinfo=UTC)
    _hourly(plug, hour, 500)
    _hourly(roof, hour, 1500)
    params = {"period": "custom", "start": "2026-01-05", "end": "2026-01-05"}
    solar = _figure(owner_client.get(reverse("analytics:history"), {**params, "show": "production"}).content.decode())
    assert [t["name"] for t in solar["data"]] == ["Roof"]
    every = _figure(owner_client.get(reverse("analytics:history"), {**params, "show": "all"}).content.decode())
    assert {t["name"]: sum(v or 0 for v in t["y"]) for t in every["data"]} == {"Roof": 1.5, "Plug": 0.5}

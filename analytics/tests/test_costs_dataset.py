"""A real month: UCI household (Sceaux, near Paris), water heater and AC circuit, January 2007.

Rollups come from telemetry's energy rule; the expected cost is computed independently
from the raw CSV, minute by minute, at the price of each minute's local (Paris) time.
"""

from __future__ import annotations

import csv
import gzip
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.services import create_home
from analytics.costs import cost_summary
from analytics.models import Tariff
from analytics.services import reprice_hours, save_tariff
from analytics.tests.test_cost_fixtures import flat_tariff, make_device
from telemetry.energy import Sample, integrate_readings
from telemetry.models import HourlyRollup

pytestmark = pytest.mark.django_db

DATASET = Path("/work/shared/datasets/uci-household/readings.csv.gz")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Paris' January 2007 in UTC: 1 Jan 00:00 CET = 31 Dec 23:00 UTC (the data starts an hour later).
START, END = datetime(2006, 12, 31, 23, tzinfo=UTC), datetime(2007, 1, 31, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def minutes() -> list[tuple[datetime, float]]:
    if not DATASET.exists():
        pytest.skip(f"{DATASET} is not available")
    rows = []
    with gzip.open(DATASET, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["device"] != "water_heater_ac":
                continue
            moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
            if START <= moment < END:
                rows.append((moment, float(row["power_watts"])))
    return rows


@pytest.fixture
def sceaux(make_user, minutes):
    home = create_home(owner=make_user("sceaux@example.com"), name="Sceaux", time_zone="Europe/Paris", currency="EUR")
    circuit = make_device(home, name="Water heater and AC")
    buckets = integrate_readings(Sample(t, p) for t, p in minutes)
    HourlyRollup.objects.bulk_create(
        HourlyRollup(
            device=circuit,
            hour=b.start,
            energy_wh=b.energy_wh,
            mean_power_w=b.mean_power_w,
            min_power_w=b.min_power_w,
            max_power_w=b.max_power_w,
            samples=b.samples,
        )
        for b in buckets
        if START <= b.start < END
    )
    return home


def independent_cost(minutes, price_of_local_hour) -> tuple[float, float]:
    """kWh and cost: each minute's power held for one minute, priced at its local hour."""
    kwh = cost = 0.0
    for moment, power_w in minutes:
        minute_kwh = power_w / 60 / 1000
        kwh += minute_kwh
        cost += minute_kwh * price_of_local_hour(moment.astimezone(PARIS).hour)
    return kwh, cost


def test_a_real_month_under_a_flat_and_a_time_of_use_tariff_matches_the_raw_data(sceaux, minutes):
    # 31 × 24 × 60 = 44,640 minutes − 60 (the first local hour precedes the data) − 2 missing
    # minutes (14 Jan 18:36, 28 Jan 17:13) = 44,578.
    assert len(minutes) == 44_578
    tariff = flat_tariff(sceaux, date(2007, 1, 1), "0.1500", standing="0.40")
    reprice_hours(home=sceaux, start=START, end=END)
    flat = cost_summary(home=sceaux, start=START, end=END)

    kwh, expected = independent_cost(minutes, lambda hour: 0.15)
    # The energy rule holds the previous power over each missing minute (gap < 5 min); the
    # independent sum counts nothing there: at most two minutes of a ≤ 3.5 kW circuit
    # apart, 2 × 3500 / 60 ≈ 117 Wh.
    assert flat.import_kwh == pytest.approx(kwh, abs=0.12)
    assert float(flat.import_cost) == pytest.approx(expected, abs=0.12 * 0.15)
    assert flat.standing_charge == Decimal("12.40")  # 31 days × 0.40
    assert flat.missing_hours == 0

    # Off-peak 22:00–06:00 at 0.1300, peak 06:00–22:00 at 0.1800 (Paris local time).
    save_tariff(
        home=sceaux,
        tariff=tariff,
        kind=Tariff.Kind.TIME_OF_USE,
        windows=[
            {"name": "Off-peak", "start_time": "22:00", "end_time": "06:00", "price_per_kwh": Decimal("0.1300")},
            {"name": "Peak", "start_time": "06:00", "end_time": "22:00", "price_per_kwh": Decimal("0.1800")},
        ],
    )
    reprice_hours(home=sceaux, start=START, end=END)
    tou = cost_summary(home=sceaux, start=START, end=END)

    _, expected_tou = independent_cost(minutes, lambda hour: 0.13 if hour >= 22 or hour < 6 else 0.18)
    assert float(tou.import_cost) == pytest.approx(expected_tou, abs=0.12 * 0.18)
    assert tou.import_kwh == flat.import_kwh
    assert tou.import_cost != flat.import_cost

"""The simulator: deterministic for a seed, and physically sensible."""

from __future__ import annotations

import time
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from telemetry.simulator import HomeSimulator, SimDevice, simulate_home

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
KINDS = [
    "grid",
    "solar",
    "battery",
    "ev",
    "heat_pump",
    "fridge",
    "freezer",
    "washing_machine",
    "dishwasher",
    "oven",
    "tv",
    "lighting",
]


def home_devices() -> list[SimDevice]:
    return [SimDevice(f"sim-{kind}", kind) for kind in KINDS]


def by_device(readings) -> dict[str, list]:
    series = defaultdict(list)
    for r in readings:
        series[r.external_id].append(r)
    return series


def test_same_seed_gives_the_same_readings_and_another_seed_does_not():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=1)
    first = list(simulate_home(home_devices(), start, end, 120, seed=7))
    again = list(simulate_home(home_devices(), start, end, 120, seed=7))
    other = list(simulate_home(home_devices(), start, end, 120, seed=8))
    assert first == again
    assert [r.power_w for r in first] != [r.power_w for r in other]
    assert len(first) == len(KINDS) * 24 * 30


def test_times_are_aware_utc_aligned_to_the_step_and_end_is_exclusive():
    start = datetime(2026, 3, 1, 0, 0, 30, tzinfo=UTC)
    end = datetime(2026, 3, 1, 0, 10, tzinfo=UTC)
    times = [r.time for r in simulate_home([SimDevice("f", "fridge")], start, end, 60, seed=1)]
    assert times[0] == datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
    assert times[-1] == datetime(2026, 3, 1, 0, 9, tzinfo=UTC)
    assert all(t.tzinfo is UTC and t.second == 0 for t in times)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next(simulate_home([SimDevice("f", "fridge")], datetime(2026, 1, 1), datetime(2026, 1, 2), 60, seed=1))  # noqa: DTZ001


def test_solar_is_zero_at_night_and_produces_at_a_summer_noon():
    day = datetime(2026, 6, 21, tzinfo=BERLIN)
    pv = [SimDevice("pv", "solar", rated_power_w=8000)]
    series = by_device(simulate_home(pv, day, day + timedelta(days=1), 300, 3))["pv"]
    assert all(r.power_w >= 0 for r in series)
    at = {r.time.astimezone(BERLIN).hour * 60 + r.time.astimezone(BERLIN).minute: r.power_w for r in series}
    assert at[0] == 0 and at[2 * 60] == 0 and at[23 * 60] == 0
    noon = max(at[m] for m in range(12 * 60, 14 * 60, 5))
    assert 1000 < noon <= 8000
    # Meter: cumulative, never decreasing.
    meters = [r.energy_wh_total for r in series]
    assert meters == sorted(meters)


def test_fridge_compressor_cycles_on_and_off():
    start = datetime(2026, 2, 2, tzinfo=UTC)
    series = [r.power_w for r in simulate_home([SimDevice("f", "fridge")], start, start + timedelta(days=1), 60, 5)]
    on = [p > 50 for p in series]
    starts = sum(1 for before, now in zip(on, on[1:], strict=False) if now and not before)
    assert 15 <= starts <= 35  # roughly one cycle an hour
    assert 0.2 < sum(on) / len(on) < 0.5  # ~20 min on of every hour
    assert all(95 <= p <= 160 for p in series if p > 50)
    assert all(p < 5 for p in series if p <= 50)


def test_grid_meter_is_consumption_minus_solar_plus_battery():
    start = datetime(2026, 6, 10, tzinfo=UTC)
    readings = simulate_home(home_devices(), start, start + timedelta(days=2), 300, seed=11)
    steps: dict[datetime, dict[str, float]] = defaultdict(dict)
    for r in readings:
        steps[r.time][r.external_id] = r.power_w
    exported = charged = discharged = 0
    for values in steps.values():
        consumption = sum(w for device, w in values.items() if device not in {"sim-grid", "sim-solar", "sim-battery"})
        expected = consumption - values["sim-solar"] + values["sim-battery"]
        assert values["sim-grid"] == pytest.approx(expected, abs=0.2)
        exported += values["sim-grid"] < -50
        charged += values["sim-battery"] > 0
        discharged += values["sim-battery"] < 0
    assert charged and discharged  # the battery stores the day's surplus and covers the evening
    assert exported  # a sunny June day with a full battery exports


def test_battery_state_of_charge_stays_within_its_limits():
    sim = HomeSimulator(home_devices(), seed=2, battery_capacity_wh=10_000, battery_soc=0.5)
    start = datetime(2026, 6, 10, tzinfo=UTC)
    lowest, highest = 1.0, 0.0
    for step in range(0, 3 * 24 * 3600, 300):
        sim.step(start + timedelta(seconds=step), 300)
        lowest, highest = min(lowest, sim.battery_soc), max(highest, sim.battery_soc)
    assert 0.04 <= lowest < 0.5 < highest <= 0.96


def test_ev_charges_at_night_at_wallbox_power():
    start = datetime(2026, 1, 5, tzinfo=BERLIN)
    series = simulate_home([SimDevice("ev", "ev", rated_power_w=11000)], start, start + timedelta(days=14), 300, 4)
    charging = [r for r in series if r.power_w > 1000]
    assert charging
    for r in charging:
        hour = r.time.astimezone(BERLIN).hour
        assert hour >= 22 or hour < 10
    assert max(r.power_w for r in charging) > 7000


def test_heat_pump_uses_more_in_winter_than_in_summer():
    device = [SimDevice("hp", "heat_pump")]

    def energy_kwh(start: datetime) -> float:
        return sum(r.power_w for r in simulate_home(device, start, start + timedelta(days=7), 300, 9)) * 300 / 3.6e6

    assert energy_kwh(datetime(2026, 1, 10, tzinfo=UTC)) > 4 * energy_kwh(datetime(2026, 7, 10, tzinfo=UTC))


def test_oven_runs_around_dinner_and_appliances_run_a_heating_phase():
    start = datetime(2026, 4, 6, tzinfo=BERLIN)
    devices = [SimDevice("oven", "oven"), SimDevice("dw", "dishwasher"), SimDevice("wm", "washing_machine")]
    series = by_device(simulate_home(devices, start, start + timedelta(days=14), 60, 12))
    oven_hours = {r.time.astimezone(BERLIN).hour for r in series["oven"] if r.power_w > 1000}
    assert oven_hours and oven_hours <= {11, 12, 13, 14, 17, 18, 19, 20}
    for name in ("dw", "wm"):
        assert max(r.power_w for r in series[name]) > 1800  # water heating
        assert any(50 < r.power_w < 1000 for r in series[name])  # pumps and motor


def test_a_month_of_a_twelve_device_home_generates_in_seconds():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.monotonic()
    count = sum(1 for _ in simulate_home(home_devices(), start, start + timedelta(days=30), 60, seed=1))
    assert count == 30 * 1440 * len(KINDS)
    assert time.monotonic() - began < 15

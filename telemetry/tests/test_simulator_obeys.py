"""The simulator's devices obey commands, so the whole control loop is visible in the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telemetry.simulator import HomeSimulator, SimDevice

WINTER_EVENING = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


def power_of(sim: HomeSimulator, external_id: str, start: datetime, minutes: int = 30) -> float:
    total = 0.0
    for minute in range(minutes):
        for reading in sim.step(start + timedelta(minutes=minute), 60.0):
            if reading.external_id == external_id:
                total += reading.power_w
    return total / minutes


def devices() -> list[SimDevice]:
    return [
        SimDevice("pump", "heat_pump", rated_power_w=3500, min_power_w=0, max_power_w=15000),
        SimDevice("ev", "ev", rated_power_w=11000, min_power_w=0, max_power_w=22000),
        SimDevice("battery", "battery", rated_power_w=5000, min_power_w=-15000, max_power_w=15000),
        SimDevice("grid", "grid", min_power_w=-50000, max_power_w=50000),
    ]


def test_a_switched_off_device_reports_zero_and_comes_back_on():
    sim = HomeSimulator(devices(), seed=3)
    assert power_of(sim, "pump", WINTER_EVENING) > 300

    assert sim.apply_command("pump", "set_power", {"on": False}) == {"on": False}
    assert power_of(sim, "pump", WINTER_EVENING + timedelta(hours=1)) == 0.0

    sim.apply_command("pump", "set_power", {"on": True})
    assert power_of(sim, "pump", WINTER_EVENING + timedelta(hours=2)) > 300


def test_a_higher_thermostat_target_draws_more():
    low, high = HomeSimulator(devices(), seed=3), HomeSimulator(devices(), seed=3)
    low.apply_command("pump", "set_temperature", {"temperature_c": 18})
    high.apply_command("pump", "set_temperature", {"temperature_c": 23})
    assert power_of(high, "pump", WINTER_EVENING) > power_of(low, "pump", WINTER_EVENING) * 1.2


def test_battery_reports_state_of_charge_and_idles_on_command():
    sim = HomeSimulator(devices(), seed=3, battery_soc=0.5)
    soc = [r.soc_pct for r in sim.step(WINTER_EVENING, 60.0) if r.external_id == "battery"]
    assert soc and 0 < soc[0] <= 100
    sim.apply_command("battery", "set_mode", {"mode": "idle"})
    assert power_of(sim, "battery", WINTER_EVENING + timedelta(minutes=5), minutes=5) == 0.0


def test_an_unknown_command_is_a_failure_the_device_reports():
    sim = HomeSimulator(devices(), seed=3)
    with pytest.raises(ValueError):
        sim.apply_command("ev", "set_temperature", {"temperature_c": 20})

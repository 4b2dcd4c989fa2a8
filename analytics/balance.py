"""Energy balance of a home with solar, battery and grid meter: where each hour's energy came from and went.

Inputs are hourly rollups (Wh, signed per the device convention): consumers ≥ 0,
producers ≥ 0, storage charge > 0 / discharge < 0, grid meter import > 0 / export < 0.
Per hour, with P production, D discharge, Ch charge and C consumption:

* **With a grid meter**, the meter's hourly net is the grid exchange, and the home's
  consumption is what closes the balance: ``C = net + P + D − Ch`` (sub-metered consumers
  need not cover the whole house). Import is ``max(net, 0)``, export ``max(−net, 0)``.
  Export the metered sources cannot explain counts as (unmetered) production.
  The meter's *hourly net* is a simplification: import and export inside the same hour
  offset each other, which is how most hourly-settled meters bill anyway.
* **Without a grid meter**, consumption is the sum of the consumers and the grid is what
  closes the balance: ``net = C + Ch − P − D``; so import = consumption − self-consumed
  production (− battery discharge to the home).

Allocation (same order every hour): solar serves the home first, then charges the battery,
then is exported; the battery serves the home before anything is exported; the grid
covers the rest. Battery charged from the grid is counted as grid import, not as
production. Every hour then adds up exactly:

    consumption = self_consumption + battery_to_home + grid_to_home
    production  = self_consumption + solar_to_battery + solar_to_grid
    grid_import = grid_to_home + grid_to_battery
    grid_export = solar_to_grid + battery_to_grid

(so without a battery: consumption = self-consumption + import and
production = self-consumption + export).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from accounts.models import Home
from devices.models import DeviceType
from telemetry.models import HourlyRollup

Category = DeviceType.Category


@dataclass(frozen=True)
class HourBalance:
    """One UTC hour's balance; every figure in Wh and ≥ 0 (see module docstring)."""

    hour: datetime
    consumption_wh: float = 0.0
    production_wh: float = 0.0
    self_consumption_wh: float = 0.0  # solar used directly in the home
    solar_to_battery_wh: float = 0.0
    solar_to_grid_wh: float = 0.0
    battery_charge_wh: float = 0.0
    battery_discharge_wh: float = 0.0
    battery_to_home_wh: float = 0.0
    battery_to_grid_wh: float = 0.0
    grid_to_home_wh: float = 0.0
    grid_to_battery_wh: float = 0.0
    grid_import_wh: float = 0.0
    grid_export_wh: float = 0.0


_SUMMED = [f.name for f in fields(HourBalance) if f.name != "hour"]


@dataclass(frozen=True)
class PeriodBalance:
    """The sum of a period's hours (Wh) and its shares (percent, None when undefined)."""

    start: datetime
    end: datetime
    hours: int
    has_grid_meter: bool
    has_solar: bool
    has_battery: bool
    consumption_wh: float = 0.0
    production_wh: float = 0.0
    self_consumption_wh: float = 0.0
    solar_to_battery_wh: float = 0.0
    solar_to_grid_wh: float = 0.0
    battery_charge_wh: float = 0.0
    battery_discharge_wh: float = 0.0
    battery_to_home_wh: float = 0.0
    battery_to_grid_wh: float = 0.0
    grid_to_home_wh: float = 0.0
    grid_to_battery_wh: float = 0.0
    grid_import_wh: float = 0.0
    grid_export_wh: float = 0.0

    @property
    def self_sufficiency_pct(self) -> float | None:
        """Share of consumption not bought from the grid (grid charging of the battery counts as bought)."""
        if self.consumption_wh <= 0:
            return None
        return max(0.0, 100.0 * (1 - self.grid_import_wh / self.consumption_wh))

    @property
    def self_consumption_pct(self) -> float | None:
        """Share of production used on site (directly or through the battery) rather than exported."""
        if self.production_wh <= 0:
            return None
        return 100.0 * (self.self_consumption_wh + self.solar_to_battery_wh) / self.production_wh


def balance_hour(
    hour: datetime,
    *,
    consumers_wh: float = 0.0,
    production_wh: float = 0.0,
    storage_wh: float = 0.0,
    meter_wh: float | None = None,
) -> HourBalance:
    """Balance of one hour from summed, signed device energies (Wh); ``meter_wh`` None: no grid meter."""
    production = max(production_wh, 0.0)
    charge = max(storage_wh, 0.0)
    discharge = max(-storage_wh, 0.0)
    if meter_wh is None:
        consumption = max(consumers_wh, 0.0)
    else:
        consumption = meter_wh + production + discharge - charge
        if consumption < 0:
            # The meter saw more export than the metered sources explain: production without
            # its own device (or measurement noise). Count it as production, so the grid
            # figures stay the meter's.
            production -= consumption
            consumption = 0.0
    self_consumption = min(production, consumption)
    battery_to_home = min(discharge, consumption - self_consumption)
    battery_to_grid = discharge - battery_to_home
    grid_to_home = consumption - self_consumption - battery_to_home
    surplus = production - self_consumption
    solar_to_battery = min(surplus, charge)
    grid_to_battery = charge - solar_to_battery
    solar_to_grid = surplus - solar_to_battery
    return HourBalance(
        hour=hour,
        consumption_wh=consumption,
        production_wh=production,
        self_consumption_wh=self_consumption,
        solar_to_battery_wh=solar_to_battery,
        solar_to_grid_wh=solar_to_grid,
        battery_charge_wh=charge,
        battery_discharge_wh=discharge,
        battery_to_home_wh=battery_to_home,
        battery_to_grid_wh=battery_to_grid,
        grid_to_home_wh=grid_to_home,
        grid_to_battery_wh=grid_to_battery,
        grid_import_wh=grid_to_home + grid_to_battery,
        grid_export_wh=solar_to_grid + battery_to_grid,
    )


def balances_from_rollups(rows: Iterable[tuple[datetime, str, float]]) -> dict[datetime, HourBalance]:
    """Balance of each hour from ``(hour, device category, energy_wh)`` rollup rows, by hour."""
    sums: dict[datetime, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for hour, category, energy_wh in rows:
        sums[hour][category] += energy_wh
    return {
        hour: balance_hour(
            hour,
            consumers_wh=by[Category.CONSUMER],
            production_wh=by[Category.PRODUCER],
            storage_wh=by[Category.STORAGE],
            # an hour the meter has no data for is balanced from the consumers instead
            meter_wh=by.get(Category.METER),
        )
        for hour, by in sorted(sums.items())
    }


def hourly_balance(*, home: Home, start: datetime, end: datetime) -> list[HourBalance]:
    """Balance of each UTC hour starting in ``[start, end)`` that has any rollup, sorted by hour.

    Reads hourly rollups only (one query). ``start``/``end`` must be aware. An hour without
    grid-meter data is balanced as in a home without a meter.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    rows = (
        HourlyRollup.objects.filter(device__home=home, hour__gte=start, hour__lt=end)
        .order_by()
        .values_list("hour", "device__type__category", "energy_wh")
    )
    return list(balances_from_rollups(rows).values())


def period_balance(*, home: Home, start: datetime, end: datetime) -> PeriodBalance:
    """Balance of ``[start, end)``: the sum of its hours (Wh), with the home's kinds of devices."""
    hours = hourly_balance(home=home, start=start, end=end)
    categories = set(home.devices.values_list("type__category", flat=True))
    totals = {name: sum(getattr(h, name) for h in hours) for name in _SUMMED}
    return PeriodBalance(
        start=start,
        end=end,
        hours=len(hours),
        has_grid_meter=Category.METER in categories,
        has_solar=Category.PRODUCER in categories,
        has_battery=Category.STORAGE in categories,
        **totals,
    )

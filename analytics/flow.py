"""Energy flow of a solar or battery home: where a period's energy came from and went; self-sufficiency over time.

Built on :mod:`analytics.balance` (the allocation rules live there, not here): the period's
flows are the sums of its hours' balances, and each step of the self-sufficiency series is
a :class:`~analytics.balance.PeriodBalance` of the hours in that local step, so every figure
equals what ``period_balance`` answers for the same bounds. Energy in Wh; steps are local
hours (a period of one day) or local days; datetimes aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.balance import _SUMMED, HourBalance, PeriodBalance, hourly_balance
from analytics.summary import bucket_bounds
from analytics.tariffs import prices_for_hours
from devices.models import DeviceType
from telemetry.models import Reading

Category = DeviceType.Category
HOURLY_UP_TO = timedelta(hours=25)  # one local day, a fall-back day included

# (source node, target node, PeriodBalance field), in the order the diagram lists them.
FLOW_FIELDS = (
    ("Solar", "Home", "self_consumption_wh"),
    ("Solar", "Battery", "solar_to_battery_wh"),
    ("Solar", "Grid (export)", "solar_to_grid_wh"),
    ("Battery", "Home", "battery_to_home_wh"),
    ("Battery", "Grid (export)", "battery_to_grid_wh"),
    ("Grid (import)", "Home", "grid_to_home_wh"),
    ("Grid (import)", "Battery", "grid_to_battery_wh"),
)


@dataclass(frozen=True)
class FlowLink:
    source: str
    target: str
    energy_wh: float


@dataclass(frozen=True)
class EnergyFlow:
    """A period's balance, its non-zero flows, and the balance of each local step (hour or day)."""

    balance: PeriodBalance
    links: tuple[FlowLink, ...]
    step: str  # "hour" or "day"
    steps: tuple[PeriodBalance, ...]
    # Import avoided by solar used directly and battery discharge into the home, each hour at
    # that hour's import price; None without any priced hour. ``unpriced_hours`` had no price.
    avoided_import_cost: Decimal | None = None
    unpriced_hours: int = 0
    # Hour steps only: the batteries' mean state of charge (%) at the end of each hour (their last
    # ``soc_pct`` reading in it), None where no battery reported one.
    soc_pct: tuple[float | None, ...] = ()

    @property
    def has_flow(self) -> bool:
        return bool(self.links)


def has_flow_devices(home: Home) -> bool:
    """Whether ``home`` has a solar inverter or a battery, i.e. whether the flow view applies."""
    return home.devices.filter(type__category__in=[Category.PRODUCER, Category.STORAGE]).exists()


def balance_steps(
    *, home: Home, start: datetime, end: datetime, resolution: str = "day"
) -> tuple[PeriodBalance, tuple[PeriodBalance, ...], list[HourBalance]]:
    """The balance of ``[start, end)`` and of each local ``resolution`` step in it, plus its hours.

    One rollup query. ValidationError (``end``, ``resolution``) as ``summary.bucket_bounds``.
    """
    bounds = bucket_bounds(home, start, end, resolution)
    hours = hourly_balance(home=home, start=start, end=end)
    categories = set(home.devices.values_list("type__category", flat=True))
    steps = []
    index = 0
    for first, after in zip(bounds, bounds[1:], strict=False):
        inside = []
        while index < len(hours) and hours[index].hour < after:
            if hours[index].hour >= first:
                inside.append(hours[index])
            index += 1
        steps.append(_sum(inside, first, after, categories))
    return _sum(hours, start, end, categories), tuple(steps), hours


def energy_flow(*, home: Home, start: datetime, end: datetime) -> EnergyFlow:
    """The flows of ``[start, end)`` in local hours (one day) or local days, from hourly rollups.

    ``start``/``end`` aware; ValidationError (``end``/``resolution``) as ``summary.bucket_bounds``
    when the period is reversed or, for day steps, not on local midnights.
    """
    step = "hour" if end - start <= HOURLY_UP_TO else "day"
    balance, steps, hours = balance_steps(home=home, start=start, end=end, resolution=step)
    links = tuple(
        FlowLink(source, target, getattr(balance, name))
        for source, target, name in FLOW_FIELDS
        if getattr(balance, name) > 0.05  # below 0.05 Wh is rounding, not a flow
    )
    avoided, unpriced = _avoided_import_cost(home, hours)
    soc = battery_soc_by_step(home=home, steps=steps) if step == "hour" and balance.has_battery else ()
    return EnergyFlow(
        balance=balance,
        links=links,
        step=step,
        steps=steps,
        avoided_import_cost=avoided,
        unpriced_hours=unpriced,
        soc_pct=soc,
    )


def battery_soc_by_step(*, home: Home, steps: tuple[PeriodBalance, ...]) -> tuple[float | None, ...]:
    """Mean state of charge (%) of ``home``'s batteries at the end of each step (see EnergyFlow.soc_pct).

    Reads raw readings that carry ``soc_pct`` (one query), so keep it to short periods (a day).
    """
    if not steps:
        return ()
    rows = (
        Reading.objects.filter(
            device__home=home,
            device__type__category=Category.STORAGE,
            soc_pct__isnull=False,
            time__gte=steps[0].start,
            time__lt=steps[-1].end,
        )
        .order_by("time")
        .values_list("device_id", "time", "soc_pct")
    )
    last: list[dict[int, float]] = [{} for _ in steps]
    index = 0
    for device_id, moment, soc in rows:
        while moment >= steps[index].end:
            index += 1
        last[index][device_id] = soc  # ordered by time: the newest wins
    return tuple(sum(by.values()) / len(by) if by else None for by in last)


def _avoided_import_cost(home: Home, hours: list[HourBalance]) -> tuple[Decimal | None, int]:
    used = [h for h in hours if h.self_consumption_wh + h.battery_to_home_wh > 0]
    if not used or not home.tariffs.exists():
        return None, 0
    prices = prices_for_hours(home, [h.hour for h in used])
    total, priced, unpriced = Decimal(0), 0, 0
    for hour in used:
        price = prices[hour.hour].import_per_kwh
        if price is None:
            unpriced += 1
            continue
        total += Decimal(repr(hour.self_consumption_wh + hour.battery_to_home_wh)) / 1000 * price
        priced += 1
    return (total.quantize(Decimal("0.01")) if priced else None), unpriced


def _sum(hours: list[HourBalance], start: datetime, end: datetime, categories: set[str]) -> PeriodBalance:
    """As ``balance.period_balance`` does, over already-balanced hours."""
    return PeriodBalance(
        start=start,
        end=end,
        hours=len(hours),
        has_grid_meter=Category.METER in categories,
        has_solar=Category.PRODUCER in categories,
        has_battery=Category.STORAGE in categories,
        **{name: sum(getattr(h, name) for h in hours) for name in _SUMMED},
    )

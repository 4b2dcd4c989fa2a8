"""Small readers the assistant needs that the summary layer has in pieces: each one only calls
existing selectors (analytics.selectors, analytics.balance, analytics.costs, telemetry.selectors)
and groups their rows. Units: Wh and W; datetimes aware UTC; days are the home's local days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.balance import hourly_balance, period_balance
from analytics.costs import cost_by_device, cost_summary
from analytics.selectors import consumption_from, home_shape
from devices.models import Device
from telemetry.selectors import energy_by, power_series

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Point:
    """One bucket: its start (aware UTC) or local date, and a value (Wh or W)."""

    at: datetime | date
    value: float


def home_energy_wh(home: Home, start: datetime, end: datetime) -> tuple[float, int]:
    """The home's consumption (Wh, the balance: whole house with a grid meter) and how many hours had data."""
    balance = period_balance(home=home, start=start, end=end)
    return balance.consumption_wh, balance.hours


def device_energy_wh(home: Home, start: datetime, end: datetime) -> dict[int, float]:
    """Energy (Wh) per device id of ``home`` in ``[start, end)`` (devices without rollups absent)."""
    return {row.key: row.energy_wh for row in energy_by(home=home, start=start, end=end, by="device")}


def device_costs(home: Home, start: datetime, end: datetime) -> dict[int, tuple[float, Decimal]]:
    """Per metered consumer: (kWh, cost at the import price) in ``[start, end)``."""
    return {row.key: (row.kwh, row.cost) for row in cost_by_device(home=home, start=start, end=end)}


def home_cost(home: Home, start: datetime, end: datetime):
    """The grid bill of ``[start, end)`` (analytics.costs.CostSummary)."""
    return cost_summary(home=home, start=start, end=end)


def home_hourly_wh(home: Home, start: datetime, end: datetime) -> list[Point]:
    """The home's consumption per UTC hour (Wh), hours with data only."""
    return [Point(h.hour, h.consumption_wh) for h in hourly_balance(home=home, start=start, end=end)]


def home_daily_wh(home: Home, start: datetime, end: datetime) -> list[Point]:
    """The home's consumption per local day (Wh), days with data only, in order."""
    days: dict[date, float] = defaultdict(float)
    for point in home_hourly_wh(home, start, end):
        days[point.at.astimezone(home.zone).date()] += point.value
    return [Point(day, value) for day, value in sorted(days.items())]


def devices_series_w(
    home: Home, device_ids: Collection[int] | None, start: datetime, end: datetime, step: timedelta
) -> list[Point]:
    """Mean power (W) per step: the sum of ``device_ids``, or the home's consumption (balance) when None."""
    devices = list(Device.objects.filter(home=home).select_related("home", "type"))
    if device_ids is not None:
        devices = [d for d in devices if d.pk in set(device_ids)]
    if not devices:
        return []
    points = power_series(devices=devices, start=start, end=end, step=step, by_device=device_ids is None)
    if device_ids is not None:
        return [Point(p.time, p.power_w) for p in points]
    shape = home_shape(home)
    by_time: dict[datetime, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p in points:
        by_time[p.time][shape.categories.get(p.device_id, "consumer")] += p.power_w
    return [Point(t, consumption_from(v, has_meter=shape.has_meter)) for t, v in sorted(by_time.items())]


def devices_hourly_wh(home: Home, device_ids: Collection[int], start: datetime, end: datetime) -> list[Point]:
    """Hourly mean power of ``device_ids`` summed, which over a whole hour is its energy (Wh)."""
    return devices_series_w(home, device_ids, start, end, HOUR)


def series_step(start: datetime, end: datetime) -> timedelta:
    """The step a power question reads: 15 minutes up to 2 days, 1 hour up to 90 days, else 1 day."""
    span = end - start
    if span <= timedelta(days=2):
        return timedelta(minutes=15)
    if span <= timedelta(days=90):
        return HOUR
    return timedelta(days=1)


@dataclass(frozen=True)
class ForecastSum:
    """Forecast energy (Wh) of the daily steps that start in a period, with the 80 % band and
    how many days it covers; ``model`` and ``mape_pct`` say what made it and how well it back-tested."""

    energy_wh: float
    low_wh: float
    high_wh: float
    days: int
    model: str
    mape_pct: float | None
    points: list[tuple[datetime, float]]


def forecast_sum(home: Home, device_id: int | None, start: datetime, end: datetime) -> ForecastSum | None:
    """The stored 30-day daily forecast (analytics.Forecast, written nightly by the insights job) of
    the home or one device, summed over ``[start, end)``; None without a ready forecast."""
    from analytics.models import Forecast

    row = (
        Forecast.objects.filter(home=home, granularity="day", horizon_days=30, status="ready")
        .filter(**({"device_id": device_id} if device_id else {"device__isnull": True}))
        .first()
    )
    if row is None:
        return None
    picked = []
    for start_iso, energy_wh, low_wh, high_wh in row.points:
        moment = datetime.fromisoformat(start_iso.replace("Z", "+00:00"))
        if start <= moment < end:
            picked.append((moment, energy_wh, low_wh, high_wh))
    return ForecastSum(
        energy_wh=sum(p[1] for p in picked),
        low_wh=sum(p[2] for p in picked),
        high_wh=sum(p[3] for p in picked),
        days=len(picked),
        model=row.model,
        mape_pct=row.mape_pct,
        points=[(p[0], p[1]) for p in picked],
    )


def open_alerts(home: Home) -> list:
    """The home's open alerts (analytics.Alert), newest first."""
    from analytics.models import Alert

    return list(Alert.objects.filter(home=home, status="open").order_by("-opened_at", "-pk")[:20])

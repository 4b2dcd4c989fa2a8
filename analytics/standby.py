"""Standby and base load: what a device (or the home) draws when nothing is running.

A device's standby is the 10th percentile of its hourly mean power in the night hours
(01:00–05:00 home-local time) of the last ``STANDBY_DAYS`` days: low enough that a dishwasher run
at 02:00 does not count, high enough that one dead hour does not hide a router that is always on.
Its yearly energy is that power for 8,760 hours, priced at the home's mean import price of those
days (the tariff's prices, analytics.tariffs, weighted evenly over the hours: standby is flat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Home
from analytics.forecasts import HOUR, HourlySeries, hourly_energy_series, local_midnight_before, quantile
from analytics.selectors import CONSUMER
from analytics.tariffs import prices_for_hours
from devices.models import Device

STANDBY_DAYS = 28
NIGHT_HOURS = range(1, 5)  # local hours 01:00-05:00
HOURS_PER_YEAR = 8760
CENT = Decimal("0.01")


@dataclass(frozen=True)
class StandbyRow:
    """One device's always-on power (W), its yearly kWh and cost, and its share of the devices' standby."""

    device_id: int
    name: str
    standby_w: float
    yearly_kwh: float
    yearly_cost: Decimal | None
    share_pct: float


@dataclass(frozen=True)
class Standby:
    """The home's base load and its devices' standby; costs None without a priced tariff."""

    home_w: float | None
    home_yearly_kwh: float | None
    home_yearly_cost: Decimal | None
    devices: tuple[StandbyRow, ...]
    mean_price_per_kwh: Decimal | None
    currency: str
    days: int


def night_standby_w(series: HourlySeries) -> float | None:
    """The 10th percentile of the series' night-hour values (Wh per hour = mean W); None without any."""
    night = [v for i, v in enumerate(series.values) if v is not None and series.local(i).hour in NIGHT_HOURS]
    return quantile(night, 0.1) if night else None


def mean_import_price(home: Home, start: datetime, end: datetime) -> Decimal | None:
    """The mean import price per kWh over the hours of ``[start, end)``; None when any is missing."""
    hours = [start + i * HOUR for i in range(int((end - start) / HOUR))]
    prices = [p.import_per_kwh for p in prices_for_hours(home, hours).values()]
    if not prices or any(p is None for p in prices):
        return None
    return sum(prices, Decimal(0)) / len(prices)


def yearly_cost(power_w: float, price: Decimal | None) -> Decimal | None:
    if price is None:
        return None
    return (Decimal(repr(power_w * HOURS_PER_YEAR / 1000)) * price).quantize(CENT)


def standby(home: Home, *, now: datetime | None = None, days: int = STANDBY_DAYS) -> Standby:
    """Standby of the home (its consumption, analytics.selectors rules) and of each active consumer
    over the ``days`` whole local days before today; devices largest first."""
    now = now or timezone.now()
    end = local_midnight_before(now, home.zone)
    start = end - timedelta(days=days)
    price = mean_import_price(home, start, end)
    rows = []
    for device in Device.objects.filter(home=home, is_active=True, type__category=CONSUMER).order_by("name"):
        power = night_standby_w(hourly_energy_series(home, device=device, start=start, end=end))
        if power is None:
            continue
        rows.append((device, power))
    total = sum(p for _, p in rows)
    devices = tuple(
        sorted(
            (
                StandbyRow(
                    device_id=d.pk,
                    name=d.name,
                    standby_w=p,
                    yearly_kwh=p * HOURS_PER_YEAR / 1000,
                    yearly_cost=yearly_cost(p, price),
                    share_pct=p / total * 100 if total else 0.0,
                )
                for d, p in rows
            ),
            key=lambda r: (-r.standby_w, r.name),
        )
    )
    home_w = night_standby_w(hourly_energy_series(home, start=start, end=end))
    return Standby(
        home_w=home_w,
        home_yearly_kwh=home_w * HOURS_PER_YEAR / 1000 if home_w is not None else None,
        home_yearly_cost=yearly_cost(home_w, price) if home_w is not None else None,
        devices=devices,
        mean_price_per_kwh=price,
        currency=home.currency,
        days=days,
    )

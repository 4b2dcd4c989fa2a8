"""Recommendations with an estimated monthly saving from the home's own data and tariff.

Every estimate looks at the ``WINDOW_DAYS`` whole local days before today and scales to a
30-day month (``× 30 / WINDOW_DAYS``). Energy from hourly rollups (analytics.forecasts'
series selector), prices from the home's tariffs (analytics.tariffs.prices_for_hours).

* Shift a load: a shiftable device (washing machine, dishwasher, tumble dryer, EV charger,
  water heater) that ran in hours dearer than the cheapest hour of the period. Saving: each such
  hour's kWh × (its price − the cheapest price). 2 kW for one hour a day at 0.30 moved to 0.15
  saves 2 × 0.15 × 30 = 9.00 a 30-day month.
* Cut standby: a consumer whose night-time standby (analytics.standby) is at least
  STANDBY_MIN_W, unless drawing at night is its job (fridge, freezer, heat pump, ...). Saving:
  that power all month at the mean import price.
* More than usual: a consumer whose daily energy of the last 14 days is 25 % and 0.3 kWh a day
  above the 28 days before. Saving: the difference over a month at the mean import price.

Advice below MIN_SAVING a month is not worth a card and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.forecasts import HourlySeries, hourly_energy_series, local_midnight_before
from analytics.selectors import CONSUMER
from analytics.standby import mean_import_price, night_standby_w
from analytics.tariffs import prices_for_hours
from devices.models import Device

WINDOW_DAYS = 28
MONTH_DAYS = 30
MIN_SAVING = Decimal("0.50")
STANDBY_MIN_W = 10.0
SHIFTABLE_TYPES = frozenset({"washing-machine", "dishwasher", "dryer", "ev-charger", "water-heater"})
# Devices whose night-time draw is their job, not standby: cutting it is not advice.
ALWAYS_ON_TYPES = frozenset({"fridge", "freezer", "heat-pump", "air-conditioner", "water-heater", "grid-meter"})
RECENT_DAYS = 14
BEFORE_DAYS = 28
MORE_MIN_SHARE = 0.25
MORE_MIN_KWH_DAY = 0.3
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Advice:
    """One recommendation as evaluated: ``key`` stays the same from one evaluation to the next."""

    kind: str
    key: str
    device_id: int | None
    title: str
    reason: str
    saving_kwh_month: float
    saving_month: Decimal


def shift_saving(hours: Iterable[tuple[float, Decimal]], cheapest: Decimal, *, days: int) -> tuple[float, Decimal]:
    """(kWh moved a month, money saved a month) for ``hours`` of (Wh, price per kWh) observed over
    ``days`` days, if every kWh bought above ``cheapest`` had been bought at ``cheapest``."""
    scale = Decimal(MONTH_DAYS) / Decimal(days)
    moved_wh, saved = 0.0, Decimal(0)
    for energy_wh, price in hours:
        if price > cheapest and energy_wh > 0:
            moved_wh += energy_wh
            saved += Decimal(repr(energy_wh)) / 1000 * (price - cheapest)
    return moved_wh / 1000 * MONTH_DAYS / days, (saved * scale).quantize(CENT)


def _money(kwh: float, price: Decimal | None) -> Decimal:
    return (Decimal(repr(kwh)) * price).quantize(CENT) if price is not None else Decimal(0)


@dataclass(frozen=True)
class _Context:
    """What every rule needs: the window's prices (per UTC hour), the cheapest, the mean price."""

    currency: str
    prices: dict[datetime, Decimal | None]
    cheapest: Decimal | None
    mean_price: Decimal | None


def _shift_load(device: Device, series: HourlySeries, ctx: _Context) -> Advice | None:
    if device.type.slug not in SHIFTABLE_TYPES or ctx.cheapest is None:
        return None
    first = max(len(series) - WINDOW_DAYS * 24, 0)
    rows = []
    for index in range(first, len(series)):
        value, price = series.values[index], ctx.prices.get(series.hour(index))
        if value is not None and price is not None:
            rows.append((value, price))
    kwh, saving = shift_saving(rows, ctx.cheapest, days=WINDOW_DAYS)
    if saving < MIN_SAVING:
        return None
    return Advice(
        kind="shift_load",
        key=f"shift_load:{device.pk}",
        device_id=device.pk,
        title=f"Run the {device.name.lower()} in off-peak hours",
        reason=(
            f"In the last {WINDOW_DAYS} days it used {kwh * WINDOW_DAYS / MONTH_DAYS:.1f} kWh at prices above the "
            f"cheapest ({ctx.cheapest:.4f} {ctx.currency}/kWh). Moving those runs to the cheapest hours saves "
            f"about {saving} {ctx.currency} a month."
        ),
        saving_kwh_month=kwh,
        saving_month=saving,
    )


def _cut_standby(device: Device, series: HourlySeries, ctx: _Context) -> Advice | None:
    if device.type.slug in ALWAYS_ON_TYPES:
        return None
    standby_w = night_standby_w(series.slice(max(len(series) - WINDOW_DAYS * 24, 0), len(series)))
    if standby_w is None or standby_w < STANDBY_MIN_W:
        return None
    kwh = standby_w * 24 * MONTH_DAYS / 1000
    saving = _money(kwh, ctx.mean_price)
    if saving < MIN_SAVING:
        return None
    return Advice(
        kind="cut_standby",
        key=f"cut_standby:{device.pk}",
        device_id=device.pk,
        title=f"Cut the standby of the {device.name.lower()}",
        reason=(
            f"It draws {standby_w:.0f} W through the night, every night: {kwh:.1f} kWh a month. Switching it off "
            "at the wall (or a smart plug on a timer) when unused saves up to that."
        ),
        saving_kwh_month=kwh,
        saving_month=saving,
    )


def _more_than_usual(device: Device, series: HourlySeries, ctx: _Context) -> Advice | None:
    recent = [v for v in series.values[-RECENT_DAYS * 24 :] if v is not None]
    before = [v for v in series.values[: -RECENT_DAYS * 24] if v is not None]
    if len(recent) < RECENT_DAYS * 20 or len(before) < BEFORE_DAYS * 20:
        return None  # most hours of both spans must have data
    recent_day = sum(recent) / len(recent) * 24 / 1000
    before_day = sum(before) / len(before) * 24 / 1000
    extra = recent_day - before_day
    if extra < MORE_MIN_KWH_DAY or extra < MORE_MIN_SHARE * before_day:
        return None
    kwh = extra * MONTH_DAYS
    saving = _money(kwh, ctx.mean_price)
    if saving < MIN_SAVING:
        return None
    return Advice(
        kind="more_than_usual",
        key=f"more_than_usual:{device.pk}",
        device_id=device.pk,
        title=f"The {device.name.lower()} uses more than it used to",
        reason=(
            f"{recent_day:.2f} kWh a day in the last {RECENT_DAYS} days against {before_day:.2f} kWh in the "
            f"{BEFORE_DAYS} days before (+{extra / max(before_day, 1e-9) * 100:.0f} %). Worth a check: a door "
            "seal, a filter, a setting."
        ),
        saving_kwh_month=kwh,
        saving_month=saving,
    )


RULES = (_shift_load, _cut_standby, _more_than_usual)


def evaluate(home: Home, *, now: datetime) -> list[Advice]:
    """Advice for ``home`` from the local days before ``now``'s day, largest saving first."""
    end = local_midnight_before(now, home.zone)
    start = end - timedelta(days=WINDOW_DAYS)
    hours = [start + timedelta(hours=i) for i in range(int((end - start) / timedelta(hours=1)))]
    prices = {hour: p.import_per_kwh for hour, p in prices_for_hours(home, hours).items()}
    known = [p for p in prices.values() if p is not None]
    ctx = _Context(
        currency=home.currency,
        prices=prices,
        cheapest=min(known) if known else None,
        mean_price=mean_import_price(home, start, end),
    )
    advice: list[Advice] = []
    devices = Device.objects.filter(home=home, is_active=True, type__category=CONSUMER).select_related("type")
    for device in devices.order_by("name"):
        span_start = end - timedelta(days=BEFORE_DAYS + RECENT_DAYS)
        series = hourly_energy_series(home, device=device, start=span_start, end=end)
        advice.extend(a for rule in RULES if (a := rule(device, series, ctx)) is not None)
    return sorted(advice, key=lambda a: (-a.saving_month, a.key))


def visible_recommendations(home: Home, *, now: datetime) -> list:
    """The home's current advice that is open, or snoozed until a time now past; largest saving first."""
    from analytics.models import Recommendation

    rows = Recommendation.objects.filter(home=home, is_current=True).select_related("device")
    return [
        r
        for r in rows.exclude(status=Recommendation.Status.DISMISSED)
        if r.status == Recommendation.Status.OPEN or (r.snoozed_until and r.snoozed_until <= now)
    ]

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
* Solar surplus (homes with a solar inverter): the local hours of day in which the home's own
  hourly balance (analytics.balance) exported at least SURPLUS_MIN_WH on at least half the days.
  A shiftable device that ran mostly outside them: energy moved = its kWh outside those hours,
  bounded by the surplus exported in them; saving = moved × (mean import price it paid − mean
  export price of the surplus). 2 kWh a day at 0.30 moved into 3 kWh of surplus paid 0.08 saves
  2 × 0.22 × 30 = 13.20 a month. Each device is bounded by the whole surplus on its own.
* Tariff shape (homes with a grid meter, which alone sees the whole import): the last
  TARIFF_DAYS local days of hourly import priced under the current tariff and under an
  alternative: a flat price at the current mean import price (time-weighted over the hours) when
  the prices vary, or, for a flat tariff, a time-of-use tariff with off-peak 22:00-07:00 at 0.8 ×
  the flat price and peak at the price that keeps the day's mean equal (1.12 ×). Advised when it
  saves at least TARIFF_MIN_SAVING a month.

Advice below MIN_SAVING a month is not worth a card and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.balance import HourBalance, hourly_balance
from analytics.forecasts import HourlySeries, hourly_energy_series, local_midnight_before
from analytics.selectors import CONSUMER, METER
from analytics.standby import mean_import_price, night_standby_w
from analytics.tariffs import HourPrice, prices_for_hours
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
SURPLUS_MIN_WH = 300.0  # an hour exporting at least this much is a surplus hour
SURPLUS_MIN_DAY_SHARE = 0.5  # ... and an hour of day is a surplus hour of the home on this share of days
MOSTLY_OUTSIDE_SHARE = 0.5  # a device whose energy outside the surplus hours is at least this share
SOLAR_TYPES = frozenset({"solar-inverter"})
TARIFF_DAYS = 30
TARIFF_MIN_SAVING = Decimal("2.00")
OFF_PEAK_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5, 6})  # local 22:00-07:00 of the alternative
OFF_PEAK_FACTOR = Decimal("0.8")
PEAK_FACTOR = (24 - OFF_PEAK_FACTOR * len(OFF_PEAK_HOURS)) / (24 - len(OFF_PEAK_HOURS))  # same daily mean


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
    zone: object = None  # the home's ZoneInfo
    hour_prices: dict[datetime, HourPrice] | None = None
    surplus: _Surplus | None = None


@dataclass(frozen=True)
class _Surplus:
    """The home's regular surplus: local hours of day, Wh exported in them over the window, and
    the export price those Wh earned (export-weighted mean; None when unknown)."""

    hours: frozenset[int]
    exported_wh: float
    export_price: Decimal | None


def surplus_hours(balances: Iterable[HourBalance], zone, *, days: int) -> _Surplus:
    """Local hours of day that exported at least SURPLUS_MIN_WH on SURPLUS_MIN_DAY_SHARE of ``days``."""
    rows = list(balances)
    counts: dict[int, int] = {}
    for b in rows:
        if b.grid_export_wh >= SURPLUS_MIN_WH:
            local = b.hour.astimezone(zone).hour
            counts[local] = counts.get(local, 0) + 1
    hours = frozenset(h for h, n in counts.items() if n >= SURPLUS_MIN_DAY_SHARE * days)
    exported = sum(b.grid_export_wh for b in rows if b.hour.astimezone(zone).hour in hours)
    return _Surplus(hours=hours, exported_wh=exported, export_price=None)


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


def _solar_surplus(device: Device, series: HourlySeries, ctx: _Context) -> Advice | None:
    surplus = ctx.surplus
    if device.type.slug not in SHIFTABLE_TYPES or surplus is None or not surplus.hours:
        return None
    if surplus.export_price is None or ctx.hour_prices is None:
        return None
    inside_wh, outside_wh, outside_cost = 0.0, 0.0, Decimal(0)
    for index in range(max(len(series) - WINDOW_DAYS * 24, 0), len(series)):
        value, hour = series.values[index], series.hour(index)
        if not value or value <= 0:
            continue
        if hour.astimezone(ctx.zone).hour in surplus.hours:
            inside_wh += value
            continue
        price = ctx.hour_prices.get(hour)
        if price is None or price.import_per_kwh is None:
            continue
        outside_wh += value
        outside_cost += Decimal(repr(value)) / 1000 * price.import_per_kwh
    if outside_wh <= 0 or outside_wh < MOSTLY_OUTSIDE_SHARE * (inside_wh + outside_wh):
        return None
    import_price = outside_cost / (Decimal(repr(outside_wh)) / 1000)
    moved_wh = min(outside_wh, surplus.exported_wh)
    scale = Decimal(MONTH_DAYS) / Decimal(WINDOW_DAYS)
    saving = (Decimal(repr(moved_wh)) / 1000 * (import_price - surplus.export_price) * scale).quantize(CENT)
    if saving < MIN_SAVING:
        return None
    kwh = moved_wh / 1000 * MONTH_DAYS / WINDOW_DAYS
    first, last = min(surplus.hours), max(surplus.hours) + 1
    span = f"{first:02d}:00-{last:02d}:00" if last - first == len(surplus.hours) else "the surplus hours"
    return Advice(
        kind="solar_surplus",
        key=f"solar_surplus:{device.pk}",
        device_id=device.pk,
        title=f"Run the {device.name.lower()} when the solar panels are in surplus",
        reason=(
            f"Your solar exports to the grid most days around {span} (local time), "
            f"{surplus.exported_wh / 1000 * MONTH_DAYS / WINDOW_DAYS:.1f} kWh a month earning about "
            f"{surplus.export_price:.4f} {ctx.currency}/kWh. The {device.name.lower()} used "
            f"{outside_wh / 1000 * MONTH_DAYS / WINDOW_DAYS:.1f} kWh a month outside those hours, bought at about "
            f"{import_price:.4f} {ctx.currency}/kWh. Running {kwh:.1f} kWh of it in the surplus instead saves "
            f"about {saving} {ctx.currency} a month."
        ),
        saving_kwh_month=kwh,
        saving_month=saving,
    )


RULES = (_shift_load, _cut_standby, _more_than_usual, _solar_surplus)


def _surplus_of(home: Home, start: datetime, end: datetime, hour_prices: dict[datetime, HourPrice]) -> _Surplus | None:
    """The home's regular solar surplus over ``[start, end)``; None without an active solar inverter."""
    if not Device.objects.filter(home=home, is_active=True, type__slug__in=SOLAR_TYPES).exists():
        return None
    balances = hourly_balance(home=home, start=start, end=end)
    found = surplus_hours(balances, home.zone, days=WINDOW_DAYS)
    earned, wh = Decimal(0), 0.0
    for b in balances:
        price = hour_prices.get(b.hour)
        if b.hour.astimezone(home.zone).hour in found.hours and b.grid_export_wh > 0:
            if price is None or price.export_per_kwh is None:
                continue
            earned += Decimal(repr(b.grid_export_wh)) / 1000 * price.export_per_kwh
            wh += b.grid_export_wh
    export_price = earned / (Decimal(repr(wh)) / 1000) if wh > 0 else None
    return _Surplus(hours=found.hours, exported_wh=found.exported_wh, export_price=export_price)


def time_of_use_alternative(flat: Decimal) -> dict[int, Decimal]:
    """Price per local hour of day of the time-of-use alternative to a flat ``flat`` per kWh:
    off-peak (OFF_PEAK_HOURS) at OFF_PEAK_FACTOR × flat, peak at PEAK_FACTOR × flat (same daily mean)."""
    return {
        h: (flat * (OFF_PEAK_FACTOR if h in OFF_PEAK_HOURS else PEAK_FACTOR)).quantize(Decimal("0.0001"))
        for h in range(24)
    }


def tariff_shape(home: Home, *, end: datetime) -> Advice | None:
    """The cheaper-tariff-shape advice for the TARIFF_DAYS local days before ``end`` (a local midnight)."""
    if not Device.objects.filter(home=home, is_active=True, type__category=METER).exists():
        return None
    start = end - timedelta(days=TARIFF_DAYS)
    hours = [start + timedelta(hours=i) for i in range(int((end - start) / timedelta(hours=1)))]
    prices = {h: p.import_per_kwh for h, p in prices_for_hours(home, hours).items() if p.import_per_kwh is not None}
    if not prices:
        return None
    imports = {b.hour: b.grid_import_wh for b in hourly_balance(home=home, start=start, end=end)}
    current, priced_wh = Decimal(0), 0.0
    for hour, wh in imports.items():
        if wh > 0 and hour in prices:
            current += Decimal(repr(wh)) / 1000 * prices[hour]
            priced_wh += wh
    if priced_wh <= 0:
        return None
    zone = home.zone
    if len(set(prices.values())) > 1:
        mean = sum(prices.values(), Decimal(0)) / len(prices)
        alt_kind, alt = "flat", dict.fromkeys(range(24), mean)
        plain = f"a flat price of {mean:.4f} {home.currency}/kWh at every hour (your tariff's mean price)"
    else:
        flat = next(iter(prices.values()))
        alt_kind, alt = "time_of_use", time_of_use_alternative(flat)
        plain = (
            f"a time-of-use tariff with off-peak 22:00-07:00 at {alt[0]:.4f} and peak 07:00-22:00 at "
            f"{alt[12]:.4f} {home.currency}/kWh (the same mean price as your flat {flat:.4f})"
        )
    alternative = Decimal(0)
    for hour, wh in imports.items():
        if wh > 0 and hour in prices:
            alternative += Decimal(repr(wh)) / 1000 * alt[hour.astimezone(zone).hour]
    scale = Decimal(MONTH_DAYS) / Decimal(TARIFF_DAYS)
    saving = ((current - alternative) * scale).quantize(CENT)
    if saving < TARIFF_MIN_SAVING:
        return None
    return Advice(
        kind="tariff_shape",
        key=f"tariff_shape:{alt_kind}",
        device_id=None,
        title="A flat tariff would cost less" if alt_kind == "flat" else "A time-of-use tariff would cost less",
        reason=(
            f"Your {priced_wh / 1000:.1f} kWh bought from the grid in the last {TARIFF_DAYS} days cost "
            f"{current.quantize(CENT)} {home.currency} on your tariff; on {plain} it would have cost "
            f"{alternative.quantize(CENT)} {home.currency}: about {saving} {home.currency} a month less. "
            "Compare offers of that shape with your supplier."
        ),
        saving_kwh_month=0.0,
        saving_month=saving,
    )


def evaluate(home: Home, *, now: datetime) -> list[Advice]:
    """Advice for ``home`` from the local days before ``now``'s day, largest saving first."""
    end = local_midnight_before(now, home.zone)
    start = end - timedelta(days=WINDOW_DAYS)
    hours = [start + timedelta(hours=i) for i in range(int((end - start) / timedelta(hours=1)))]
    hour_prices = prices_for_hours(home, hours)
    prices = {hour: p.import_per_kwh for hour, p in hour_prices.items()}
    known = [p for p in prices.values() if p is not None]
    ctx = _Context(
        currency=home.currency,
        prices=prices,
        cheapest=min(known) if known else None,
        mean_price=mean_import_price(home, start, end),
        zone=home.zone,
        hour_prices=hour_prices,
        surplus=_surplus_of(home, start, end, hour_prices),
    )
    advice: list[Advice] = []
    if (shape := tariff_shape(home, end=end)) is not None:
        advice.append(shape)
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

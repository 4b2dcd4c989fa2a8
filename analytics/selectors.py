"""Reads for the dashboard and the history page: live balance, energy summaries, breakdowns.

Every selector takes a home the caller has already checked (``accounts.selectors``) and
returns frozen dataclasses. Units: power in W, energy in Wh (templates format kWh). Days,
weeks, months and "today" are the home's local ones (``Home.zone``); datetimes in results
are aware UTC unless a field says "local".

Energy comes from rollups (``HourlyRollup``, ``DailyRollup``); power from the newest reading
per device and, for the last couple of hours of a chart, raw readings. Nothing here scans raw
readings beyond a few hours.

Sign conventions (devices/models.py): consumers draw >= 0, producers produce >= 0, storage
charges > 0 and discharges < 0, a grid meter imports > 0 and exports < 0. The home's
consumption is therefore ``grid + production - storage`` when it has a grid meter (the whole
house, measured or not), else the sum of its consumer devices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.utils import timezone

from accounts.models import Home
from devices.models import Device, DeviceType
from telemetry.models import HourlyRollup
from telemetry.selectors import LatestPower, latest_power, power_series

if TYPE_CHECKING:
    from analytics.summary import Bucket, Summary

Category = DeviceType.Category
CONSUMER, PRODUCER, STORAGE, METER = Category.CONSUMER, Category.PRODUCER, Category.STORAGE, Category.METER

# A device whose newest reading is older than this is offline; its power no longer counts.
OFFLINE_AFTER = timedelta(minutes=10)
# Below this a consumer (or an idle battery) counts as off.
ON_THRESHOLD_W = 5.0
CHART_SPAN = timedelta(hours=24)
# The last hour or two of the dashboard chart come from raw readings in 5-minute steps.
CHART_RAW_STEP = timedelta(minutes=5)
HOUR = timedelta(hours=1)


# --- formatting (numbers the templates print) ---------------------------------------------


def format_power(power_w: float | None) -> str:
    """Power for people: "850 W" below 1 kW, "1.25 kW" above; "–" for None. Callers pass abs() for
    signed figures whose direction a label already says."""
    if power_w is None:
        return "–"
    if abs(power_w) >= 1000:
        return f"{power_w / 1000:,.2f} kW"
    return f"{power_w:,.0f} W"


def format_energy(energy_wh: float | None) -> str:
    """kWh with two decimals below 100 kWh, one above; "–" for None."""
    if energy_wh is None:
        return "–"
    kwh = energy_wh / 1000
    return f"{kwh:,.1f} kWh" if abs(kwh) >= 100 else f"{kwh:,.2f} kWh"


# --- balance --------------------------------------------------------------------------------


def consumption_from(by_category: Mapping[str, float], *, has_meter: bool) -> float:
    """Home consumption from per-category sums (W or Wh alike): the balance with a grid meter,
    the consumers' sum without one. Never negative (meter noise can make the balance dip)."""
    if has_meter:
        value = by_category.get(METER, 0.0) + by_category.get(PRODUCER, 0.0) - by_category.get(STORAGE, 0.0)
    else:
        value = by_category.get(CONSUMER, 0.0)
    return max(value, 0.0)


@dataclass(frozen=True)
class HomeShape:
    """Which kinds of device a home has (active devices only); decides which tiles exist."""

    has_devices: bool
    has_consumers: bool
    has_solar: bool
    has_battery: bool
    has_meter: bool
    categories: Mapping[int, str] = field(default_factory=dict)  # device id -> category

    @property
    def shows_consumption(self) -> bool:
        return self.has_consumers or self.has_meter


def home_shape(home: Home) -> HomeShape:
    """The active devices of ``home`` by category (one query)."""
    categories = dict(Device.objects.filter(home=home, is_active=True).values_list("pk", "type__category"))
    present = set(categories.values())
    return HomeShape(
        has_devices=bool(categories),
        has_consumers=CONSUMER in present,
        has_solar=PRODUCER in present,
        has_battery=STORAGE in present,
        has_meter=METER in present,
        categories=categories,
    )


# --- power now and device tiles ---------------------------------------------------------------


@dataclass(frozen=True)
class PowerNow:
    """The home's power balance from each active device's newest reading (stale ones left out).

    ``consumption_w`` >= 0; ``solar_w`` >= 0 production; ``battery_w`` > 0 charging, < 0
    discharging; ``grid_w`` > 0 import, < 0 export. A figure is None when the home has no
    such device. ``time`` is the newest reading that went in (None without any).
    """

    consumption_w: float | None
    solar_w: float | None
    battery_w: float | None
    grid_w: float | None
    time: datetime | None

    @property
    def consumption_text(self) -> str:
        return format_power(self.consumption_w)

    @property
    def solar_text(self) -> str:
        return format_power(self.solar_w)

    @property
    def battery_text(self) -> str:
        return format_power(abs(self.battery_w) if self.battery_w is not None else None)

    @property
    def grid_text(self) -> str:
        return format_power(abs(self.grid_w) if self.grid_w is not None else None)


def power_now(home: Home, *, shape: HomeShape, latest: Mapping[int, LatestPower], now: datetime) -> PowerNow:
    """Balance of ``home`` now from ``latest`` (as telemetry.selectors.latest_power returns)."""
    sums: dict[str, float] = defaultdict(float)
    newest: datetime | None = None
    for device_id, category in shape.categories.items():
        value = latest.get(device_id)
        if value is None or now - value.time > OFFLINE_AFTER:
            continue
        sums[category] += value.power_w
        newest = value.time if newest is None or value.time > newest else newest
    return PowerNow(
        consumption_w=consumption_from(sums, has_meter=shape.has_meter) if shape.shows_consumption else None,
        solar_w=sums[PRODUCER] if shape.has_solar else None,
        battery_w=sums[STORAGE] if shape.has_battery else None,
        grid_w=sums[METER] if shape.has_meter else None,
        time=newest,
    )


@dataclass(frozen=True)
class DeviceTile:
    """What a device tile shows: identity, newest power and when, on/off state, offline flag.

    ``state`` is one of "on", "off", "producing", "charging", "discharging", "importing",
    "exporting", "idle", "offline", "no-data", "inactive"; ``state_label`` says it in words.
    """

    device_id: int
    name: str
    room: str
    icon: str
    type_name: str
    category: str
    is_active: bool
    power_w: float | None
    reading_time: datetime | None
    last_seen: datetime | None
    is_offline: bool
    state: str
    state_label: str

    @property
    def power_text(self) -> str:
        return format_power(abs(self.power_w) if self.power_w is not None else None)

    @property
    def is_on(self) -> bool:
        return self.state in {"on", "producing", "charging", "discharging", "importing", "exporting"}


_STATE_LABELS = {
    "on": "On",
    "off": "Off",
    "producing": "Producing",
    "charging": "Charging",
    "discharging": "Discharging",
    "importing": "Importing",
    "exporting": "Exporting",
    "idle": "Idle",
    "offline": "Offline",
    "no-data": "No data yet",
    "inactive": "Deactivated",
}


def _state(category: str, power_w: float | None) -> str:
    if power_w is None:
        return "no-data"
    magnitude = abs(power_w)
    if category == PRODUCER:
        return "producing" if magnitude >= ON_THRESHOLD_W else "idle"
    if category == STORAGE:
        if magnitude < ON_THRESHOLD_W:
            return "idle"
        return "charging" if power_w > 0 else "discharging"
    if category == METER:
        if magnitude < ON_THRESHOLD_W:
            return "idle"
        return "importing" if power_w > 0 else "exporting"
    return "on" if power_w >= ON_THRESHOLD_W else "off"


def device_tile(device: Device, value: LatestPower | None, *, now: datetime) -> DeviceTile:
    """The tile of ``device`` (its type loaded) given its newest reading ``value``."""
    last_seen = device.last_seen
    if value is not None and (last_seen is None or value.time > last_seen):
        last_seen = value.time
    offline = last_seen is None or now - last_seen > OFFLINE_AFTER
    power = value.power_w if value is not None else None
    if not device.is_active:
        state = "inactive"
    elif value is not None and offline:
        state = "offline"
    else:
        state = _state(device.type.category, power)
    return DeviceTile(
        device_id=device.pk,
        name=device.name,
        room=device.room,
        icon=device.type.icon,
        type_name=device.type.name,
        category=device.type.category,
        is_active=device.is_active,
        power_w=power,
        reading_time=value.time if value is not None else None,
        last_seen=last_seen,
        is_offline=offline,
        state=state,
        state_label=_STATE_LABELS[state],
    )


def device_tiles(
    home: Home, *, latest: Mapping[int, LatestPower], now: datetime, device_ids: Iterable[int] | None = None
) -> list[DeviceTile]:
    """Tiles of ``home``'s active devices (or only ``device_ids``), ordered by room and name."""
    devices = Device.objects.filter(home=home, is_active=True).select_related("type").order_by("room", "name", "pk")
    if device_ids is not None:
        devices = devices.filter(pk__in=list(device_ids))
    return [device_tile(device, latest.get(device.pk), now=now) for device in devices]


# --- live update ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveUpdate:
    """What one live push shows: the balance, the changed devices' tiles, and the chart's new point."""

    power: PowerNow
    shape: HomeShape
    tiles: tuple[DeviceTile, ...]
    point_time_local: str | None


def live_update(home: Home, *, changed: Mapping[int, LatestPower], now: datetime | None = None) -> LiveUpdate:
    """The state to push after readings of ``changed`` devices arrived: newest values from the
    database, overlaid with ``changed`` where that is newer (the event can beat a replica)."""
    now = now or timezone.now()
    latest = dict(latest_power(home=home))
    for device_id, value in changed.items():
        stored = latest.get(device_id)
        if stored is None or value.time >= stored.time:
            latest[device_id] = value
    shape = home_shape(home)
    power = power_now(home, shape=shape, latest=latest, now=now)
    tiles = device_tiles(home, latest=latest, now=now, device_ids=changed.keys())
    point = local_iso(power.time, home) if power.time else None
    return LiveUpdate(power=power, shape=shape, tiles=tuple(tiles), point_time_local=point)


def local_iso(moment: datetime, home: Home) -> str:
    """``moment`` as the home's wall-clock time, ISO without offset (what the charts plot)."""
    return moment.astimezone(home.zone).replace(tzinfo=None).isoformat(timespec="seconds")


# --- energy summaries ------------------------------------------------------------------------


def local_midnight(day: date, home: Home) -> datetime:
    """Aware UTC instant of local midnight starting ``day`` in the home's zone."""
    return datetime.combine(day, time(), tzinfo=home.zone).astimezone(UTC)


def _category_energy(home: Home, start: datetime, end: datetime) -> dict[str, float]:
    """Energy (Wh) per device category from hourly rollups whose UTC hour starts in ``[start, end)``."""
    rows = (
        HourlyRollup.objects.filter(device__home=home, hour__gte=start, hour__lt=end)
        .order_by()
        .values("device__type__category")
        .annotate(energy=Sum("energy_wh"))
    )
    return {row["device__type__category"]: row["energy"] or 0.0 for row in rows}


@dataclass(frozen=True)
class EnergyFigures:
    """Energy of one period (Wh): consumption (balance), solar production, net grid, battery net."""

    consumption_wh: float
    solar_wh: float
    grid_wh: float
    battery_wh: float

    @property
    def consumption_text(self) -> str:
        return format_energy(self.consumption_wh)

    @property
    def solar_text(self) -> str:
        return format_energy(self.solar_wh)

    @property
    def grid_text(self) -> str:
        return format_energy(abs(self.grid_wh))


def _figures(by_category: Mapping[str, float], shape: HomeShape) -> EnergyFigures:
    return EnergyFigures(
        consumption_wh=consumption_from(by_category, has_meter=shape.has_meter),
        solar_wh=by_category.get(PRODUCER, 0.0),
        grid_wh=by_category.get(METER, 0.0),
        battery_wh=by_category.get(STORAGE, 0.0),
    )


def percent_change(current: float, previous: float) -> float | None:
    """Change from ``previous`` to ``current`` in percent; None when ``previous`` is zero."""
    if not previous:
        return None
    return (current - previous) / abs(previous) * 100.0


@dataclass(frozen=True)
class EnergySummary:
    """Today so far, this month so far, and last month up to the same point (home-local).

    "The same point" is the same day of month and time of day, clipped to last month's
    length (on 31 March, last month runs to the end of February).
    """

    today: EnergyFigures
    month: EnergyFigures
    last_month_same_point: EnergyFigures
    month_change_pct: float | None
    month_start_local: date
    last_month_start_local: date

    @property
    def month_change_abs_pct(self) -> float | None:
        return abs(self.month_change_pct) if self.month_change_pct is not None else None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month_start(day: date) -> date:
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def energy_summary(home: Home, *, shape: HomeShape, now: datetime) -> EnergySummary:
    """Energy today and this month so far vs last month to the same point, from hourly rollups."""
    local_now = now.astimezone(home.zone)
    today = local_now.date()
    today_start = local_midnight(today, home)
    month_start = _month_start(today)
    prev_start = _previous_month_start(today)
    # Same elapsed point: same day-of-month and time of day, clipped to the month's end.
    month_len_prev = (month_start - prev_start).days
    same_day = prev_start + timedelta(days=min(today.day, month_len_prev + 1) - 1)
    if today.day > month_len_prev:
        prev_end = local_midnight(month_start, home)
    else:
        prev_end = datetime.combine(same_day, local_now.time(), tzinfo=home.zone).astimezone(UTC)
    today_figures = _figures(_category_energy(home, today_start, now), shape)
    month_figures = _figures(_category_energy(home, local_midnight(month_start, home), now), shape)
    prev_figures = _figures(_category_energy(home, local_midnight(prev_start, home), prev_end), shape)
    return EnergySummary(
        today=today_figures,
        month=month_figures,
        last_month_same_point=prev_figures,
        month_change_pct=percent_change(month_figures.consumption_wh, prev_figures.consumption_wh),
        month_start_local=month_start,
        last_month_start_local=prev_start,
    )


@dataclass(frozen=True)
class DeviceEnergy:
    """Energy (Wh) of one device in a period, and its share (%) of the listed devices' total."""

    device_id: int
    name: str
    icon: str
    energy_wh: float
    share_pct: float

    @property
    def energy_text(self) -> str:
        return format_energy(self.energy_wh)


def top_consumers(home: Home, *, now: datetime, limit: int = 5) -> list[DeviceEnergy]:
    """The consumer devices of ``home`` that used the most energy today (local day), largest first."""
    start = local_midnight(now.astimezone(home.zone).date(), home)
    rows = list(
        HourlyRollup.objects.filter(device__home=home, device__type__category=CONSUMER, hour__gte=start, hour__lt=now)
        .order_by()
        .values("device_id", "device__name", "device__type__icon")
        .annotate(energy=Sum("energy_wh"))
    )
    total = sum(max(row["energy"] or 0.0, 0.0) for row in rows)
    rows.sort(key=lambda row: (-(row["energy"] or 0.0), row["device__name"]))
    return [
        DeviceEnergy(
            device_id=row["device_id"],
            name=row["device__name"],
            icon=row["device__type__icon"],
            energy_wh=row["energy"] or 0.0,
            share_pct=(row["energy"] or 0.0) / total * 100.0 if total else 0.0,
        )
        for row in rows[:limit]
        if (row["energy"] or 0.0) > 0
    ]


# --- dashboard chart -------------------------------------------------------------------------


@dataclass(frozen=True)
class BalancePoint:
    """The balance at one local time (mid-step): W per figure; None where the home lacks it."""

    time_local: str
    consumption_w: float | None
    solar_w: float | None
    battery_w: float | None
    grid_w: float | None


def power_chart(home: Home, *, shape: HomeShape, now: datetime) -> list[BalancePoint]:
    """The last 24 hours of the balance: hourly rollups, then 5-minute steps from raw readings
    for the current and previous hour. Points sit mid-step, in the home's local time."""
    if not shape.has_devices:
        return []
    raw_start = now.replace(minute=0, second=0, microsecond=0) - HOUR
    start = raw_start - CHART_SPAN + 2 * HOUR
    devices = list(Device.objects.filter(home=home, is_active=True).select_related("home"))
    hourly = power_series(devices=devices, start=start, end=raw_start, step=HOUR, by_device=True)
    recent = power_series(devices=devices, start=raw_start, end=now, step=CHART_RAW_STEP, by_device=True)
    by_time: dict[datetime, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for points, step in ((hourly, HOUR), (recent, CHART_RAW_STEP)):
        for point in points:
            # Mid-step, but the running step no later than now: live points continue from there.
            moment = min(point.time + step / 2, now)
            by_time[moment][shape.categories.get(point.device_id, CONSUMER)] += point.power_w
    result = []
    for moment in sorted(by_time):
        sums = by_time[moment]
        result.append(
            BalancePoint(
                time_local=local_iso(moment, home),
                consumption_w=consumption_from(sums, has_meter=shape.has_meter) if shape.shows_consumption else None,
                solar_w=sums.get(PRODUCER, 0.0) if shape.has_solar else None,
                battery_w=sums.get(STORAGE, 0.0) if shape.has_battery else None,
                grid_w=sums.get(METER, 0.0) if shape.has_meter else None,
            )
        )
    return result


# --- the dashboard at once -------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows for one home at ``now``."""

    shape: HomeShape
    power: PowerNow
    energy: EnergySummary
    tiles: tuple[DeviceTile, ...]
    top: tuple[DeviceEnergy, ...]
    chart: tuple[BalancePoint, ...]
    now: datetime


def dashboard(home: Home, *, now: datetime | None = None) -> Dashboard:
    """The dashboard of ``home`` (the caller checked membership)."""
    now = now or timezone.now()
    shape = home_shape(home)
    latest = latest_power(home=home) if shape.has_devices else {}
    return Dashboard(
        shape=shape,
        power=power_now(home, shape=shape, latest=latest, now=now),
        energy=energy_summary(home, shape=shape, now=now),
        tiles=tuple(device_tiles(home, latest=latest, now=now)),
        top=tuple(top_consumers(home, now=now)),
        chart=tuple(power_chart(home, shape=shape, now=now)),
        now=now,
    )


# --- device pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRow:
    """One row of the device list: the tile (live power, state) plus today's energy (Wh)."""

    tile: DeviceTile
    external_id: str
    energy_today_wh: float | None

    @property
    def energy_today_text(self) -> str:
        return format_energy(self.energy_today_wh)


def device_rows(home: Home, *, room: str | None = None, type_slug: str | None = None, now: datetime | None = None):
    """Devices of ``home`` (inactive ones last), optionally of one ``room`` and one device type slug,
    with live power and energy today (local day, hourly rollups)."""
    now = now or timezone.now()
    devices = Device.objects.filter(home=home).select_related("type").order_by("-is_active", "room", "name", "pk")
    if room is not None:
        devices = devices.filter(room=room)
    if type_slug:
        devices = devices.filter(type__slug=type_slug)
    devices = list(devices)
    latest = latest_power(home=home) if devices else {}
    start = local_midnight(now.astimezone(home.zone).date(), home)
    energy = dict(
        HourlyRollup.objects.filter(device__in=devices, hour__gte=start, hour__lt=now)
        .order_by()
        .values_list("device_id")
        .annotate(total=Sum("energy_wh"))
    )
    return [
        DeviceRow(
            tile=device_tile(device, latest.get(device.pk), now=now),
            external_id=device.external_id,
            energy_today_wh=energy.get(device.pk),
        )
        for device in devices
    ]


def rooms_of(home: Home) -> list[str]:
    """The distinct non-empty rooms of ``home``'s devices, sorted."""
    rooms = Device.objects.filter(home=home).exclude(room="").values_list("room", flat=True).distinct()
    return sorted(set(rooms), key=str.casefold)


@dataclass(frozen=True)
class DeviceEnergyPeriods:
    """A device's energy (Wh) today, this week (from Monday) and this month, home-local, so far."""

    today_wh: float
    week_wh: float
    month_wh: float

    @property
    def today_text(self) -> str:
        return format_energy(self.today_wh)

    @property
    def week_text(self) -> str:
        return format_energy(self.week_wh)

    @property
    def month_text(self) -> str:
        return format_energy(self.month_wh)


def device_energy_periods(device: Device, *, now: datetime | None = None) -> DeviceEnergyPeriods:
    """Energy of ``device`` so far today, this week and this month (one query on hourly rollups)."""
    from django.db.models import Q

    now = now or timezone.now()
    home = device.home
    today = now.astimezone(home.zone).date()
    starts = {
        "today": local_midnight(today, home),
        "week": local_midnight(today - timedelta(days=today.weekday()), home),
        "month": local_midnight(today.replace(day=1), home),
    }
    earliest = min(starts.values())
    rows = HourlyRollup.objects.filter(device=device, hour__gte=earliest, hour__lt=now).order_by()
    sums = rows.aggregate(
        **{name: Sum("energy_wh", filter=Q(hour__gte=start)) for name, start in starts.items()},
    )
    return DeviceEnergyPeriods(
        today_wh=sums["today"] or 0.0, week_wh=sums["week"] or 0.0, month_wh=sums["month"] or 0.0
    )


@dataclass(frozen=True)
class ReadingRow:
    """A raw reading as the device page lists it (``time`` aware UTC)."""

    time: datetime
    power_w: float
    energy_wh_total: float | None
    voltage_v: float | None


def latest_readings(device: Device, *, limit: int = 10) -> list[ReadingRow]:
    """The newest ``limit`` readings of ``device``, newest first."""
    from telemetry.models import Reading

    rows = (
        Reading.objects.filter(device=device)
        .order_by("-time")
        .values_list("time", "power_w", "energy_wh_total", "voltage_v")[:limit]
    )
    return [ReadingRow(*row) for row in rows]


def device_power_week(device: Device, *, now: datetime | None = None) -> tuple[list[str], list[float | None]]:
    """Hourly mean power (W) of ``device`` over the last 7 days, as (local times mid-hour, values);
    hours without data are None so the line shows gaps."""
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + HOUR
    start = end - timedelta(days=7)
    points = {p.time: p.power_w for p in power_series(devices=[device], start=start, end=end, step=HOUR)}
    times, values = [], []
    moment = start
    while moment < end:
        times.append(local_iso(moment + HOUR / 2, device.home))
        values.append(points.get(moment))
        moment += HOUR
    return times, values


# --- history -----------------------------------------------------------------------------------
# Periods are whole home-local days. A period that contains today is "to date": its figures stop
# at now, and its comparison uses the previous period up to the same elapsed point.

PRESETS = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("this-week", "This week"),
    ("last-week", "Last week"),
    ("this-month", "This month"),
    ("last-month", "Last month"),
    ("last-30-days", "Last 30 days"),
    ("this-year", "This year"),
)
BREAKDOWNS = (("device", "Device"), ("room", "Room"), ("type", "Type"))
SHOWS = (
    ("consumption", "Consumers", (CONSUMER,)),
    ("production", "Solar", (PRODUCER,)),
    ("grid", "Grid", (METER,)),
    ("battery", "Battery", (STORAGE,)),
    ("all", "All devices", (CONSUMER, PRODUCER, STORAGE, METER)),
)
MAX_PERIOD_DAYS = 366 * 3
POWER_MAX_DAYS = 7


@dataclass(frozen=True)
class Period:
    """Local days ``first_day``..``last_day`` (inclusive) of a home; ``start``/``end`` the aware UTC
    bounds ``[local midnight of first_day, local midnight after last_day)``."""

    key: str
    label: str
    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def _period(home: Home, key: str, label: str, first: date, last: date) -> Period:
    return Period(key, label, first, last, local_midnight(first, home), local_midnight(last + timedelta(days=1), home))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_for(
    home: Home, key: str, *, first: date | None = None, last: date | None = None, now: datetime | None = None
) -> Period:
    """The preset ``key`` (see PRESETS) in the home's zone, or "custom" from ``first`` to ``last``
    (inclusive, swapped when reversed, at most MAX_PERIOD_DAYS). Unknown keys mean "today"."""
    now = now or timezone.now()
    today = now.astimezone(home.zone).date()
    labels = dict(PRESETS)
    if key == "custom" and first and last:
        first, last = min(first, last), max(first, last)
        first = max(first, last - timedelta(days=MAX_PERIOD_DAYS - 1))
        return _period(home, "custom", f"{first:%b %-d, %Y} – {last:%b %-d, %Y}", first, last)
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    spans = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this-week": (monday, monday + timedelta(days=6)),
        "last-week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this-month": (month, _add_months(month, 1) - timedelta(days=1)),
        "last-month": (_add_months(month, -1), month - timedelta(days=1)),
        "last-30-days": (today - timedelta(days=29), today),
        "this-year": (date(today.year, 1, 1), date(today.year, 12, 31)),
    }
    if key not in spans:
        key = "today"
    return _period(home, key, labels[key], *spans[key])


def previous_period(home: Home, period: Period) -> Period:
    """The period before: the previous calendar month(s) or year for month- and year-aligned
    periods, otherwise the same number of days just before (the summary layer's rule,
    ``analytics.summary.previous_bounds``)."""
    from analytics.summary import previous_bounds

    start, end = previous_bounds(home, period.start, period.end)
    first = start.astimezone(home.zone).date()
    last = end.astimezone(home.zone).date() - timedelta(days=1)
    return _period(home, "previous", "previous period", first, last)


def choose_step(period: Period) -> str:
    """ "hour" up to 2 days, "day" up to 62 days, "month" beyond."""
    if period.days <= 2:
        return "hour"
    if period.days <= 62:
        return "day"
    return "month"


@dataclass(frozen=True)
class HistoryTable:
    """The figures a history view shows: one value per (group, bucket), in ``unit`` ("kWh" or "W").

    ``buckets`` are local labels for the table and CSV; ``x`` the chart's x values (local
    ISO times for hours and power, local dates for days, "YYYY-MM" for months). ``values[g][b]``
    is rounded as shown (kWh to 3 decimals, W to 1), None where the group has no data in that
    bucket (a gap, not zero): the chart, the table and the CSV share it. ``coverage[b]`` is the
    share (0..1) of the bucket's device-hours so far that have readings (energy only, else empty).
    """

    unit: str
    step: str
    buckets: tuple[str, ...]
    x: tuple[str, ...]
    groups: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    coverage: tuple[float, ...] = ()

    @property
    def has_data(self) -> bool:
        return any(v is not None for series in self.values for v in series)

    @property
    def rows(self) -> list[tuple[str, list[float | None], float | None, float | None]]:
        """Per bucket: label, the groups' values, (for energy) their sum or None when no group has
        data, and the bucket's coverage (0..1, None for power)."""
        result = []
        for index, label in enumerate(self.buckets):
            cells = [series[index] for series in self.values]
            present = [v for v in cells if v is not None]
            total = round(sum(present), 3) if self.unit == "kWh" and present else None
            coverage = self.coverage[index] if self.coverage else None
            result.append((label, cells, total, coverage))
        return result

    @property
    def group_totals(self) -> list[float]:
        return [round(sum(v for v in series if v is not None), 3) for series in self.values]

    @property
    def total(self) -> float:
        return round(sum(self.group_totals), 3)


@dataclass(frozen=True)
class Comparison:
    """Energy (kWh) of the period so far vs the previous period to the same elapsed point, and
    ``coverage``: the share (0..1) of the period's device-hours so far that have readings."""

    current_kwh: float
    previous_kwh: float
    change_pct: float | None
    previous: Period
    to_date: bool
    coverage: float = 1.0

    @property
    def change_abs_pct(self) -> float | None:
        return abs(self.change_pct) if self.change_pct is not None else None

    @property
    def partial(self) -> bool:
        return self.coverage < 1.0


def _period_summary(
    home: Home, period: Period, *, resolution: str, by: str, categories: Iterable[str], now: datetime
) -> Summary:
    """The summary layer's figures for a history period (whole local days; the first and last
    bucket may be partial, e.g. months of a custom period or Kolkata's half-past UTC hours)."""
    from analytics.summary import summary

    return summary(
        home=home,
        start=period.start,
        end=period.end,
        resolution=resolution,
        group_by=by,
        categories=categories,
        whole_buckets=False,
        peaks=False,
        now=now,
    )


def _holds_an_hour(bucket: Bucket) -> bool:
    """Whether a UTC hour starts in the bucket (the half hour before 01:00 UTC-aligned hours of a
    Kolkata day holds none: rollups are UTC hours)."""
    first = bucket.start.replace(minute=0, second=0, microsecond=0)
    if first < bucket.start:
        first += HOUR
    return first < bucket.end


def _history_table(home: Home, result: Summary, step: str, now: datetime) -> HistoryTable:
    """The buckets of a summary that have started by ``now`` and hold at least one UTC hour."""
    indexes = [i for i, bucket in enumerate(result.buckets) if bucket.start < now and _holds_an_hour(bucket)]
    starts = [result.buckets[i].start.astimezone(home.zone) for i in indexes]
    if step == "hour":
        labels = [f"{moment:%a %H:%M}" for moment in starts]
        xs = [moment.replace(tzinfo=None).isoformat(timespec="seconds") for moment in starts]
    elif step == "day":
        labels = [f"{moment:%a %b %-d}" for moment in starts]
        xs = [moment.date().isoformat() for moment in starts]
    else:
        labels = [f"{moment:%b %Y}" for moment in starts]
        xs = [f"{moment:%Y-%m}" for moment in starts]

    def kwh(cell) -> float | None:
        return None if cell.energy_wh is None else round(cell.energy_wh / 1000, 3)

    return HistoryTable(
        unit="kWh",
        step=step,
        buckets=tuple(labels),
        x=tuple(xs),
        groups=tuple(g.label for g in result.groups),
        values=tuple(tuple(kwh(g.cells[i]) for i in indexes) for g in result.groups),
        coverage=tuple(result.buckets[i].coverage for i in indexes),
    )


def _comparison(home: Home, period: Period, result: Summary, now: datetime) -> Comparison:
    return Comparison(
        current_kwh=round(result.energy_wh / 1000, 3),
        previous_kwh=round(result.previous_energy_wh / 1000, 3),
        change_pct=result.energy_change_pct,
        previous=previous_period(home, period),
        to_date=period.start <= now < period.end,
        coverage=result.coverage,
    )


def history_figures(
    home: Home,
    period: Period,
    *,
    by: str = "device",
    categories: Iterable[str] = (CONSUMER,),
    now: datetime | None = None,
) -> tuple[HistoryTable, Comparison]:
    """Energy (kWh) per ``by`` group per step (:func:`choose_step`: UTC hour, local day or local
    month) of ``period`` up to now, and its comparison with the previous period, from one call of
    the summary layer (``analytics.summary``). Groups sorted by total, largest first; a bucket
    without readings is None (a gap), and ``coverage`` says how complete each figure is."""
    now = now or timezone.now()
    step = choose_step(period)
    result = _period_summary(home, period, resolution=step, by=by, categories=categories, now=now)
    return _history_table(home, result, step, now), _comparison(home, period, result, now)


def energy_history(
    home: Home,
    period: Period,
    *,
    by: str = "device",
    categories: Iterable[str] = (CONSUMER,),
    now: datetime | None = None,
) -> HistoryTable:
    """The table of :func:`history_figures`."""
    return history_figures(home, period, by=by, categories=categories, now=now)[0]


def compare_with_previous(
    home: Home, period: Period, *, categories: Iterable[str] = (CONSUMER,), now: datetime | None = None
) -> Comparison:
    """Energy of ``period`` (up to now) vs the previous period (up to the same elapsed point when
    ``period`` is still running), from the summary layer at day resolution."""
    now = now or timezone.now()
    result = _period_summary(home, period, resolution="day", by="device", categories=categories, now=now)
    return _comparison(home, period, result, now)


def power_history(
    home: Home,
    period: Period,
    *,
    by: str = "device",
    categories: Iterable[str] = (CONSUMER,),
    now: datetime | None = None,
) -> HistoryTable:
    """Mean power (W) per ``by`` group for periods up to POWER_MAX_DAYS: 15-minute steps from raw
    readings up to 2 days, hourly rollups beyond. Steps without data are None."""
    now = now or timezone.now()
    if period.days > POWER_MAX_DAYS:
        raise ValueError(f"the power view covers at most {POWER_MAX_DAYS} days")
    step = timedelta(minutes=15) if period.days <= 2 else HOUR
    end = min(period.end, now)
    devices = list(Device.objects.filter(home=home, type__category__in=list(categories)).select_related("home", "type"))
    if end <= period.start or not devices:
        return HistoryTable("W", "power", (), (), (), ())
    from analytics.summary import group_key, group_label

    group_of = {d.pk: (group_key(d, by), group_label(d, by)) for d in devices}
    points = power_series(devices=devices, start=period.start, end=end, step=step, by_device=True)
    cells: dict[tuple[datetime, object], float] = defaultdict(float)
    labels: dict[object, str] = {}
    for point in points:
        key, label = group_of[point.device_id]
        cells[(point.time, key)] += point.power_w
        labels[key] = label
    times = []
    moment = period.start
    while moment < end:
        times.append(moment)
        moment += step
    group_keys = sorted(labels, key=lambda k: labels[k])
    values = tuple(tuple(round(cells[(t, g)], 1) if (t, g) in cells else None for t in times) for g in group_keys)
    return HistoryTable(
        unit="W",
        step="power",
        buckets=tuple(f"{t.astimezone(home.zone):%a %H:%M}" for t in times),
        x=tuple(local_iso(t, home) for t in times),
        groups=tuple(labels[g] for g in group_keys),
        values=values,
    )

"""A deterministic simulator of a home's devices, for demos, backfills, tests and benchmarks.

Pure Python, no database: :func:`simulate_home` turns a list of :class:`SimDevice` into
readings ``(external_id, time, power_w, energy_wh_total)`` at a fixed step. Everything is
driven by ``random.Random`` instances derived from the seed, so a fixed seed gives the same
output every time. Day plans (washing runs, dinner, EV sessions, weather) are drawn per
*local date*, so the same seed gives the same day whatever the simulation started with.

Signs follow devices.models: consumers and solar >= 0, a battery +charge/-discharge, the
grid meter import > 0 / export < 0. The grid meter sees every simulated consumer plus an
optional unmetered base load, minus solar, plus the battery.
"""

from __future__ import annotations

import math
import random
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

LATITUDE_DEG = 52.5
LONGITUDE_DEG = 13.4

# DeviceType slug -> profile kind. Unknown slugs fall back on the type's category.
KIND_BY_SLUG = {
    "grid-meter": "grid",
    "solar-inverter": "solar",
    "home-battery": "battery",
    "ev-charger": "ev",
    "heat-pump": "heat_pump",
    "air-conditioner": "ac",
    "water-heater": "water_heater",
    "fridge": "fridge",
    "freezer": "freezer",
    "washing-machine": "washing_machine",
    "dryer": "dryer",
    "dishwasher": "dishwasher",
    "oven": "oven",
    "tv": "tv",
    "computer": "computer",
    "lighting": "lighting",
    "smart-plug": "standby",
    "other": "standby",
}
KIND_BY_CATEGORY = {"producer": "solar", "storage": "battery", "meter": "grid", "consumer": "standby"}
# Kinds that also report a cumulative energy meter (energy_wh_total, monotonic).
METERED_KINDS = frozenset({"solar", "ev", "heat_pump", "water_heater"})


@dataclass(frozen=True)
class SimDevice:
    """One device to simulate. ``kind`` is a profile name (see KIND_BY_SLUG's values)."""

    external_id: str
    kind: str
    rated_power_w: float | None = None
    min_power_w: float | None = None
    max_power_w: float | None = None


class SimReading(NamedTuple):
    # A NamedTuple, not a dataclass: half a million of these are made per month simulated.
    external_id: str
    time: datetime
    power_w: float
    energy_wh_total: float | None
    soc_pct: float | None = None  # batteries only


@dataclass
class Step:
    """What every profile may look at for one instant (shared weather and clock)."""

    time: datetime
    dt_s: float
    local_date: date
    hour: float  # local hour of day, 0..24
    weekday: int
    sun_elev: float  # degrees above the horizon
    sun_incidence: float  # cos of the angle between the sun and a 35° south-facing panel, >= 0
    outdoor_c: float


def _rng(*parts: object) -> random.Random:
    """A generator seeded by ``parts`` (str seeds hash the same in every process, unlike hash())."""
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - a simulation, not a secret


def kind_for(slug: str, category: str) -> str:
    """The profile kind for a device type slug (falling back on its category)."""
    return KIND_BY_SLUG.get(slug, KIND_BY_CATEGORY.get(category, "standby"))


def sun_position(
    moment: datetime, lat_deg: float = LATITUDE_DEG, lon_deg: float = LONGITUDE_DEG
) -> tuple[float, float]:
    """(elevation, azimuth) of the sun in degrees at an aware ``moment`` (NOAA approximation)."""
    utc = moment.astimezone(UTC)
    doy = utc.timetuple().tm_yday
    hours = utc.hour + utc.minute / 60 + utc.second / 3600
    gamma = 2 * math.pi / 365 * (doy - 1 + (hours - 12) / 24)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
    )
    solar_minutes = hours * 60 + eqtime + 4 * lon_deg
    hour_angle = math.radians(solar_minutes / 4 - 180)
    lat = math.radians(lat_deg)
    sin_elev = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    elev = math.asin(max(-1.0, min(1.0, sin_elev)))
    cos_az = (math.sin(decl) - math.sin(elev) * math.sin(lat)) / max(1e-9, math.cos(elev) * math.cos(lat))
    azimuth = math.degrees(math.acos(max(-1.0, min(1.0, cos_az))))
    if hour_angle > 0:
        azimuth = 360 - azimuth
    return math.degrees(elev), azimuth


def _panel_incidence(elev_deg: float, azimuth_deg: float, tilt_deg: float = 35.0) -> float:
    if elev_deg <= 0:
        return 0.0
    e, t = math.radians(elev_deg), math.radians(tilt_deg)
    cos_theta = math.sin(e) * math.cos(t) + math.cos(e) * math.sin(t) * math.cos(math.radians(azimuth_deg - 180))
    return max(0.0, cos_theta)


class _Weather:
    """Daily weather drawn per local date: mean temperature and cloudiness."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._days: dict[date, tuple[float, float, float]] = {}

    def day(self, d: date) -> tuple[float, float, float]:
        """(mean °C, daily swing °C, cloudiness 0..1) for local date ``d``."""
        if d not in self._days:
            rng = _rng(self.seed, "weather", d)
            doy = d.timetuple().tm_yday
            # Berlin-like climate: ~0 °C late January, ~19 °C late July.
            seasonal = 9.5 - 9.5 * math.cos(2 * math.pi * (doy - 20) / 365)
            self._days[d] = (seasonal + rng.gauss(0, 2.5), rng.uniform(3, 8), rng.betavariate(1.3, 1.3))
        return self._days[d]

    def temperature(self, d: date, hour: float) -> float:
        mean, swing, cloud = self.day(d)
        # Coldest around 05:00, warmest around 15:00; clouds damp the swing.
        return mean + swing * (1 - 0.5 * cloud) / 2 * math.cos(2 * math.pi * (hour - 15) / 24)


class _Profile:
    """One device's behaviour. ``power`` returns watts at ``step`` (before clamping)."""

    def __init__(self, device: SimDevice, seed: int) -> None:
        self.device = device
        self.seed = seed
        self.rng = _rng(seed, device.external_id)
        self._plans: dict[date, object] = {}

    def rated(self, default: float) -> float:
        return self.device.rated_power_w or default

    def plan(self, d: date) -> object:
        """This device's plan for local date ``d`` (drawn once, from a per-date generator)."""
        if d not in self._plans:
            self._plans[d] = self.make_plan(_rng(self.seed, self.device.external_id, d), d)
        return self._plans[d]

    def make_plan(self, rng: random.Random, d: date) -> object:
        return None

    def power(self, step: Step) -> float:
        raise NotImplementedError


class _Cycling(_Profile):
    """Fridge or freezer: compressor on ~20 min, off ~40 min, a few watts when off."""

    on_s, off_s, low, high = 20 * 60, 40 * 60, 100.0, 150.0

    def __init__(self, device: SimDevice, seed: int) -> None:
        super().__init__(device, seed)
        self.on_w = self.rng.uniform(self.low, self.high)
        self.is_on = self.rng.random() < 1 / 3
        self.left_s = self.rng.uniform(0, self.on_s if self.is_on else self.off_s)

    def power(self, step: Step) -> float:
        self.left_s -= step.dt_s
        if self.left_s <= 0:
            self.is_on = not self.is_on
            base = self.on_s if self.is_on else self.off_s
            # Dinner-time door openings and warm evenings lengthen the runs a little.
            self.left_s += base * self.rng.uniform(0.8, 1.25) * (1.15 if self.is_on and 17 <= step.hour < 21 else 1)
        if self.is_on:
            return self.on_w * self.rng.uniform(0.96, 1.04)
        return self.rng.uniform(2.0, 4.0)


class _Freezer(_Cycling):
    on_s, off_s, low, high = 25 * 60, 35 * 60, 80.0, 120.0


class _HeatPump(_Profile):
    """Air-source heat pump: heat demand follows the outdoor temperature; COP falls in the cold.
    ``target_c`` (a set_temperature command) moves the day set point; nights stay 3 °C lower."""

    target_c: float | None = None

    def power(self, step: Step) -> float:
        day = self.target_c if self.target_c is not None else 20.0
        setpoint = day if 6 <= step.hour < 22 else day - 3.0
        demand_w = max(0.0, setpoint - 2 - step.outdoor_c) * 180.0
        cop = max(1.8, 3.2 + 0.09 * step.outdoor_c)
        electric = demand_w / cop
        minimum = 450.0
        if electric < minimum:
            if electric < 40:
                return self.rng.uniform(8, 15)
            # Low demand: run at minimum modulation for part of each half hour.
            duty = electric / minimum
            phase = (step.time.timestamp() % 1800) / 1800
            return minimum * self.rng.uniform(0.95, 1.05) if phase < duty else self.rng.uniform(8, 15)
        return min(self.rated(3500.0), electric * self.rng.uniform(0.95, 1.05))


class _AirConditioner(_Profile):
    def power(self, step: Step) -> float:
        if step.outdoor_c <= 24 or not 9 <= step.hour < 23:
            return self.rng.uniform(1, 3)
        return min(self.rated(2500.0), (step.outdoor_c - 23) * 280 * self.rng.uniform(0.9, 1.1))


class _WaterHeater(_Profile):
    """A 2 kW tank heater: standby losses and showers empty the tank, a thermostat refills it."""

    def __init__(self, device: SimDevice, seed: int) -> None:
        super().__init__(device, seed)
        self.deficit_wh = self.rng.uniform(0, 1500)
        self.heating = False

    def make_plan(self, rng: random.Random, d: date) -> object:
        draws = [(rng.uniform(6.0, 8.0), rng.uniform(1200, 2500))]  # morning showers
        if rng.random() < 0.7:
            draws.append((rng.uniform(18.5, 22.0), rng.uniform(800, 2000)))
        return draws

    def power(self, step: Step) -> float:
        hours = step.dt_s / 3600
        self.deficit_wh += 60 * hours
        for start, wh in self.plan(step.local_date):  # each draw lasts 15 minutes
            if start <= step.hour < start + 0.25:
                self.deficit_wh += wh * min(1.0, hours / 0.25)
        rated = self.rated(2000.0)
        if self.heating and self.deficit_wh <= 0:
            self.heating = False
        elif not self.heating and self.deficit_wh > 1200:
            self.heating = True
        if self.heating:
            self.deficit_wh -= rated * hours
            return rated * self.rng.uniform(0.98, 1.02)
        return 0.0


class _Programme(_Profile):
    """An appliance running a programme of (seconds, watts) phases at planned local times."""

    phases: tuple[tuple[int, float], ...] = ()
    standby_w = 0.5

    def starts(self, rng: random.Random, d: date) -> list[float]:
        return []

    def make_plan(self, rng: random.Random, d: date) -> object:
        return self.starts(rng, d)

    def power(self, step: Step) -> float:
        total_s = sum(seconds for seconds, _ in self.phases)
        for day_offset in (0, 1):  # a run that started yesterday evening may still be going
            d = step.local_date - timedelta(days=day_offset)
            for start in self.plan(d):
                offset_s = (step.hour + 24 * day_offset - start) * 3600
                if 0 <= offset_s < total_s:
                    for seconds, watts in self.phases:
                        if offset_s < seconds:
                            return self.phase_power(watts, offset_s)
                        offset_s -= seconds
        return self.standby_w

    def phase_power(self, watts: float, offset_s: float) -> float:
        if watts >= 1000:  # heating element
            return watts * self.rng.uniform(0.97, 1.03)
        return watts * self.rng.uniform(0.6, 1.4)  # motors and pumps vary a lot


class _WashingMachine(_Programme):
    phases = ((4 * 60, 150.0), (14 * 60, 2000.0), (55 * 60, 180.0), (8 * 60, 60.0), (10 * 60, 450.0))

    def starts(self, rng: random.Random, d: date) -> list[float]:
        chance = 0.65 if d.weekday() >= 5 else 0.4
        return [rng.uniform(8.5, 19.5)] if rng.random() < chance else []


class _Dryer(_Programme):
    phases = ((80 * 60, 2200.0), (10 * 60, 200.0))

    def starts(self, rng: random.Random, d: date) -> list[float]:
        return [rng.uniform(11.0, 21.0)] if rng.random() < 0.3 else []


class _Dishwasher(_Programme):
    phases = ((10 * 60, 60.0), (20 * 60, 2000.0), (40 * 60, 80.0), (15 * 60, 2000.0), (30 * 60, 10.0))

    def starts(self, rng: random.Random, d: date) -> list[float]:
        return [rng.uniform(19.75, 22.0)] if rng.random() < 0.75 else []


class _Oven(_Profile):
    """Dinner on most days: a full-power preheat, then the thermostat cycling the element."""

    def make_plan(self, rng: random.Random, d: date) -> object:
        meals = []
        if rng.random() < 0.6:
            meals.append((rng.uniform(17.5, 19.0), rng.uniform(30, 70) * 60))
        if d.weekday() >= 5 and rng.random() < 0.3:
            meals.append((rng.uniform(11.5, 12.5), rng.uniform(30, 60) * 60))
        return meals

    def power(self, step: Step) -> float:
        rated = self.rated(2800.0)
        for start, duration_s in self.plan(step.local_date):
            offset_s = (step.hour - start) * 3600
            if 0 <= offset_s < 12 * 60:
                return rated * self.rng.uniform(0.97, 1.03)
            if 0 <= offset_s < 12 * 60 + duration_s:
                return rated if (offset_s % 300) < 120 else 0.0
        return 0.0


class _EvCharger(_Profile):
    """Plugged in on some evenings; charges at night at full power until the car is full."""

    def make_plan(self, rng: random.Random, d: date) -> object:
        if rng.random() >= 0.45:
            return None
        start = rng.uniform(22.0, 24.5)  # after the evening peak; may start past midnight
        energy_wh = rng.uniform(8_000, 40_000)
        return start, energy_wh / self.rated(11_000.0) * 3600

    def power(self, step: Step) -> float:
        rated = self.rated(11_000.0)
        for day_offset in (0, 1):
            session = self.plan(step.local_date - timedelta(days=day_offset))
            if session is None:
                continue
            start, duration_s = session
            offset_s = (step.hour + 24 * day_offset - start) * 3600
            if 0 <= offset_s < duration_s:
                # The car's charger tapers over the last ten minutes.
                taper = min(1.0, 0.4 + (duration_s - offset_s) / 1000)
                return rated * taper * self.rng.uniform(0.98, 1.0)
        return self.rng.uniform(2.0, 4.0)


class _Lighting(_Profile):
    def make_plan(self, rng: random.Random, d: date) -> object:
        return rng.uniform(6.0, 7.0), rng.uniform(22.5, 24.0)  # wake-up, bedtime

    def power(self, step: Step) -> float:
        wake, bed = self.plan(step.local_date)
        awake = wake <= step.hour < bed
        if not awake:
            return self.rng.uniform(3, 6)
        darkness = max(0.0, min(1.0, (8 - step.sun_elev) / 10))
        evening = 1.3 if 18 <= step.hour < 22 else 1.0
        return 5 + self.rated(260.0) * darkness * evening * self.rng.uniform(0.7, 1.0)


class _Tv(_Profile):
    def make_plan(self, rng: random.Random, d: date) -> object:
        shows = []
        if rng.random() < 0.85:
            start = rng.uniform(19.0, 21.0)
            shows.append((start, start + rng.uniform(1.0, 3.0)))
        if d.weekday() >= 5 and rng.random() < 0.4:
            start = rng.uniform(14.0, 17.0)
            shows.append((start, start + rng.uniform(0.5, 2.0)))
        return shows

    def power(self, step: Step) -> float:
        if any(a <= step.hour < b for a, b in self.plan(step.local_date)):
            return self.rated(110.0) * self.rng.uniform(0.8, 1.1)
        return 0.5


class _Computer(_Profile):
    def make_plan(self, rng: random.Random, d: date) -> object:
        if d.weekday() < 5 and rng.random() < 0.7:  # working from home
            return rng.uniform(8.0, 9.5), rng.uniform(16.5, 18.5)
        return (rng.uniform(20, 21), rng.uniform(21.5, 23.5)) if rng.random() < 0.5 else None

    def power(self, step: Step) -> float:
        session = self.plan(step.local_date)
        if session and session[0] <= step.hour < session[1]:
            return self.rated(120.0) * self.rng.uniform(0.4, 1.0)
        return self.rng.uniform(1.5, 3.0)


class _Standby(_Profile):
    def power(self, step: Step) -> float:
        return self.rated(8.0) * self.rng.uniform(0.85, 1.15)


class _Solar(_Profile):
    """A south-facing array: clear-sky irradiance from the sun's position, dimmed by clouds."""

    def __init__(self, device: SimDevice, seed: int, weather: _Weather) -> None:
        super().__init__(device, seed)
        self.weather = weather
        self.passing = 0.0  # fast cloud fluctuation, a mean-reverting random walk

    def power(self, step: Step) -> float:
        if step.sun_elev <= 0:
            return 0.0
        cloudiness = self.weather.day(step.local_date)[2]
        keep = math.exp(-step.dt_s / 600)
        self.passing = self.passing * keep + self.rng.gauss(0, 0.35) * math.sqrt(1 - keep * keep)
        cover = max(0.0, min(1.0, cloudiness + 0.35 * self.passing * (1 - abs(cloudiness - 0.5))))
        air_mass = 1 / max(0.05, math.sin(math.radians(step.sun_elev)))
        direct = 1.1 * 0.7 ** (air_mass**0.678)
        clear = direct * step.sun_incidence + 0.12 * math.sin(math.radians(step.sun_elev))
        return max(0.0, self.rated(8000.0) * 0.95 * clear * (1 - 0.8 * cover))


def _profile_for(device: SimDevice, seed: int, weather: _Weather) -> _Profile | None:
    classes: dict[str, type[_Profile]] = {
        "fridge": _Cycling,
        "freezer": _Freezer,
        "heat_pump": _HeatPump,
        "ac": _AirConditioner,
        "water_heater": _WaterHeater,
        "washing_machine": _WashingMachine,
        "dryer": _Dryer,
        "dishwasher": _Dishwasher,
        "oven": _Oven,
        "ev": _EvCharger,
        "lighting": _Lighting,
        "tv": _Tv,
        "computer": _Computer,
        "standby": _Standby,
    }
    if device.kind == "solar":
        return _Solar(device, seed, weather)
    cls = classes.get(device.kind)
    return cls(device, seed) if cls else None


class HomeSimulator:
    """Steps a whole home forward in time, keeping state (compressor cycles, tank, battery charge).

    ``energy_wh_total`` carries on from ``initial_energy_wh`` (per external id) so a live run can
    continue the meters a backfill left; ``battery_soc`` is the battery's starting charge (0..1).
    """

    def __init__(
        self,
        devices: list[SimDevice],
        *,
        seed: int = 0,
        time_zone: str = "Europe/Berlin",
        unmetered_w: float = 0.0,
        battery_capacity_wh: float = 10_000.0,
        battery_soc: float = 0.5,
        initial_energy_wh: dict[str, float] | None = None,
    ) -> None:
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.weather = _Weather(seed)
        self.unmetered_w = unmetered_w
        self.rng = _rng(seed, "home")
        self.devices = devices
        self.profiles = {d.external_id: p for d in devices if (p := _profile_for(d, seed, self.weather))}
        self.batteries = [d for d in devices if d.kind == "battery"]
        self.grids = [d for d in devices if d.kind == "grid"]
        self.capacity_wh = battery_capacity_wh
        self.stored_wh = {d.external_id: battery_capacity_wh * battery_soc for d in self.batteries}
        self.meters = {
            d.external_id: (initial_energy_wh or {}).get(d.external_id, 0.0) for d in devices if d.kind in METERED_KINDS
        }
        self._last: dict[str, float] = {}
        # What commands changed: devices switched off, modes, charge limits (percent).
        self.switched_off: set[str] = set()
        self.modes: dict[str, str] = {}
        self.charge_limits: dict[str, int] = {}

    def apply_command(self, external_id: str, command_type: str, payload: dict) -> dict:
        """Obey a device command like the real device would; returns the state it now reports.
        KeyError for an unknown device, ValueError for a command it cannot follow."""
        device = next(d for d in self.devices if d.external_id == external_id)
        profile = self.profiles.get(external_id)
        if command_type == "set_power":
            if payload["on"]:
                self.switched_off.discard(external_id)
            else:
                self.switched_off.add(external_id)
            return {"on": bool(payload["on"])}
        if command_type == "set_temperature":
            if not isinstance(profile, _HeatPump):
                raise ValueError(f"{device.kind} has no thermostat here")
            profile.target_c = float(payload["temperature_c"])
            return {"temperature_c": profile.target_c}
        if command_type == "set_mode":
            self.modes[external_id] = payload["mode"]
            return {"mode": payload["mode"]}
        if command_type == "set_charge_limit":
            self.charge_limits[external_id] = int(payload["limit_pct"])
            return {"limit_pct": int(payload["limit_pct"])}
        raise ValueError(f"unknown command {command_type}")

    def _obeyed(self, external_id: str, watts: float) -> float:
        if external_id in self.switched_off or self.modes.get(external_id) == "off":
            return 0.0
        limit = self.charge_limits.get(external_id)
        if limit is not None and self.profiles.get(external_id) and isinstance(self.profiles[external_id], _EvCharger):
            return watts * limit / 100
        return watts

    @property
    def battery_soc(self) -> float:
        """Mean state of charge of the batteries, 0..1 (0 when there is none)."""
        if not self.stored_wh:
            return 0.0
        return sum(self.stored_wh.values()) / (self.capacity_wh * len(self.stored_wh))

    def _context(self, moment: datetime, dt_s: float) -> Step:
        local = moment.astimezone(self.zone)
        hour = local.hour + local.minute / 60 + local.second / 3600
        elev, azimuth = sun_position(moment)
        return Step(
            time=moment,
            dt_s=dt_s,
            local_date=local.date(),
            hour=hour,
            weekday=local.weekday(),
            sun_elev=elev,
            sun_incidence=_panel_incidence(elev, azimuth),
            outdoor_c=self.weather.temperature(local.date(), hour),
        )

    def step(self, moment: datetime, dt_s: float) -> list[SimReading]:
        """Readings of every device at ``moment`` (aware); ``dt_s`` is the time since the last step."""
        ctx = self._context(moment, dt_s)
        readings: list[SimReading] = []
        powers: dict[str, float] = {}
        consumption = self.unmetered_w * self.rng.uniform(0.9, 1.1) if self.unmetered_w else 0.0
        solar = 0.0
        for external_id, profile in self.profiles.items():
            watts = round(self._obeyed(external_id, _clamp(profile.power(ctx), profile.device)), 1)
            powers[external_id] = watts
            if profile.device.kind == "solar":
                solar += watts
            else:
                consumption += watts
        battery = 0.0
        for device in self.batteries:
            watts = round(self._battery_power(device, solar - consumption - battery, dt_s), 1)
            powers[device.external_id] = watts
            battery += watts
        grid = round(consumption - solar + battery, 1)
        for device in self.grids:
            powers[device.external_id] = grid
        for device in self.devices:
            if device.external_id not in powers:
                continue
            watts = powers[device.external_id]
            meter = None
            soc = None
            if device.kind == "battery":
                soc = round(self.stored_wh[device.external_id] / self.capacity_wh * 100, 1)
            if device.external_id in self.meters:
                # Power holds until the next reading, so the meter adds the previous power.
                self.meters[device.external_id] += self._last.get(device.external_id, 0.0) * dt_s / 3600
                meter = round(self.meters[device.external_id], 3)
            self._last[device.external_id] = watts
            readings.append(SimReading(device.external_id, moment, watts, meter, soc))
        return readings

    def _battery_power(self, device: SimDevice, surplus_w: float, dt_s: float) -> float:
        """Charge on surplus, discharge on deficit, within power and state-of-charge limits."""
        limit = device.rated_power_w or 5000.0
        stored = self.stored_wh[device.external_id]
        mode = self.modes.get(device.external_id, "auto")
        if device.external_id in self.switched_off or mode in {"idle", "off"}:
            return 0.0
        ceiling = self.charge_limits.get(device.external_id, 95) / 100
        if mode == "charge":
            surplus_w = limit
        elif mode in {"discharge"}:
            surplus_w = -limit
        elif mode == "backup" and surplus_w < 0:
            return 0.0
        hours = dt_s / 3600 or 1 / 60
        if surplus_w > 20:
            watts = min(surplus_w, limit, (self.capacity_wh * ceiling - stored) / hours / 0.95)
            watts = max(0.0, watts)
            self.stored_wh[device.external_id] = stored + watts * hours * 0.95
        elif surplus_w < -20:
            watts = -max(0.0, min(-surplus_w, limit, (stored - self.capacity_wh * 0.05) / hours))
            self.stored_wh[device.external_id] = stored + watts * hours
        else:
            watts = 0.0
        return watts


def _clamp(watts: float, device: SimDevice) -> float:
    if device.max_power_w is not None:
        watts = min(watts, device.max_power_w)
    if device.min_power_w is not None:
        watts = max(watts, device.min_power_w)
    return watts


def simulate_home(
    devices: list[SimDevice],
    start: datetime,
    end: datetime,
    step_s: int = 60,
    seed: int = 0,
    *,
    time_zone: str = "Europe/Berlin",
    unmetered_w: float = 0.0,
    simulator: HomeSimulator | None = None,
) -> Iterator[SimReading]:
    """Readings of ``devices`` every ``step_s`` seconds from ``start`` (inclusive) to ``end`` (exclusive).

    ``start`` and ``end`` are aware datetimes; times are UTC, aligned to multiples of
    ``step_s`` since the epoch (so two runs over overlapping periods give the same
    timestamps). Local behaviour (dinner, nights) follows ``time_zone``. Pass ``simulator``
    to continue a simulation (and its battery and meters) instead of starting a new one.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    sim = simulator or HomeSimulator(devices, seed=seed, time_zone=time_zone, unmetered_w=unmetered_w)
    epoch = math.ceil(start.timestamp() / step_s) * step_s
    stop = end.timestamp()
    while epoch < stop:
        yield from sim.step(datetime.fromtimestamp(epoch, tz=UTC), float(step_s))
        epoch += step_s

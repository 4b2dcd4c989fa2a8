"""The two homes the evaluation asks questions about, and the plain-Python truth about them.

* ``demo``: a demo-like home in Europe/Berlin (five devices, one reading per device every 5 minutes
  from 19 Oct 2026, asked at ``DEMO_NOW``), written through the services (register_device,
  ingest_readings, rollup_dirty_hours, save_tariff, reprice_hours).
* ``uci``: the real UCI household (../shared/datasets/uci-household/, 1-minute circuit power,
  Jan-Mar 2007) in a UTC home with a flat tariff, asked just after its last day (``UCI_NOW``). Its
  hourly rollups come from telemetry's energy rule (integrate_readings) as in
  analytics/tests/test_costs_dataset.py; importing 362,864 raw rows through ingest would take minutes.

``Truth`` holds what each device drew, as (start, seconds, watts) spans taken from the generating
patterns or the raw CSV, and answers energy / power questions by summing them: it never calls a
selector or the engine, so the evaluation checks the engine against the data, not against itself.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "uci-household" / "readings.csv.gz"
BERLIN = ZoneInfo("Europe/Berlin")
DEMO_START = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)
DEMO_NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)  # Wed 4 Nov 2026, 11:00 in Berlin
DEMO_STEP = timedelta(minutes=5)  # readings every 5 minutes; patterns change every 15
DEMO_PRICE = Decimal("0.3000")
UCI_NOW = datetime(2007, 3, 5, 0, 5, tzinfo=UTC)  # Mon 5 Mar 2007, just after the last day (4 Mar)
UCI_PRICE = Decimal("0.1500")

# external id, type, name, room, watts at 15-minute step n (n = 0 at DEMO_START)
DEMO_DEVICES = [
    ("d-heat-pump", "heat-pump", "Heat pump", "Garden", lambda n: 900.0 + (n % 16) * 40),
    ("d-fridge", "fridge", "Fridge", "Kitchen", lambda n: 70.0 + (n % 2) * 40),
    ("d-ev", "ev-charger", "Wallbox", "Garage", lambda n: 7200.0 if (n // 4) % 24 == 22 and (n // 96) % 3 else 0.0),
    ("d-oven", "oven", "Oven", "Kitchen", lambda n: 2100.0 if (n // 4) % 24 == 17 and (n // 96) % 2 else 0.0),
    ("d-water", "water-heater", "Water heater", "Basement", lambda n: 1800.0 if (n // 4) % 24 in (5, 6) else 8.0),
]
# CSV device -> (type, name, room)
UCI_DEVICES = {
    "kitchen": ("dishwasher", "Kitchen circuit", "Kitchen"),
    "laundry": ("washing-machine", "Laundry circuit", "Laundry"),
    "water_heater_ac": ("water-heater", "Water heater and AC", "Utility"),
    "other": ("other", "Rest of house", "House"),
}


@dataclass
class Truth:
    """Per device name: {UTC hour start: Wh} and the spans' power (for 15-minute peaks), from raw data."""

    zone: ZoneInfo
    now: datetime
    hourly: dict[str, dict[datetime, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    spans: dict[str, list[tuple[datetime, float]]] = field(default_factory=lambda: defaultdict(list))
    last: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, start: datetime, seconds: float, watts: float) -> None:
        hour = start.replace(minute=0, second=0, microsecond=0)
        self.hourly[name][hour] += watts * seconds / 3600
        self.spans[name].append((start, watts))
        self.last[name] = watts

    @property
    def names(self) -> list[str]:
        return list(self.hourly)

    def hours(self, names, start: datetime, end: datetime) -> dict[datetime, float]:
        out: dict[datetime, float] = defaultdict(float)
        for name in names:
            for hour, wh in self.hourly[name].items():
                if start <= hour < end:
                    out[hour] += wh
        return dict(out)

    def kwh(self, names, start: datetime, end: datetime) -> float:
        return sum(self.hours(names, start, end).values()) / 1000

    def days(self, names, start: datetime, end: datetime) -> dict[date, float]:
        out: dict[date, float] = defaultdict(float)
        for hour, wh in self.hours(names, start, end).items():
            out[hour.astimezone(self.zone).date()] += wh
        return dict(out)

    def peak_quarter_w(self, names, start: datetime, end: datetime) -> float:
        """Highest 15-minute mean (W) of the devices summed (demo patterns hold each quarter hour)."""
        out: dict[datetime, float] = defaultdict(float)
        for name in names:
            for moment, watts in self.spans[name]:
                if start <= moment < end:
                    out[moment] += watts
        return max(out.values())


def seed_demo(owner):
    """The demo-like home (Berlin, EUR, flat 0.30 EUR/kWh, no standing charge) and its Truth."""
    from accounts.services import create_home
    from analytics.models import Tariff
    from analytics.services import reprice_hours, save_tariff
    from devices.services import register_device
    from telemetry.rollups import rollup_dirty_hours
    from telemetry.services import ingest_readings

    home = create_home(owner=owner, name="Eval demo home", time_zone="Europe/Berlin", currency="EUR")
    truth = Truth(BERLIN, DEMO_NOW)
    steps = int((DEMO_NOW - DEMO_START) / DEMO_STEP)
    for external_id, slug, name, room, pattern in DEMO_DEVICES:
        device = register_device(home=home, type=slug, name=name, room=room, external_id=external_id).device
        items = []
        for n in range(steps):
            moment = DEMO_START + n * DEMO_STEP
            watts = pattern(n // 3)
            items.append({"time": moment.isoformat(), "power_w": watts})
            truth.add(name, moment, DEMO_STEP.total_seconds(), watts)
        for i in range(0, len(items), 5000):
            ingest_readings(device=device, items=items[i : i + 5000])
    save_tariff(
        home=home,
        name="Flat",
        kind=Tariff.Kind.FLAT,
        effective_from=date(2026, 9, 1),
        import_price_per_kwh=DEMO_PRICE,
        standing_charge_per_day=Decimal("0"),
    )
    while rollup_dirty_hours(limit=5000).claimed:
        pass
    reprice_hours(home=home, start=DEMO_START - timedelta(days=1), end=DEMO_NOW + timedelta(hours=1))
    return home, truth


def read_dataset() -> dict[str, list[tuple[datetime, float]]]:
    """The raw CSV: per CSV device, (minute start UTC, W) in order."""
    rows: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    with gzip.open(DATASET, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
            rows[row["device"]].append((moment, float(row["power_watts"])))
    return rows


def seed_uci(owner, rows: dict[str, list[tuple[datetime, float]]]):
    """The dataset home (UTC, EUR, flat 0.15 EUR/kWh, no standing charge) and its Truth (minute by minute)."""
    from accounts.services import create_home
    from analytics.models import Tariff
    from analytics.services import reprice_hours, save_tariff
    from devices.services import register_device
    from telemetry.energy import Sample, integrate_readings
    from telemetry.models import HourlyRollup

    home = create_home(owner=owner, name="Sceaux household", time_zone="Etc/UTC", currency="EUR")
    truth = Truth(ZoneInfo("Etc/UTC"), UCI_NOW)
    for key, (slug, name, room) in UCI_DEVICES.items():
        device = register_device(home=home, type=slug, name=name, room=room, external_id=f"uci-{key}").device
        for moment, watts in rows[key]:
            truth.add(name, moment, 60, watts)
        buckets = integrate_readings(Sample(t, p) for t, p in rows[key])
        HourlyRollup.objects.bulk_create(
            HourlyRollup(
                device=device,
                hour=b.start,
                energy_wh=b.energy_wh,
                mean_power_w=b.mean_power_w,
                min_power_w=b.min_power_w,
                max_power_w=b.max_power_w,
                samples=b.samples,
            )
            for b in buckets
        )
    save_tariff(
        home=home,
        name="Flat",
        kind=Tariff.Kind.FLAT,
        effective_from=date(2006, 12, 1),
        import_price_per_kwh=UCI_PRICE,
        standing_charge_per_day=Decimal("0"),
    )
    reprice_hours(home=home, start=datetime(2007, 1, 1, tzinfo=UTC), end=UCI_NOW)
    return home, truth

"""A 90-day summary (energy and cost, by device and by local day) of a 20-device home: rollups vs raw readings.

    .venv/bin/python bench/summary.py [--days 90] [--devices 20] [--calls 100] [--raw-calls 5]
        [--interval-s 300] [--database-url postgres://postgres@127.0.0.1:5432/eh_bench_summary]

Builds one home with ``--devices`` consumers and a flat tariff, stores readings every
``--interval-s`` seconds for ``--days`` days, rolls them up into hourly rollups with the
energy rule, and prices every hour (analytics.services.reprice_hours). Then times:

(a) rollups: energy by device and by day (telemetry.selectors.energy_by) plus cost by device
    and by day (analytics.costs) — what the pages call — ``--calls`` times, and each part alone;
(b) the summary layer: ``analytics.summary.summary`` by device and local day over the same 90
    local days (energy, cost, coverage, peak, base load, previous period, the home's bill) —
    what the API, reports and the assistant call — ``--calls`` times;
(c) raw (the ceiling): the same energy figures computed from the raw readings with the energy
    rule, ``--raw-calls`` times (it is much slower).

Prints p50 and p95 in milliseconds for each and the ratio raw / rollups. After loading, the
tables are ANALYZEd as autovacuum would do in production (``--no-analyze`` skips it: the
planner then still believes the freshly filled tables are empty and picks nested loops; that is
how the first README figure, p95 152 ms, was measured). The database is created when missing;
everything in it may be dropped. Not part of the test suite. Unknown arguments (``make bench``
passes ``--n``) are ignored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from _postgres import ensure_database, setup_django  # bench/ is on sys.path when a benchmark runs

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/eh_bench_summary"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--raw-calls", type=int, default=5)
    parser.add_argument("--interval-s", type=int, default=300, help="seconds between readings of a device")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SUMMARY_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--no-analyze", action="store_true", help="leave the planner statistics stale")
    args, _unknown = parser.parse_known_args()
    return args


def build_home(args: argparse.Namespace, start: datetime):
    import random

    from accounts.models import Home, User
    from accounts.services import create_home
    from analytics.models import Tariff
    from analytics.services import reprice_hours, save_tariff
    from devices.models import Device, DeviceType
    from telemetry.energy import Sample, integrate_readings
    from telemetry.models import HourlyRollup, Reading

    Home.objects.filter(name="Bench summary").delete()
    owner, _ = User.objects.get_or_create(email="bench-summary@example.com")
    home = create_home(owner=owner, name="Bench summary", time_zone="Europe/Berlin", currency="EUR")
    kind = DeviceType.objects.get(slug="smart-plug")
    rng = random.Random(1)
    steps = args.days * 86400 // args.interval_s
    end = start + timedelta(days=args.days)
    for n in range(args.devices):
        device = Device.objects.create(home=home, type=kind, name=f"Plug {n:02d}", external_id=f"bench-sum-{n}")
        base = rng.uniform(20, 400)
        samples = [
            Sample(start + timedelta(seconds=i * args.interval_s), round(base * rng.uniform(0.5, 1.5), 1))
            for i in range(steps)
        ]
        Reading.objects.bulk_create(
            (Reading(device=device, time=s.time, power_w=s.power_w) for s in samples), batch_size=5000
        )
        HourlyRollup.objects.bulk_create(
            (
                HourlyRollup(
                    device=device,
                    hour=b.start,
                    energy_wh=b.energy_wh,
                    mean_power_w=b.mean_power_w,
                    min_power_w=b.min_power_w,
                    max_power_w=b.max_power_w,
                    samples=b.samples,
                )
                for b in integrate_readings(samples, max_gap=timedelta(seconds=args.interval_s))
                if b.start < end
            ),
            batch_size=5000,
        )
    save_tariff(
        home=home,
        name="Flat",
        kind=Tariff.Kind.FLAT,
        effective_from=date(2000, 1, 1),
        import_price_per_kwh=Decimal("0.30"),
        standing_charge_per_day=Decimal("0.40"),
    )
    reprice_hours(home=home, start=start, end=end)
    return home


def summary_from_rollups(home, start: datetime, end: datetime) -> None:
    from analytics.costs import cost_by_device, daily_costs
    from telemetry.selectors import energy_by

    energy_by(home=home, start=start, end=end, by="device")
    energy_by(home=home, start=start, end=end, by="day")
    cost_by_device(home=home, start=start, end=end)
    daily_costs(home=home, start=start, end=end)


def summary_layer(home, first_day: date, days: int) -> None:
    from analytics.selectors import local_midnight
    from analytics.summary import summary

    start = local_midnight(first_day, home)
    summary(home=home, start=start, end=local_midnight(first_day + timedelta(days=days), home))


def summary_from_raw(home, start: datetime, end: datetime, max_gap: timedelta) -> None:
    from telemetry.energy import Sample, integrate_readings
    from telemetry.models import Reading

    by_device: dict[int, list[Sample]] = defaultdict(list)
    rows = (
        Reading.objects.filter(device__home=home, time__gte=start, time__lt=end)
        .order_by("device_id", "time")
        .values_list("device_id", "time", "power_w")
    )
    for device_id, moment, power_w in rows.iterator(chunk_size=20_000):
        by_device[device_id].append(Sample(moment, power_w))
    per_device: dict[int, float] = defaultdict(float)
    per_day: dict[date, float] = defaultdict(float)
    zone = home.zone
    for device_id, samples in by_device.items():
        for bucket in integrate_readings(samples, max_gap=max_gap):
            if start <= bucket.start < end:
                per_device[device_id] += bucket.energy_wh
                per_day[bucket.start.astimezone(zone).date()] += bucket.energy_wh


def timed(fn, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return times


def report(label: str, times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    print(f"{label:<44} n={len(times):>4}  p50 {p50:9.1f} ms  p95 {p95:9.1f} ms", flush=True)
    return p50, p95


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> int:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=args.days)
    began = time.perf_counter()
    home = build_home(args, start)
    readings = args.devices * args.days * 86400 // args.interval_s
    print(
        f"home: {args.devices} devices, {args.days} days, a reading every {args.interval_s} s "
        f"({readings:,} readings); set up in {time.perf_counter() - began:.0f} s"
    )
    if not args.no_analyze:
        analyze()
    from analytics.costs import cost_by_device, daily_costs
    from telemetry.selectors import energy_by

    parts = {
        "  energy_by device": lambda: energy_by(home=home, start=start, end=end, by="device"),
        "  energy_by day": lambda: energy_by(home=home, start=start, end=end, by="day"),
        "  cost_by_device": lambda: cost_by_device(home=home, start=start, end=end),
        "  daily_costs": lambda: daily_costs(home=home, start=start, end=end),
    }
    rollups = report(
        "summary from rollups (energy + cost)", timed(lambda: summary_from_rollups(home, start, end), args.calls)
    )
    for label, part in parts.items():
        report(label, timed(part, max(10, args.calls // 4)))
    report(
        "summary layer (analytics.summary, by device/day)",
        timed(lambda: summary_layer(home, start.date(), args.days), args.calls),
    )
    gap = timedelta(seconds=args.interval_s)
    raw = report(
        "energy summary from raw readings", timed(lambda: summary_from_raw(home, start, end, gap), args.raw_calls)
    )
    print(f"ceiling ratio (raw / rollups): p50 {raw[0] / rollups[0]:.0f}x, p95 {raw[1] / rollups[1]:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

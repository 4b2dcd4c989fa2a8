"""Time of a large home's nightly insight jobs: forecasts, anomalies, recommendations, the page's standby.

    .venv/bin/python bench/insights.py [--devices 20] [--days 91] [--runs 3]
        [--database-url postgres://postgres@127.0.0.1:5432/eh_bench_insights]

Builds one home with ``--devices`` consumers (a mix of shiftable and always-on types) and
``--days`` days of hourly rollups (a daily shape with noise, written directly), under a
time-of-use tariff; then times, ``--runs`` times each: recompute_forecasts (home + every device,
7/30 days, hourly/daily, with the back-test that picks the model), detect_anomalies (last two
days), evaluate_recommendations and standby(). Prints the median and the slowest run in seconds.
The database is created when missing; everything in it may be dropped. Not part of the test suite.
Unknown arguments (``make bench`` passes ``--n``) are ignored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from _postgres import ensure_database, setup_django  # bench/ is on sys.path when a benchmark runs

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/eh_bench_insights"
TYPES = ["washing-machine", "dishwasher", "fridge", "tv", "computer", "lighting", "water-heater", "heat-pump"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_INSIGHTS_DATABASE_URL", DEFAULT_DB))
    args, _unknown = parser.parse_known_args()
    return args


def build_home(args: argparse.Namespace, end: datetime):
    import random

    from accounts.models import Home, User
    from accounts.services import create_home
    from analytics.models import Tariff
    from analytics.services import save_tariff
    from devices.models import Device, DeviceType
    from telemetry.models import HourlyRollup

    Home.objects.filter(name="Bench insights").delete()
    owner, _ = User.objects.get_or_create(email="bench-insights@example.com")
    home = create_home(owner=owner, name="Bench insights", time_zone="Europe/Berlin", currency="EUR")
    rng = random.Random(7)
    start = end - timedelta(days=args.days)
    for n in range(args.devices):
        slug = TYPES[n % len(TYPES)]
        kind = DeviceType.objects.get(slug=slug)
        device = Device.objects.create(home=home, type=kind, name=f"{kind.name} {n:02d}", external_id=f"bench-ins-{n}")
        base, peak, peak_hour = rng.uniform(2, 60), rng.uniform(200, 2000), rng.randrange(24)
        rows = []
        for i in range(args.days * 24):
            hour = start + timedelta(hours=i)
            local = hour.astimezone(home.zone)
            busy = local.hour == peak_hour and rng.random() < 0.6
            energy = base * rng.uniform(0.8, 1.2) + (peak * rng.uniform(0.7, 1.3) if busy else 0.0)
            rows.append(HourlyRollup(device=device, hour=hour, energy_wh=energy, mean_power_w=energy,
                                     min_power_w=base, max_power_w=energy, samples=60))  # fmt: skip
        HourlyRollup.objects.bulk_create(rows, batch_size=5000)
    save_tariff(
        home=home,
        name="Peak and off-peak",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=date(2000, 1, 1),
        windows=[
            {"name": "Off-peak", "start_time": "22:00", "end_time": "07:00", "price_per_kwh": Decimal("0.15")},
            {"name": "Peak", "start_time": "07:00", "end_time": "22:00", "price_per_kwh": Decimal("0.30")},
        ],
    )
    return home


def timed(label: str, runs: int, call) -> None:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - began)
    print(f"{label:<32} median {statistics.median(seconds):6.2f} s   max {max(seconds):6.2f} s   ({result})")


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from analytics import insight_services
    from analytics.standby import standby

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    end = now.replace(hour=0)
    home = build_home(args, end)
    print(
        f"Home with {args.devices} devices and {args.days} days of hourly rollups"
        f" ({args.devices * args.days * 24:,} rows)"
    )
    timed("forecasts", args.runs, lambda: insight_services.recompute_forecasts(home=home, now=now))
    timed("anomalies", args.runs, lambda: insight_services.detect_anomalies(home=home, now=now))
    timed("recommendations", args.runs, lambda: insight_services.evaluate_recommendations(home=home, now=now))
    timed("standby (page)", args.runs, lambda: len(standby(home, now=now).devices))
    timed("nightly (forecasts + anomalies)", args.runs, lambda: insight_services.run_nightly(home=home, now=now))


if __name__ == "__main__":
    main()

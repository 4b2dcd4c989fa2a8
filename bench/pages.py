"""Benchmark: how long the dashboard and a 90-day history page take, beside a constant JSON view.

Run: ``.venv/bin/python bench/pages.py [--n 30]`` (not part of the test suite).

It builds a throw-away SQLite database under a temporary VAR_DIR (the embedded profile, with
the in-memory cache and channel layer), migrates it, and creates two homes:

* **demo-size**: the 12 devices of ``seed_demo``, 30 days of history;
* **large**: 20 devices, 90 days of history.

For speed the history is written as hourly and daily rollups directly (what the pages read;
the rollup task would produce the same rows from readings), plus raw readings once a minute
for the last 3 hours (what the dashboard chart's recent part and the live values read).

Each page is requested N times through Django's test client (full middleware stack, a
signed-in session) after two warm-up requests; the median in milliseconds is printed, with
its ratio to "a constant JSON view" (a JsonResponse of a constant behind the same middleware,
measured in the same run): the ceiling no page can beat.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="eh-bench-"))
os.environ.pop("DATABASE_URL", None)
os.environ["REDIS_URL"] = "memory://"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "energyhome.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def constant_json(request):
    return JsonResponse({"status": "ok", "value": 42})


urlpatterns = [path("bench/constant/", constant_json), path("", include("energyhome.urls"))]

DEMO_TYPES = [
    "grid-meter",
    "solar-inverter",
    "home-battery",
    "ev-charger",
    "heat-pump",
    "fridge",
    "freezer",
    "washing-machine",
    "dishwasher",
    "oven",
    "tv",
    "lighting",
]
LARGE_EXTRA = ["smart-plug", "computer", "air-conditioner", "water-heater", "dryer", "other", "tv", "lighting"]


def build_home(owner, name: str, types: list[str], days: int):
    from accounts.services import create_home
    from devices.services import register_device
    from telemetry.models import DailyRollup, HourlyRollup, Reading

    home = create_home(owner=owner, name=name, time_zone="Europe/Berlin", currency="EUR")
    rng = random.Random(name)
    now = datetime.now(UTC)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    hourly, daily, raw = [], [], []
    for index, slug in enumerate(types):
        device = register_device(home=home, type=slug, name=f"{slug} {index}", room=f"Room {index % 5}").device
        base = {"grid-meter": 400, "solar-inverter": 900, "home-battery": 100}.get(slug, 50 + 30 * index)
        per_day: dict = {}
        for h in range(days * 24):
            hour = this_hour - timedelta(hours=h + 1)
            power = base * (0.5 + rng.random())
            hourly.append(
                HourlyRollup(
                    device=device,
                    hour=hour,
                    energy_wh=power,
                    mean_power_w=power,
                    min_power_w=0,
                    max_power_w=power * 2,
                    samples=60,
                )
            )
            day = hour.astimezone(home.zone).date()
            per_day[day] = per_day.get(day, 0.0) + power
        for day, energy in per_day.items():
            daily.append(
                DailyRollup(
                    device=device,
                    day=day,
                    energy_wh=energy,
                    mean_power_w=energy / 24,
                    min_power_w=0,
                    max_power_w=base * 3,
                    samples=1440,
                )
            )
        for m in range(180):
            raw.append(Reading(device=device, time=now - timedelta(minutes=m), power_w=base * (0.5 + rng.random())))
        device.last_seen = now
        device.save(update_fields=["last_seen"])
    HourlyRollup.objects.bulk_create(hourly, batch_size=5000)
    DailyRollup.objects.bulk_create(daily, batch_size=5000)
    Reading.objects.bulk_create(raw, batch_size=5000)
    return home


def median_ms(client, url: str, n: int) -> float:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30, help="requests per page (median of these)")
    args = parser.parse_args()

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.middleware import SESSION_KEY
    from accounts.models import User

    print(f"database: {settings.DATABASES['default']['NAME']}")
    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-1")  # noqa: S106 (throw-away database)
    started = time.perf_counter()
    homes = {
        "demo-size (12 devices, 30 days)": build_home(owner, "Demo size", DEMO_TYPES, 30),
        "large (20 devices, 90 days)": build_home(owner, "Large", DEMO_TYPES + LARGE_EXTRA, 90),
    }
    print(f"data generated in {time.perf_counter() - started:.1f} s (rollups written directly)\n")

    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        client = Client()
        client.force_login(owner)
        ceiling = median_ms(client, "/bench/constant/", args.n)
        print(f"{'page':58} {'median ms':>10} {'x constant':>11}")
        print(f"{'constant JSON view (ceiling)':58} {ceiling:10.1f} {1.0:11.1f}")
        for label, home in homes.items():
            session = client.session
            session[SESSION_KEY] = home.pk
            session.save()
            end = datetime.now(home.zone).date()
            start = end - timedelta(days=89)
            pages = {
                "dashboard": "/",
                "history 90 days by device": f"/history/?period=custom&start={start}&end={end}&by=device&show=all",
                "history 90 days, htmx fragment": f"/history/?period=custom&start={start}&end={end}&by=room",
                "devices list": "/devices/",
            }
            for name, url in pages.items():
                if "htmx" in name:
                    client.defaults["HTTP_HX_REQUEST"] = "true"
                ms = median_ms(client, url, args.n)
                client.defaults.pop("HTTP_HX_REQUEST", None)
                print(f"{label + ': ' + name:58} {ms:10.1f} {ms / ceiling:11.1f}")


if __name__ == "__main__":
    main()

"""Ingestion throughput on PostgreSQL: HTTP API vs. the service vs. a raw COPY (the ceiling).

    .venv/bin/python bench/ingest.py [--n 1000000] [--batch 5000] [--devices 20]
        [--database-url postgres://postgres@127.0.0.1:5432/eh_bench]

Loads N readings three ways into the same (migrated) database, truncating the readings
between runs:

(a) HTTP: a real server (daphne, started here on a free port against the bench database)
    receives POST /api/v1/ingest/ batches of ``--batch`` readings from one client, with a
    home-level device key: authentication, JSON parsing, validation, duplicate check,
    bulk insert, dirty-hour marking, all of it;
(b) service: ``telemetry.services.ingest_readings(home=..., items=batch)`` called directly
    with the same items (the API minus HTTP, auth and JSON);
(c) COPY: psycopg's ``COPY telemetry_reading FROM STDIN``, no validation at all.

Prints readings/s for each and the ratios a/c and b/c. The database is created when missing;
everything in it may be dropped. Not part of the test suite. Items are prepared (and the
HTTP bodies encoded) before the clock starts, so client-side work is not measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/eh_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="readings per run (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=5_000, help="readings per request / service call")
    parser.add_argument("--devices", type=int, default=20, help="devices the readings are spread over")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--skip", action="append", default=[], choices=["http", "service", "copy"])
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "memory://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "energyhome.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)


def prepare_home(devices: int):
    """A bench home with ``devices`` smart plugs (created once) and a fresh home-level key."""
    from accounts.models import Home, User
    from accounts.services import create_home
    from devices.models import Device
    from devices.services import create_device_key, register_device

    user = User.objects.filter(email="bench@energyhome.local").first()
    if user is None:
        user = User.objects.create_user(email="bench@energyhome.local", password=None)
    home = Home.objects.filter(name="Bench home", memberships__user=user).first()
    if home is None:
        home = create_home(owner=user, name="Bench home", time_zone="Europe/Berlin", currency="EUR")
    have = set(Device.objects.filter(home=home).values_list("external_id", flat=True))
    for index in range(devices):
        external_id = f"bench-{index:03d}"
        if external_id not in have:
            register_device(home=home, type="smart-plug", name=f"Plug {index}", external_id=external_id)
    _key, plain = create_device_key(home=home, label="bench")
    return home, [f"bench-{index:03d}" for index in range(devices)], plain


def make_batches(n: int, batch: int, device_ids: list[str]) -> list[list[dict]]:
    """N readings, one a second per device, ending a minute ago (the API refuses future times)."""
    per_device = -(-n // len(device_ids))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=per_device + 60)
    items = []
    for step in range(per_device):
        moment = (start + timedelta(seconds=step)).isoformat()
        for index, external_id in enumerate(device_ids):
            items.append({"device": external_id, "time": moment, "power_w": float(50 + (step * 7 + index) % 900)})
            if len(items) == n:
                break
        if len(items) == n:
            break
    return [items[i : i + batch] for i in range(0, len(items), batch)]


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE telemetry_reading, telemetry_dirtyhour")


def stored_count() -> int:
    from telemetry.models import Reading

    return Reading.objects.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "memory://",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret",  # noqa: S105 - a throwaway server on 127.0.0.1
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    daphne = ROOT / ".venv" / "bin" / "daphne"
    command = [str(daphne), "-b", "127.0.0.1", "-p", str(port), "energyhome.asgi:application"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {server.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return server, port
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s")


def run_http(url: str, batches: list[list[dict]], key: str) -> float:
    bodies = [json.dumps({"readings": batch}).encode() for batch in batches]
    server, port = start_server(url)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": "application/json", "Authorization": f"Device {key}"}
        began = time.perf_counter()
        for body in bodies:
            conn.request("POST", "/api/v1/ingest/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 201:
                raise SystemExit(f"HTTP {response.status}: {payload[:500]!r}")
        elapsed = time.perf_counter() - began
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return elapsed


def run_service(home, batches: list[list[dict]]) -> float:
    from telemetry.services import ingest_readings

    began = time.perf_counter()
    for batch in batches:
        result = ingest_readings(items=batch, home=home, source="bench")
        if result.rejected:
            raise SystemExit(f"service rejected {result.rejected} readings: {result.errors[:3]}")
    return time.perf_counter() - began


def run_copy(url: str, batches: list[list[dict]]) -> float:
    import psycopg

    from devices.models import Device

    ids = dict(Device.objects.filter(external_id__startswith="bench-").values_list("external_id", "pk"))
    rows = [(datetime.fromisoformat(i["time"]), ids[i["device"]], i["power_w"]) for b in batches for i in b]
    with psycopg.connect(url) as conn:
        began = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY telemetry_reading (time, device_id, power_w) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - began


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    home, device_ids, key = prepare_home(args.devices)
    batches = make_batches(args.n, args.batch, device_ids)
    n = sum(len(b) for b in batches)
    print(f"{n:,} readings over {len(device_ids)} devices in batches of {args.batch:,} -> {args.database_url}")
    rates: dict[str, float] = {}
    runs = [
        ("http", "(a) HTTP POST /api/v1/ingest/", lambda: run_http(args.database_url, batches, key)),
        ("service", "(b) ingest_readings() service", lambda: run_service(home, batches)),
        ("copy", "(c) raw COPY (ceiling)", lambda: run_copy(args.database_url, batches)),
    ]
    for name, label, run in runs:
        if name in args.skip:
            continue
        truncate()
        elapsed = run()
        count = stored_count()
        if count != n:
            raise SystemExit(f"{label}: {count:,} readings stored, expected {n:,}")
        rates[name] = n / elapsed
        print(f"{label:34} {elapsed:8.1f} s  {rates[name]:>10,.0f} readings/s")
    truncate()
    if "copy" in rates:
        for name, letter in (("http", "a"), ("service", "b")):
            if name in rates:
                print(f"ratio {letter}/c ({name} vs COPY): {rates[name] / rates['copy']:.2f}")


if __name__ == "__main__":
    main()

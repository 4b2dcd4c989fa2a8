"""Simulate a home's devices: backfill history (--days) and/or post live readings (--live).

    manage.py simulate --home 1 --days 30          # 30 days of history, then the rollups
    manage.py simulate --home 1 --live             # every 5 s, through POST /api/v1/ingest/
    manage.py simulate --demo --live               # the demo home (what `make run` starts)

Live readings go through the real HTTP API with a home-level device key, exactly as a
device would send them. The key is kept under var/simulator/ (only its owner can read it)
and replaced when it no longer works. A server that is not up yet is waited for, with
backoff; readings made meanwhile are kept (up to a limit) and sent when it answers.
Before going live, the gap since the newest stored reading (up to 7 days) is filled through
the ingestion service, so restarting the demo days later leaves no hole in its history.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.management.commands.seed_demo import DEMO_HOME_NAME
from accounts.models import Home
from telemetry.backfill import (
    UNMETERED_W,
    BackfillProgress,
    backfill_history,
    drain_rollups,
    latest_meters,
    latest_reading_time,
    simulated_devices,
)
from telemetry.simulator import HomeSimulator

logger = logging.getLogger("telemetry.simulate")

MAX_PENDING = 5_000
MAX_BACKOFF_S = 30.0
CATCH_UP_LIMIT = timedelta(days=7)


def progress_bar(fraction: float, width: int = 30) -> str:
    done = int(round(fraction * width))
    return "[" + "#" * done + "-" * (width - done) + f"] {fraction * 100:5.1f}%"


class Command(BaseCommand):
    help = "Simulate the devices of a home: backfill history (--days) and/or post live readings (--live)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--home", type=int, help="Home id")
        which.add_argument("--demo", action="store_true", help="The demo home made by seed_demo")
        parser.add_argument("--days", type=float, default=0, help="Backfill this many days of history first")
        parser.add_argument("--step", type=int, default=60, help="Seconds between simulated readings (history)")
        parser.add_argument("--live", action="store_true", help="Then post live readings through the HTTP API")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (default: the home id)")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between live posts")
        parser.add_argument("--url", default=os.environ.get("SIMULATOR_URL", "http://127.0.0.1:8000"))
        parser.add_argument("--count", type=int, default=0, help="Stop after this many live posts (0: run forever)")
        parser.add_argument("--no-rollups", action="store_true", help="Do not compute rollups after the backfill")
        parser.add_argument(
            "--no-catch-up",
            action="store_true",
            help="In live mode, do not first fill the gap since the newest stored reading (up to 7 days)",
        )

    def handle(self, *args, **options) -> None:
        if options["demo"]:
            home = Home.objects.filter(name=DEMO_HOME_NAME, memberships__user__email=settings.DEMO_EMAIL).first()
            if home is None:
                raise CommandError("No demo home yet: run manage.py seed_demo first")
        else:
            home = Home.objects.filter(pk=options["home"]).first()
            if home is None:
                raise CommandError(f"No home with id {options['home']}")
        if not simulated_devices(home):
            raise CommandError(f"{home.name} has no active devices to simulate; add some (or run seed_demo)")
        seed = options["seed"] if options["seed"] is not None else home.pk
        if options["days"] > 0:
            self.backfill(home, days=options["days"], step_s=options["step"], seed=seed)
            if not options["no_rollups"]:
                self.rollups()
        if options["live"] and not options["no_catch_up"]:
            self.catch_up(home, seed=seed)
        if options["live"]:
            self.live(home, seed=seed, url=options["url"], interval_s=options["interval"], count=options["count"])

    def backfill(self, home: Home, *, days: float, step_s: int, seed: int) -> None:
        end = timezone.now()
        start = end - timedelta(days=days)
        self.stderr.write(f"Backfilling {days:g} days for {home.name} (every {step_s} s)")

        def show(p: BackfillProgress) -> None:
            self.stderr.write(f"\r  {progress_bar(p.fraction)} {p.sent:,} readings", ending="")
            self.stderr.flush()

        result = backfill_history(home=home, start=start, end=end, step_s=step_s, seed=seed, progress=show)
        self.stderr.write("")
        rate = result.sent / result.seconds if result.seconds else 0
        self.stdout.write(
            f"Backfill: {result.stored:,} stored, {result.duplicates:,} duplicates, {result.rejected:,} rejected "
            f"in {result.seconds:.1f} s ({rate:,.0f} readings/s)"
        )
        for line in result.first_rejections:
            self.stdout.write(f"  rejected: {line}")

    def catch_up(self, home: Home, *, seed: int) -> None:
        """Fill the silence since the newest stored reading (a restart days later), through the service."""
        newest = latest_reading_time(home)
        now = timezone.now()
        if newest is None or now - newest < timedelta(minutes=2):
            return
        start = max(newest, now - CATCH_UP_LIMIT)
        self.stderr.write(f"Catching up from {start:%Y-%m-%d %H:%M} UTC")
        result = backfill_history(
            home=home, start=start, end=now, step_s=60, coarse_step_s=120, seed=seed, recent=timedelta(hours=6)
        )
        self.stdout.write(f"Caught up: {result.stored:,} readings in {result.seconds:.1f} s (rollups follow via beat)")

    def rollups(self) -> None:
        began = time.monotonic()

        def show(rounds: int, left: int) -> None:
            self.stderr.write(f"\r  rollups: round {rounds}, {left:,} dirty hours left   ", ending="")
            self.stderr.flush()

        try:
            rounds = drain_rollups(progress=show)
        except RuntimeError as exc:
            raise CommandError(f"{exc}. The readings are stored; run the rollups later.") from exc
        self.stderr.write("")
        self.stdout.write(f"Rollups up to date ({rounds} rounds, {time.monotonic() - began:.1f} s)")

    def live(self, home: Home, *, seed: int, url: str, interval_s: float, count: int) -> None:
        endpoint = url.rstrip("/") + "/api/v1/ingest/"
        commands_endpoint = url.rstrip("/") + "/api/v1/device/commands/"
        key = simulator_key(home)
        devices = simulated_devices(home)
        sim = HomeSimulator(
            devices,
            seed=seed,
            time_zone=home.time_zone,
            unmetered_w=UNMETERED_W,
            initial_energy_wh=latest_meters(home),
        )
        self.stdout.write(f"Live: {len(devices)} devices of {home.name} -> {endpoint} every {interval_s:g} s")
        pending: list[dict] = []
        last = timezone.now()
        posts = 0
        backoff = 1.0
        try:
            while not count or posts < count:
                now = datetime.now(UTC).replace(microsecond=0)
                self.obey_commands(commands_endpoint, key, sim)
                pending.extend(
                    {"device": r.external_id, "time": r.time.isoformat(), "power_w": r.power_w}
                    | ({"energy_wh_total": r.energy_wh_total} if r.energy_wh_total is not None else {})
                    | ({"soc_pct": r.soc_pct} if r.soc_pct is not None else {})
                    for r in sim.step(now, max(1.0, (now - last).total_seconds()))
                )
                last = now
                pending = pending[-MAX_PENDING:]
                status, body = post_readings(endpoint, key, pending)
                if status is None:
                    self.stderr.write(
                        f"{now:%H:%M:%S} server not reachable ({body.get('error')}); retrying in {backoff:g} s"
                    )
                    time.sleep(backoff)
                    backoff = min(MAX_BACKOFF_S, backoff * 2)
                    continue
                backoff = 1.0
                if status in (401, 403):
                    self.stderr.write("The simulator's key was refused (revoked?); creating a new one")
                    key = simulator_key(home, renew=True)
                    continue
                if status in (201, 207):
                    self.stdout.write(
                        f"{now:%H:%M:%S} posted {len(pending)} readings: {status} "
                        f"stored {body.get('stored')}, rejected {body.get('rejected')}"
                        f"; battery {sim.battery_soc * 100:.0f}%"
                    )
                else:
                    self.stderr.write(f"{now:%H:%M:%S} HTTP {status}: {str(body)[:300]}")
                pending = []
                posts += 1
                if not count or posts < count:
                    time.sleep(interval_s)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def obey_commands(self, endpoint: str, key: str, sim: HomeSimulator) -> None:
        """Fetch due commands through the device API, obey them in ``sim`` and acknowledge each."""
        for command in poll_and_obey(endpoint, key, sim):
            self.stdout.write(f"command #{command['id']} {command['type']} {command['payload']} -> {command['device']}")


def poll_and_obey(endpoint: str, key: str, sim: HomeSimulator, timeout_s: float = 10.0) -> list[dict]:
    """One poll of ``endpoint`` (/api/v1/device/commands/) with ``key``: every command is applied to
    ``sim`` and acknowledged (or reported failed with the reason). Returns the commands handled."""
    status, body = _request(endpoint, key, None, method="GET", timeout_s=timeout_s)
    if status != 200:
        return []
    handled = []
    for command in body.get("commands", []):
        try:
            result = sim.apply_command(command["device"], command["type"], command["payload"])
            answer = {"status": "acknowledged", "result": result}
        except (KeyError, ValueError, StopIteration) as exc:
            answer = {"status": "failed", "error": f"simulator: {exc}"}
        _request(f"{endpoint}{command['id']}/ack/", key, answer, method="POST", timeout_s=timeout_s)
        handled.append(command)
    return handled


def simulator_key(home: Home, *, renew: bool = False) -> str:
    """A working home-level key for the simulator: the stored one, or a new one (stored under var/)."""
    from devices.services import authenticate_device_key, create_device_key

    path = Path(settings.VAR_DIR) / "simulator" / f"home-{home.pk}.key"
    if not renew and path.exists():
        raw = path.read_text().strip()
        key = authenticate_device_key(raw)
        if key is not None and key.home_id == home.pk and key.device_id is None:
            return raw
    _key, raw = create_device_key(home=home, label="simulator")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(raw + "\n")
    return raw


def post_readings(endpoint: str, key: str, items: list[dict], timeout_s: float = 10.0) -> tuple[int | None, dict]:
    """POST ``items`` as {"readings": [...]} with a device key. (status, JSON body), or (None, reason)."""
    return _request(endpoint, key, {"readings": items}, method="POST", timeout_s=timeout_s)


def _request(endpoint: str, key: str, body: dict | None, *, method: str, timeout_s: float) -> tuple[int | None, dict]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's --url (http or https)
        endpoint,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Device {key}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return None, {"error": str(getattr(exc, "reason", exc))}


def _json(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"error": raw[:200].decode(errors="replace")}
    return data if isinstance(data, dict) else {"data": data}

"""Browser journeys over a real ASGI server: the live dashboard (websocket) moves when a device
posts a reading, without a reload.

pytest-django's live_server is WSGI-only, so these tests start daphne in a subprocess on a free
port, against a SQLite file they migrate and seed themselves, with the in-memory channel layer
(one process: ingestion and websockets meet in it). The other e2e modules reuse ``site``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EMAIL, PASSWORD = "e2e-owner@example.com", "e2e-password-42"

SEED = """
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.utils import timezone
from accounts.models import User
from accounts.services import create_home
from devices.services import register_device
from telemetry.rollups import rollup_dirty_hours
from telemetry.services import ingest_readings

user = User.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Erin Example")
EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
home = create_home(owner=user, name="Test Flat", time_zone="Europe/Berlin", currency="EUR")
plug = register_device(home=home, type="smart-plug", name="Desk plug", room="Office", external_id="e2e-plug")
fridge = register_device(home=home, type="fridge", name="Fridge", room="Kitchen", external_id="e2e-fridge")
end = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=2)
for registered, base in ((plug, 60.0), (fridge, 110.0)):
    items = [{"time": (end - timedelta(minutes=5 * n)).isoformat(), "power_w": base + (n % 12) * 5} for n in range(360)]
    ingest_readings(device=registered.device, items=items)
while rollup_dirty_hours(limit=5000).claimed:
    pass
ids = {"plug": plug.device.pk, "fridge": fridge.device.pk, "home": home.pk}
print("SEED:" + json.dumps({"key": plug.plain_key, **ids}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        VAR_DIR=str(var_dir),
        REDIS_URL="memory://",
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="energyhome.settings",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated, seeded SQLite file and daphne serving it: {"url", "key", "plug", "fridge", "home"}."""
    var_dir = tmp_path_factory.mktemp("e2e-site")
    env = _env(var_dir)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    seed = SEED.replace("EMAIL", repr(EMAIL)).replace("PASSWORD", repr(PASSWORD))
    out = subprocess.run(
        [python, "manage.py", "shell", "-c", seed], cwd=ROOT, env=env, check=True, timeout=300, capture_output=True
    ).stdout.decode()
    info = json.loads(re.search(r"SEED:(.*)", out).group(1))
    port = _free_port()
    server = _DaphneServer(var_dir, env, port)
    server.start()
    yield {"url": server.url, "restart": server.restart, "stop": server.stop, "start": server.start, "env": env, **info}
    server.stop()


class _DaphneServer:
    def __init__(self, var_dir: Path, env: dict[str, str], port: int) -> None:
        self.var_dir, self.env, self.port = var_dir, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        daphne = Path(sys.executable).with_name("daphne")
        with (self.var_dir / "daphne.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "energyhome.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2)  # noqa: S310 (local test server)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    pytest.fail(f"daphne did not start: {(self.var_dir / 'daphne.log').read_text()[-2000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def run_in_site(site, code: str) -> str:
    """Run ``code`` in ``manage.py shell`` against the site's database; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=site["env"], check=True, timeout=300,
        capture_output=True,
    )  # fmt: skip
    return done.stdout.decode()


def log_in(page, site) -> None:
    page.goto(f"{site['url']}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{site['url']}/")


def post_reading(site, power_w: float) -> int:
    moment = datetime.now(UTC).replace(microsecond=0).isoformat()
    body = json.dumps({"time": moment, "power_w": power_w}).encode()
    request = urllib.request.Request(  # noqa: S310 (local test server)
        f"{site['url']}/api/v1/ingest/",
        data=body,
        headers={"Authorization": f"Device {site['key']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


def test_dashboard_power_moves_live_when_a_reading_arrives(site, page, shot):
    log_in(page, site)
    page.wait_for_selector("#live-status[data-state=live]")
    tile = page.locator(f"#device-tile-{site['plug']} .tile-power")
    page.wait_for_selector("#power-chart .main-svg")
    points_before = page.evaluate("document.getElementById('power-chart').data[0].x.length")
    shot("dashboard-01-before")
    assert post_reading(site, 1777) == 201
    page.wait_for_function(
        f"document.querySelector('#device-tile-{site['plug']} .tile-power').textContent.includes('1.78 kW')"
    )
    assert "1.78 kW" in tile.inner_text()
    assert "kW" in page.locator("#power-now .stat-use .stat-value").inner_text()
    page.wait_for_function(f"document.getElementById('power-chart').data[0].x.length > {points_before}")
    assert page.url == f"{site['url']}/"  # no reload, no navigation
    shot("dashboard-02-after-live-reading")


def test_dashboard_on_a_phone_in_dark_mode_has_no_horizontal_overflow(site, browser, shot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    phone = context.new_page()
    try:
        log_in(phone, site)
        phone.wait_for_selector("#power-chart .main-svg")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        from tests.e2e.conftest import SCREENSHOTS

        phone.screenshot(path=str(SCREENSHOTS / "dashboard-03-phone.png"), full_page=True)
    finally:
        context.close()


def test_status_pill_shows_a_lost_connection_and_reconnects_by_itself(site, page, shot):
    """Runs last in this module: it stops and restarts the server."""
    log_in(page, site)
    page.wait_for_selector("#live-status[data-state=live]")
    site["stop"]()
    page.wait_for_selector("#live-status[data-state=offline]")
    assert "reconnecting" in page.locator("#live-status").inner_text().lower()
    shot("dashboard-04-connection-lost")
    site["start"]()
    page.wait_for_selector("#live-status[data-state=live]", timeout=30_000)
    assert post_reading(site, 2345) == 201
    page.wait_for_function(
        f"document.querySelector('#device-tile-{site['plug']} .tile-power').textContent.includes('2.35 kW')"
    )

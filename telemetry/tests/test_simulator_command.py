"""manage.py simulate: backfill through the ingestion service, live posting through the HTTP API."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from devices.services import register_device
from telemetry.models import DirtyHour, HourlyRollup, Reading
from telemetry.services import ingest_readings

DEVICES = [
    ("t-grid", "grid-meter", "Grid meter"),
    ("t-solar", "solar-inverter", "Solar"),
    ("t-battery", "home-battery", "Battery"),
    ("t-fridge", "fridge", "Fridge"),
    ("t-heat-pump", "heat-pump", "Heat pump"),
]


@pytest.fixture
def devices(home):
    return [register_device(home=home, type=slug, name=name, external_id=eid).device for eid, slug, name in DEVICES]


def run(*args: object) -> str:
    out = StringIO()
    call_command("simulate", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_backfill_stores_a_day_of_readings_and_brings_the_rollups_up_to_date(home, devices):
    output = run("--home", home.pk, "--days", 1)
    per_device = Reading.objects.filter(device=devices[0]).count()
    assert per_device in (1440, 1441)
    assert Reading.objects.filter(device__home=home).count() == per_device * len(DEVICES)
    assert "0 rejected" in output
    assert not DirtyHour.objects.exists()
    assert HourlyRollup.objects.filter(device=devices[3]).count() >= 24


def test_running_the_backfill_again_stores_nothing_twice(home, devices):
    run("--home", home.pk, "--days", 0.25, "--step", 300, "--no-rollups")
    before = Reading.objects.count()
    output = run("--home", home.pk, "--days", 0.25, "--step", 300, "--no-rollups")
    assert Reading.objects.count() - before <= len(DEVICES)  # at most the step that became due meanwhile
    assert "duplicates" in output


def test_unknown_home_and_a_home_without_devices_are_clear_errors(home):
    with pytest.raises(CommandError, match="No home"):
        run("--home", 999_999, "--days", 1)
    with pytest.raises(CommandError, match="no active devices"):
        run("--home", home.pk, "--days", 1)


@pytest.fixture
def device_types_after_flush(transactional_db):
    """An earlier transactional test's flush empties the device types a data migration seeds: put them back."""
    from django.apps import apps

    importlib.import_module("devices.migrations.0002_seed_device_types").seed(apps, None)


@pytest.mark.django_db(transaction=True)
def test_live_mode_catches_up_then_posts_through_the_http_api(
    device_types_after_flush, home, devices, live_server, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ingest_readings(items=[{"time": an_hour_ago, "power_w": 3.0}], device=devices[3])
    output = run("--home", home.pk, "--live", "--count", 2, "--interval", 0.2, "--url", live_server.url)
    assert "Caught up" in output
    assert Reading.objects.filter(device=devices[3], time__gt=an_hour_ago).count() >= 60
    assert output.count("posted") == 2
    assert "201" in output or "207" in output
    newest = Reading.objects.filter(device=devices[0]).latest("time").time
    assert timezone.now() - newest < timedelta(seconds=30)  # the live readings came in
    # The home-level key is kept for the next run, readable by its owner only.
    key_file = tmp_path / "simulator" / f"home-{home.pk}.key"
    assert key_file.read_text().startswith("ehk_")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_demo_option_finds_the_demo_home(db):
    with pytest.raises(CommandError, match="seed_demo"):
        run("--demo", "--days", 1)
    call_command("seed_demo", "--no-history", stdout=StringIO())
    output = run("--demo", "--days", 0.1, "--step", 300, "--no-rollups")
    assert "0 rejected" in output
    assert Reading.objects.filter(device__external_id="demo-fridge").count() >= 24

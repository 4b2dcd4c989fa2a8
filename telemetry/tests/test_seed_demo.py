"""manage.py seed_demo: demo user, home, devices and history, idempotently."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from accounts.models import Home
from devices.models import Device
from telemetry.models import DirtyHour, HourlyRollup, Reading


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_creates_a_demo_home_with_a_dozen_devices_in_rooms_and_is_idempotent(db):
    seed("--no-history")
    home = Home.objects.get(name="Demo Home")
    devices = Device.objects.filter(home=home)
    assert devices.count() == 12
    assert {"grid-meter", "solar-inverter", "home-battery", "ev-charger", "heat-pump"} <= set(
        devices.values_list("type__slug", flat=True)
    )
    assert all(d.room for d in devices)
    from devices.models import Rule

    assert set(Rule.objects.filter(home=home).values_list("kind", flat=True)) == {"schedule", "automation"}
    output = seed("--no-history")
    assert "0 added" in output
    assert "Schedules and automations: 0 added" in output
    assert Rule.objects.filter(home=home).count() == 2
    assert Home.objects.filter(name="Demo Home").count() == 1
    assert Device.objects.filter(home=home).count() == 12
    assert not Reading.objects.exists()


def test_seed_with_history_simulates_it_once(db):
    first = seed("--days", "1")
    assert "Insights:" in first  # computed at once (one day is too short for a forecast: reported, not faked)
    home = Home.objects.get(name="Demo Home")
    stored = Reading.objects.filter(device__home=home).count()
    assert stored >= 12 * 1440
    assert HourlyRollup.objects.filter(device__home=home).exists()
    assert not DirtyHour.objects.exists()
    output = seed("--days", "1")
    assert "left as it is" in output
    assert Reading.objects.filter(device__home=home).count() == stored

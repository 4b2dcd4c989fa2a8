"""A seeded home for the assistant tests: devices, five weeks of readings, rollups and a flat tariff.

Arranged through the services (register_device, ingest_readings, rollup_dirty_hours, save_tariff).
Readings every 5 minutes with a pattern per device so days and hours differ; ``NOW`` is the
``as_of`` every question is asked at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)  # Wed 4 Nov 2026, 11:00 in Berlin
START = datetime(2026, 9, 28, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)

DEVICES = [
    ("t-heat-pump", "heat-pump", "Heat pump", "Garden", lambda n: 800.0 + (n % 48) * 20),
    ("t-fridge", "fridge", "Fridge", "Kitchen", lambda n: 60.0 + (n % 6) * 20),
    ("t-ev", "ev-charger", "Wallbox", "Garage", lambda n: 7000.0 if (n // 12) % 24 == 22 else 0.0),
    ("t-oven", "oven", "Oven", "Kitchen", lambda n: 2000.0 if (n // 12) % 24 == 18 and (n // 288) % 2 else 0.0),
    ("t-water", "water-heater", "Water heater", "Basement", lambda n: 1500.0 if (n // 12) % 24 in (6, 7) else 5.0),
]


def seed(home, *, start=START, end=NOW):
    from analytics.models import Tariff
    from analytics.services import save_tariff
    from devices.services import register_device
    from telemetry.rollups import rollup_dirty_hours
    from telemetry.services import ingest_readings

    devices = {}
    steps = int((end - start) / STEP)
    for external_id, slug, name, room, pattern in DEVICES:
        device = register_device(home=home, type=slug, name=name, room=room, external_id=external_id).device
        devices[external_id] = device
        items = [{"time": (start + n * STEP).isoformat(), "power_w": pattern(n)} for n in range(steps)]
        for i in range(0, len(items), 5000):
            ingest_readings(device=device, items=items[i : i + 5000])
    save_tariff(
        home=home,
        name="Flat",
        kind=Tariff.Kind.FLAT,
        effective_from=(start - timedelta(days=2)).date(),
        import_price_per_kwh=Decimal("0.3000"),
        standing_charge_per_day=Decimal("0.5000"),
    )
    while rollup_dirty_hours(limit=5000).claimed:
        pass
    return devices


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeded home per test module (seeding takes ~20 s): created outside the tests'
    transactions, deleted (with everything that hangs off it) when the module is done."""
    from importlib import import_module

    from django.apps import apps

    from accounts.models import User
    from accounts.services import create_home
    from analytics.services import reprice_hours
    from devices.models import DeviceType

    with django_db_blocker.unblock():
        if not DeviceType.objects.exists():
            import_module("devices.migrations.0002_seed_device_types").seed(apps, None)
        owner = User.objects.create_user(email="assistant-owner@example.com", password="x-long-password-1")
        home = create_home(owner=owner, name="Assistant test home", time_zone="Europe/Berlin", currency="EUR")
        devices = seed(home)
        reprice_hours(home=home, start=START - timedelta(days=1), end=NOW + timedelta(days=1))
    yield home, devices
    with django_db_blocker.unblock():
        home.delete()
        owner.delete()

"""The device types seeded by devices/migrations/0002."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from devices.models import DeviceType
from devices.tests.factories import register

SEEDED = {
    "grid-meter",
    "solar-inverter",
    "home-battery",
    "ev-charger",
    "heat-pump",
    "air-conditioner",
    "water-heater",
    "fridge",
    "freezer",
    "washing-machine",
    "dryer",
    "dishwasher",
    "oven",
    "tv",
    "computer",
    "lighting",
    "smart-plug",
    "other",
}
COMMANDS = {"set_power", "set_temperature", "set_mode", "set_charge_limit"}


def _sprite_ids() -> set[str]:
    sprite = Path(settings.BASE_DIR, "static", "icons", "sprite.svg").read_text()
    return set(re.findall(r'<symbol[^>]*\bid="([^"]+)"', sprite))


def test_every_seeded_type_is_there_and_sane(db):
    types = {device_type.slug: device_type for device_type in DeviceType.objects.filter(slug__in=SEEDED)}
    icons = _sprite_ids()

    assert set(types) == SEEDED
    for device_type in types.values():
        assert device_type.icon in icons, device_type.slug
        assert device_type.category in DeviceType.Category.values
        assert device_type.min_power_w < device_type.max_power_w
        assert set(device_type.commands) <= COMMANDS
        if "set_temperature" in device_type.commands:
            assert device_type.min_temperature_c < device_type.max_temperature_c


def test_seeded_ranges_follow_the_sign_convention(db):
    grid, battery, solar = (
        DeviceType.objects.get(slug=slug) for slug in ("grid-meter", "home-battery", "solar-inverter")
    )

    assert (grid.category, grid.min_power_w, grid.max_power_w) == ("meter", -50_000, 50_000)
    assert (battery.category, battery.min_power_w, battery.max_power_w) == ("storage", -15_000, 15_000)
    assert set(battery.commands) == {"set_mode", "set_charge_limit"}
    assert (solar.category, solar.min_power_w) == ("producer", 0)


def test_the_seed_migration_reverses_without_touching_types_in_use(home):
    migration = importlib.import_module("devices.migrations.0002_seed_device_types")
    register(home, type="fridge")

    migration.unseed(apps, None)
    assert set(DeviceType.objects.filter(slug__in=SEEDED).values_list("slug", flat=True)) == {"fridge"}

    migration.seed(apps, None)
    assert DeviceType.objects.filter(slug__in=SEEDED).count() == len(SEEDED)

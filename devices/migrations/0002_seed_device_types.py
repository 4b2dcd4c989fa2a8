"""Seed the device types EnergyHome knows out of the box.

Power ranges follow the sign convention in devices/models.py (storage: charging > 0,
discharging < 0; grid meter: import > 0, export < 0) and are generous on purpose: they
exist to reject nonsense (a fridge drawing 40 kW), not to police real devices. Icons are
symbol ids in static/icons/sprite.svg.

Forward is idempotent (update_or_create by slug). Backward deletes only the seeded types
that no device uses, so reversing never fails on the PROTECT foreign key.
"""

from django.db import migrations

SET_POWER = "set_power"
SET_TEMPERATURE = "set_temperature"
SET_MODE = "set_mode"
SET_CHARGE_LIMIT = "set_charge_limit"

# slug, name, icon, category, min_power_w, max_power_w, commands, (min_temperature_c, max_temperature_c)
DEVICE_TYPES = [
    ("grid-meter", "Grid meter", "meter", "meter", -50_000, 50_000, [], None),
    ("solar-inverter", "Solar inverter", "sun", "producer", 0, 30_000, [], None),
    ("home-battery", "Home battery", "battery", "storage", -15_000, 15_000, [SET_MODE, SET_CHARGE_LIMIT], None),
    ("ev-charger", "EV charger", "car", "consumer", 0, 22_000, [SET_POWER, SET_CHARGE_LIMIT], None),
    # Target range covers room set points and flow/hot-water temperatures of common units.
    ("heat-pump", "Heat pump", "flame", "consumer", 0, 15_000, [SET_POWER, SET_TEMPERATURE, SET_MODE], (16, 60)),
    ("air-conditioner", "Air conditioner", "snow", "consumer", 0, 6_000, [SET_POWER, SET_TEMPERATURE, SET_MODE], (16, 30)),
    ("water-heater", "Water heater", "droplet", "consumer", 0, 6_000, [SET_POWER, SET_TEMPERATURE], (30, 75)),
    ("fridge", "Fridge", "fridge", "consumer", 0, 1_000, [], None),
    ("freezer", "Freezer", "fridge", "consumer", 0, 1_000, [], None),
    ("washing-machine", "Washing machine", "washer", "consumer", 0, 3_500, [], None),
    ("dryer", "Tumble dryer", "fan", "consumer", 0, 4_000, [], None),
    ("dishwasher", "Dishwasher", "dish", "consumer", 0, 3_500, [], None),
    ("oven", "Oven", "oven", "consumer", 0, 7_500, [], None),
    ("tv", "TV", "tv", "consumer", 0, 1_000, [], None),
    ("computer", "Computer", "laptop", "consumer", 0, 2_000, [], None),
    ("lighting", "Lighting", "bulb", "consumer", 0, 5_000, [], None),
    # 16 A at 230 V, with headroom for measurement noise.
    ("smart-plug", "Smart plug", "plug", "consumer", 0, 4_000, [SET_POWER], None),
    ("other", "Other", "dots", "consumer", 0, 25_000, [], None),
]


def seed(apps, schema_editor):
    DeviceType = apps.get_model("devices", "DeviceType")
    for slug, name, icon, category, min_w, max_w, commands, temperature in DEVICE_TYPES:
        min_c, max_c = temperature or (None, None)
        DeviceType.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icon": icon,
                "category": category,
                "min_power_w": min_w,
                "max_power_w": max_w,
                "commands": commands,
                "min_temperature_c": min_c,
                "max_temperature_c": max_c,
            },
        )


def unseed(apps, schema_editor):
    DeviceType = apps.get_model("devices", "DeviceType")
    slugs = [row[0] for row in DEVICE_TYPES]
    DeviceType.objects.filter(slug__in=slugs, devices__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]

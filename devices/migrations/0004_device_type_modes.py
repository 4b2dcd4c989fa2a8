"""Modes the seeded device types accept for set_mode (idempotent; types without modes keep [])."""

from django.db import migrations

MODES = {
    "home-battery": ["auto", "charge", "discharge", "idle", "backup"],
    "heat-pump": ["heat", "cool", "auto", "eco", "off"],
    "air-conditioner": ["cool", "heat", "dry", "fan", "auto"],
}


def seed_modes(apps, schema_editor):
    DeviceType = apps.get_model("devices", "DeviceType")
    for slug, modes in MODES.items():
        DeviceType.objects.filter(slug=slug).update(modes=modes)


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0003_control"),
    ]

    operations = [
        migrations.RunPython(seed_modes, migrations.RunPython.noop),
    ]

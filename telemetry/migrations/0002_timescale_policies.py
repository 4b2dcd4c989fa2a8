"""Hypertable, uniqueness, compression and retention for readings where TimescaleDB exists.

A no-op on SQLite and plain PostgreSQL (see telemetry/timescale.py). Reversing it leaves
the policies in place: they hold no data that a rollback would need to undo.
"""

from django.db import migrations


def apply_policies(apps, schema_editor):
    from telemetry.timescale import apply_timescale_policies

    apply_timescale_policies(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("telemetry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(apply_policies, migrations.RunPython.noop, elidable=False),
    ]

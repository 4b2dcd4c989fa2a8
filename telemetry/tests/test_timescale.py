"""TimescaleDB policies: a reported no-op without the extension; hypertable, uniqueness and policies with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from devices.models import Device, DeviceType
from telemetry.models import Reading
from telemetry.timescale import NOT_INSTALLED, apply_timescale_policies

pytestmark = pytest.mark.django_db


def _timescaledb() -> bool:
    from energyhome.dbbackend.base import timescaledb_installed

    return connection.vendor == "postgresql" and timescaledb_installed(connection)


def test_without_the_extension_it_does_nothing_and_says_so():
    if _timescaledb():
        pytest.skip("this database has TimescaleDB")
    assert apply_timescale_policies(connection) == [NOT_INSTALLED]
    out = StringIO()
    call_command("timescale_setup", stdout=out)
    assert out.getvalue().strip() == NOT_INSTALLED


@pytest.mark.timescaledb
def test_hypertable_policies_and_uniqueness(home, require_service, settings):
    require_service("timescaledb", ci_required=False)
    apply_timescale_policies(connection)
    second = apply_timescale_policies(connection)  # safe to run twice, and then changes nothing
    assert all(line.endswith(("unchanged", "present")) for line in second), second

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
            ["telemetry_reading"],
        )
        assert cursor.fetchone() == (True,)
        cursor.execute(
            "SELECT proc_name, config FROM timescaledb_information.jobs WHERE hypertable_name = %s",
            ["telemetry_reading"],
        )
        jobs = dict(cursor.fetchall())
    assert "policy_compression" in jobs
    assert "policy_retention" in jobs

    kind = DeviceType.objects.create(slug="tsdb-test-meter", name="Test meter")
    device = Device.objects.create(home=home, type=kind, name="Meter", external_id="tsdb-meter")
    start = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [Reading(device=device, time=start + timedelta(minutes=m), power_w=m) for m in range(300)]
    Reading.objects.bulk_create(rows, ignore_conflicts=True)
    again = [Reading(device=device, time=start + timedelta(minutes=m), power_w=-1) for m in range(10)]
    Reading.objects.bulk_create(again, ignore_conflicts=True)
    assert Reading.objects.filter(device=device).count() == 300


@pytest.mark.timescaledb
def test_a_changed_retention_setting_replaces_the_policy(require_service, settings):
    require_service("timescaledb", ci_required=False)
    apply_timescale_policies(connection)
    settings.TIMESCALE_RETENTION_DAYS = 500
    assert "add_retention_policy: 500 days (replaced)" in apply_timescale_policies(connection)

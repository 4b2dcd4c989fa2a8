"""With the Celery broker unreachable, writes that queue work still succeed and nothing is lost."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from devices.models import Command
from devices.services import send_command
from devices.tests.factories import register
from devices.tests.test_commands import online


@pytest.fixture
def no_broker():
    from energyhome.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_connection_retry)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_connection_retry = False
    app.pool.force_close_all()
    yield
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_connection_retry = saved
    app.pool.force_close_all()


def test_a_command_is_stored_when_the_broker_is_down(home, no_broker, django_capture_on_commit_callbacks):
    plug = online(register(home, type="smart-plug").device)
    with django_capture_on_commit_callbacks(execute=True):
        command = send_command(device=plug, command_type="set_power", payload={"on": False})
    assert Command.objects.get(pk=command.pk).status == Command.Status.PENDING  # the sweep sends it later


def test_a_tariff_change_is_priced_in_process_when_the_broker_is_down(
    home, no_broker, django_capture_on_commit_callbacks
):
    from analytics.models import HourlyCost, Tariff
    from analytics.services import save_tariff
    from telemetry.rollups import rollup_dirty_hours
    from telemetry.services import ingest_readings

    meter = register(home, type="grid-meter", name="Meter").device
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    ingest_readings(
        device=meter,
        items=[{"time": start + timedelta(minutes=m), "power_w": 1000.0} for m in range(0, 120)],
        source="test",
    )
    rollup_dirty_hours(limit=100)
    with django_capture_on_commit_callbacks(execute=True):
        save_tariff(
            home=home, name="Flat", kind=Tariff.Kind.FLAT, effective_from=date(2020, 1, 1),
            import_price_per_kwh=Decimal("0.40"), export_kind=Tariff.ExportKind.FLAT,
            export_price_per_kwh=Decimal("0.05"), standing_charge_per_day=Decimal("0"),
        )  # fmt: skip
    assert HourlyCost.objects.filter(home=home).exists()

"""The rollup beat task: lock, cache outage, and a run through a real Celery worker on Redis."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from celery.signals import task_postrun
from django.core.cache import cache

from devices.models import Device, DeviceType
from telemetry.dirty import mark_hours_dirty
from telemetry.models import DirtyHour, HourlyRollup, Reading
from telemetry.tasks import ROLLUP_LOCK_KEY, rollup_dirty_hours

H10 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def dirty_device(home):
    kind = DeviceType.objects.create(slug="task-test-plug", name="Test plug")
    device = Device.objects.create(home=home, type=kind, name="Kettle", external_id="task-kettle")
    # 1200 W at 10:10 and 10:12: 1200 × 2/60 + 1200 × 5/60 = 40 + 100 = 140 Wh in hour 10.
    Reading.objects.bulk_create(
        [Reading(device=device, time=H10 + timedelta(minutes=m), power_w=1200) for m in (10, 12)]
    )
    mark_hours_dirty([(device.pk, H10)])
    return device


@pytest.mark.django_db
def test_task_rolls_up_dirty_hours_and_releases_its_lock(dirty_device):
    result = rollup_dirty_hours.apply().get()
    assert result["claimed"] == 1
    assert HourlyRollup.objects.get(device=dirty_device, hour=H10).energy_wh == pytest.approx(140)
    assert cache.get(ROLLUP_LOCK_KEY) is None
    # Idempotent: a second run finds nothing to do.
    assert rollup_dirty_hours.apply().get()["claimed"] == 0


@pytest.mark.django_db
def test_task_skips_while_another_run_holds_the_lock(dirty_device):
    cache.add(ROLLUP_LOCK_KEY, "someone-else", timeout=60)
    assert rollup_dirty_hours.apply().get() == {"skipped": "locked"}
    assert DirtyHour.objects.filter(device=dirty_device).exists()
    assert cache.get(ROLLUP_LOCK_KEY) == "someone-else"  # not ours to release


@pytest.mark.django_db
def test_task_proceeds_without_a_lock_when_the_cache_is_down(dirty_device, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)
    assert rollup_dirty_hours.apply().get()["claimed"] == 1
    assert HourlyRollup.objects.filter(device=dirty_device, hour=H10).exists()


def test_task_is_registered_under_the_beat_name_with_acks_late():
    from django.conf import settings

    from energyhome.celery import app

    task = app.tasks["telemetry.tasks.rollup_dirty_hours"]
    assert task.acks_late is True
    assert settings.CELERY_BEAT_SCHEDULE["rollup-dirty-hours"]["task"] == task.name


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_task_runs_through_a_real_worker_and_redis(dirty_device, require_service):
    require_service("redis")
    from celery.contrib.testing.worker import start_worker

    from energyhome.celery import app

    # No result backend (results are ignored): the worker signals when the task has run, and
    # the test then reads the database. Polling the database meanwhile would race the worker
    # on SQLite, whose shared-cache test database fails writes with "table is locked".
    finished = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name == rollup_dirty_hours.name:
            finished.set()

    task_postrun.connect(on_postrun, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            rollup_dirty_hours.delay()
            assert finished.wait(timeout=30), "the worker did not run the task within 30 s"
    finally:
        app.conf.task_always_eager = eager
        task_postrun.disconnect(on_postrun)
    assert HourlyRollup.objects.get(device=dirty_device, hour=H10).energy_wh == pytest.approx(140)
    assert not DirtyHour.objects.exists()

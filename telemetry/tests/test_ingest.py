"""ingest_readings(): per-item rules, duplicates, last_seen, dirty hours and the live hand-off."""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from devices.tests.factories import register
from telemetry import live
from telemetry.models import DirtyHour, Reading
from telemetry.services import MAX_BATCH, BatchTooLarge, ingest_readings
from telemetry.tests.factories import minutes_ago, reading


@pytest.fixture
def plug(home):
    """A smart plug (0..4000 W) of ``home``."""
    return register(home, type="smart-plug", name="Plug", external_id="plug-1").device


def _only(result):
    assert len(result.items) == 1
    return result.items[0]


def test_a_valid_reading_is_stored_in_utc(plug):
    result = ingest_readings(
        items=[
            reading(time="2026-01-05T13:00:00+01:00", power_w=250, voltage_v=231.5, current_a=1.1, power_factor=0.98)
        ],
        device=plug,
    )

    assert (result.stored, result.duplicate, result.rejected) == (1, 0, 0)
    stored = Reading.objects.get(device=plug)
    assert stored.time == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert (stored.power_w, stored.voltage_v, stored.current_a, stored.power_factor) == (250.0, 231.5, 1.1, 0.98)
    assert stored.energy_wh_total is None


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-05T12:00:00Z",
        "2026-01-05T12:00:00.123456+00:00",
        "2026-01-05 07:00:00-05:00",
        datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        1767614400,
        1767614400.5,
    ],
)
def test_accepted_time_forms(plug, moment):
    result = ingest_readings(items=[reading(time=moment)], device=plug)

    assert _only(result).status == "stored"
    assert Reading.objects.get(device=plug).time.replace(microsecond=0) == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "field", "reason_part"),
    [
        ({"power_w": 1}, "time", "required"),
        ({"time": None, "power_w": 1}, "time", "required"),
        ({"time": "2026-01-05T12:00:00", "power_w": 1}, "time", "offset"),
        ({"time": datetime(2026, 1, 5, 12), "power_w": 1}, "time", "offset"),
        ({"time": "2026-01-05", "power_w": 1}, "time", "offset"),
        ({"time": "yesterday", "power_w": 1}, "time", "ISO 8601"),
        ({"time": "9" * 500, "power_w": 1}, "time", "ISO 8601"),
        ({"time": True, "power_w": 1}, "time", "ISO 8601"),
        ({"time": [2026, 1, 5], "power_w": 1}, "time", "ISO 8601"),
        ({"time": 1e20, "power_w": 1}, "time", "epoch"),
        ({"time": math.nan, "power_w": 1}, "time", "finite"),
        ({"time": 0, "power_w": 1}, "time", "2000"),
        ({"time": "1999-12-31T23:59:59Z", "power_w": 1}, "time", "2000"),
        ({"time": "2026-01-05T12:00:00Z"}, "power_w", "required"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": "12.5"}, "power_w", "number"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": "Infinity"}, "power_w", "number"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": True}, "power_w", "number"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": {"value": 1}}, "power_w", "number"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": math.nan}, "power_w", "finite"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": math.inf}, "power_w", "finite"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 10**400}, "power_w", "finite"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": -0.5}, "power_w", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 4000.1}, "power_w", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "voltage_v": 501}, "voltage_v", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "voltage_v": -1}, "voltage_v", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "current_a": 500.5}, "current_a", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "power_factor": 1.01}, "power_factor", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "power_factor": -1.5}, "power_factor", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "energy_wh_total": -1}, "energy_wh_total", "outside"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "energy_wh_total": "7"}, "energy_wh_total", "number"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "temperature_c": 20}, "temperature_c", "unknown field"),
        ({"time": "2026-01-05T12:00:00Z", "power_w": 1, "device": 7}, "device", "string"),
        ("not an object", "item", "object"),
        (None, "item", "object"),
        ([1, 2], "item", "object"),
    ],
)
def test_each_rule_rejects_with_field_and_reason(plug, item, field, reason_part):
    result = ingest_readings(items=[item], device=plug)

    rejected = _only(result)
    assert rejected.status == "rejected"
    assert rejected.field == field
    assert reason_part in rejected.reason
    assert result.as_dict()["errors"] == [{"index": 0, "status": "rejected", "field": field, "reason": rejected.reason}]
    assert not Reading.objects.exists()


def test_time_may_be_up_to_five_minutes_ahead_but_no_more(plug):
    now = timezone.now()

    result = ingest_readings(
        items=[reading(time=now + timedelta(minutes=4)), reading(time=now + timedelta(minutes=6))], device=plug
    )

    assert [item.status for item in result.items] == ["stored", "rejected"]
    assert "future" in result.items[1].reason


def test_optional_fields_may_be_null(plug):
    result = ingest_readings(
        items=[reading(energy_wh_total=None, voltage_v=None, current_a=None, power_factor=None)], device=plug
    )

    assert result.stored == 1


def test_power_range_comes_from_the_device_type(home):
    battery = register(home, type="home-battery").device

    result = ingest_readings(
        items=[reading(time=minutes_ago(2), power_w=-14_000), reading(time=minutes_ago(1), power_w=-16_000)],
        device=battery,
    )

    assert [item.status for item in result.items] == ["stored", "rejected"]


def test_bad_items_never_cost_the_good_ones(plug):
    items = [reading(time=minutes_ago(3)), {"power_w": 1}, reading(time=minutes_ago(2), power_w=-5), reading()]

    result = ingest_readings(items=items, device=plug)

    assert [item.status for item in result.items] == ["stored", "rejected", "rejected", "stored"]
    assert [item.index for item in result.items] == [0, 1, 2, 3]
    assert (result.stored, result.rejected) == (2, 2)
    assert Reading.objects.filter(device=plug).count() == 2


def test_duplicate_in_the_same_batch_is_not_counted_twice(plug):
    moment = minutes_ago(1)

    result = ingest_readings(items=[reading(time=moment, power_w=1), reading(time=moment, power_w=2)], device=plug)

    assert [item.status for item in result.items] == ["stored", "duplicate"]
    assert Reading.objects.get(device=plug).power_w == 1


def test_duplicate_across_batches_is_recognised_and_not_stored_again(plug):
    items = [reading(time=minutes_ago(minutes)) for minutes in (3, 2, 1)]
    ingest_readings(items=items, device=plug)

    again = ingest_readings(items=[*items, reading(time=minutes_ago(0.5))], device=plug)

    assert (again.stored, again.duplicate, again.rejected) == (1, 3, 0)
    assert Reading.objects.filter(device=plug).count() == 4


def test_the_same_time_on_two_devices_is_not_a_duplicate(home, plug):
    other = register(home, external_id="plug-2").device
    moment = minutes_ago(1)

    ingest_readings(items=[reading(time=moment)], device=plug)
    result = ingest_readings(items=[reading(time=moment)], device=other)

    assert result.stored == 1


def test_last_seen_moves_to_the_newest_time_and_never_back(plug):
    newest = minutes_ago(1)
    ingest_readings(items=[reading(time=minutes_ago(5)), reading(time=newest)], device=plug)
    plug.refresh_from_db()
    assert plug.last_seen == newest

    ingest_readings(items=[reading(time=minutes_ago(30))], device=plug)
    plug.refresh_from_db()
    assert plug.last_seen == newest


def test_rejected_items_do_not_move_last_seen(plug):
    ingest_readings(items=[reading(power_w=-1)], device=plug)
    plug.refresh_from_db()

    assert plug.last_seen is None


def test_hours_of_stored_readings_are_marked_dirty(plug):
    items = [
        reading(time="2026-01-05T10:59:59Z"),
        reading(time="2026-01-05T11:00:00Z"),
        reading(time="2026-01-05T11:30:00Z"),
    ]

    ingest_readings(items=items, device=plug)

    hours = set(DirtyHour.objects.filter(device=plug).values_list("hour", flat=True))
    assert hours == {datetime(2026, 1, 5, 10, tzinfo=UTC), datetime(2026, 1, 5, 11, tzinfo=UTC)}


def test_duplicates_do_not_mark_hours_dirty_again(plug):
    items = [reading(time="2026-01-05T10:15:00Z")]
    ingest_readings(items=items, device=plug)
    DirtyHour.objects.all().delete()

    ingest_readings(items=items, device=plug)

    assert not DirtyHour.objects.exists()


def test_newest_value_per_device_is_published_after_commit(home, plug, monkeypatch, django_capture_on_commit_callbacks):
    other = register(home, external_id="plug-2").device
    published = []
    monkeypatch.setattr(live, "publish", lambda home_id, latest: published.append((home_id, latest)))
    from devices.services import create_device_key

    create_device_key(home=home)
    newest = minutes_ago(1)

    with django_capture_on_commit_callbacks(execute=True):
        ingest_readings(
            items=[
                reading(time=minutes_ago(2), power_w=10, device="plug-1"),
                reading(time=newest, power_w=20, device="plug-1"),
                reading(time=newest, power_w=30, device="plug-2"),
            ],
            home=home,
        )
        assert published == []  # not before commit

    assert published == [
        (
            home.pk,
            {
                plug.pk: {"time": newest.isoformat(), "power_w": 20.0},
                other.pk: {"time": newest.isoformat(), "power_w": 30.0},
            },
        )
    ]


def test_late_backfill_is_not_published_as_the_live_value(plug, monkeypatch, django_capture_on_commit_callbacks):
    ingest_readings(items=[reading(time=minutes_ago(1))], device=plug)
    published = []
    monkeypatch.setattr(live, "publish", lambda home_id, latest: published.append(latest))

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_readings(items=[reading(time=minutes_ago(60))], device=plug)

    assert result.stored == 1
    assert published == []


def test_a_failing_live_layer_is_logged_not_raised(plug, monkeypatch, django_capture_on_commit_callbacks, caplog):
    def broken(home_id, latest):
        raise RuntimeError("redis is down")

    monkeypatch.setattr(live, "publish", broken)

    with caplog.at_level(logging.ERROR, logger="telemetry.services"), django_capture_on_commit_callbacks(execute=True):
        result = ingest_readings(items=[reading()], device=plug)

    assert result.stored == 1
    assert Reading.objects.filter(device=plug).count() == 1
    assert "live publish failed" in caplog.text


def test_home_key_posts_for_its_devices_by_external_id(home, plug):
    result = ingest_readings(items=[reading(device="plug-1")], home=home)

    assert result.stored == 1
    assert Reading.objects.filter(device=plug).count() == 1


def test_home_key_items_must_name_a_device_of_that_home(home, other_home, plug):
    register(other_home, external_id="foreign-plug")

    result = ingest_readings(
        items=[reading(), reading(device="foreign-plug"), reading(device="no-such-device")], home=home
    )

    assert [(item.status, item.field) for item in result.items] == [("rejected", "device")] * 3
    assert result.items[1].reason == result.items[2].reason  # a foreign device looks like a missing one
    assert not Reading.objects.exists()


def test_device_key_items_may_not_name_another_device(home, plug):
    register(home, external_id="plug-2")

    result = ingest_readings(
        items=[reading(device="plug-1"), reading(time=minutes_ago(2), device="plug-2")], device=plug
    )

    assert [item.status for item in result.items] == ["stored", "rejected"]
    assert result.items[1].field == "device"
    assert Reading.objects.count() == 1


def test_readings_of_an_inactive_device_are_rejected(home, plug):
    plug.is_active = False
    plug.save(update_fields=["is_active"])

    by_device = ingest_readings(items=[reading()], device=plug)
    by_home = ingest_readings(items=[reading(device="plug-1")], home=home)

    assert by_device.items[0].reason == by_home.items[0].reason == "device is inactive"
    assert not Reading.objects.exists()


def test_a_batch_over_the_limit_is_refused_whole(plug):
    with pytest.raises(BatchTooLarge):
        ingest_readings(items=[reading()] * (MAX_BATCH + 1), device=plug)

    assert not Reading.objects.exists()


def test_a_full_batch_is_stored(plug):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    items = [reading(time=start + timedelta(seconds=n), power_w=n % 4000) for n in range(MAX_BATCH)]

    result = ingest_readings(items=items, device=plug)

    assert result.stored == MAX_BATCH
    assert Reading.objects.filter(device=plug).count() == MAX_BATCH


def test_as_dict_has_counts_and_errors(plug):
    result = ingest_readings(items=[reading(), reading(power_w=-1)], device=plug)

    assert result.as_dict() == {
        "received": 2,
        "stored": 1,
        "duplicate": 0,
        "rejected": 1,
        "errors": [{"index": 1, "status": "rejected", "field": "power_w", "reason": "-1 is outside 0..4000"}],
    }


def test_items_must_be_a_list_and_someone_must_post(home, plug):
    with pytest.raises(TypeError):
        ingest_readings(items={"time": "x"}, device=plug)
    with pytest.raises(ValueError):
        ingest_readings(items=[reading()])


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="PostgreSQL only: SQLite serialises writers by itself (skipped before a transactional flush)",
)
def test_concurrent_batches_store_each_reading_once_and_count_it_once(transactional_db, home):
    # On PostgreSQL the row lock on the device keeps the stored/duplicate split right.
    from django.db import connection

    from devices.tests.factories import DeviceTypeFactory

    plug = register(home, type=DeviceTypeFactory(max_power_w=4_000), external_id="plug-race").device
    start = datetime(2026, 1, 5, tzinfo=UTC)
    items = [reading(time=start + timedelta(seconds=n), power_w=n) for n in range(300)]
    barrier = threading.Barrier(4)
    results = []

    def post_batch():
        try:
            barrier.wait()
            results.append(ingest_readings(items=items, device=plug))
        finally:
            connection.close()

    workers = [threading.Thread(target=post_batch) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert len(results) == 4
    assert sum(result.stored for result in results) == 300
    assert sum(result.duplicate for result in results) == 900
    assert Reading.objects.filter(device=plug).count() == 300

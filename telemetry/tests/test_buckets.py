"""TimeBucket: the same bucket starts on SQLite, plain PostgreSQL, TimescaleDB and in Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count

from devices.models import Device, DeviceType
from telemetry.buckets import TimeBucket, bucketed, uses_timescaledb
from telemetry.energy import bucket_start
from telemetry.models import Reading

STEPS = [timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=6), timedelta(days=1)]
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 14, 30, 250_000, tzinfo=UTC),
    datetime(2026, 10, 25, 23, 45, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 30, tzinfo=UTC),  # before the origin
]


@pytest.fixture
def readings(home):
    kind = DeviceType.objects.create(slug="plug", name="Plug")
    device = Device.objects.create(home=home, type=kind, name="Kettle", external_id="kettle-1")
    Reading.objects.bulk_create([Reading(device=device, time=moment, power_w=1.0) for moment in MOMENTS])
    return device


def _assert_buckets_match_python():
    for step in STEPS:
        rows = bucketed(Reading.objects.order_by("time"), step).values_list("time", "bucket")
        for moment, bucket in rows:
            assert bucket == bucket_start(moment, step), (step, moment)
            assert bucket.utcoffset() == timedelta(0)


@pytest.mark.django_db
def test_buckets_match_the_python_rule_on_this_database(readings):
    _assert_buckets_match_python()


@pytest.mark.django_db
def test_group_by_bucket_counts_rows(readings):
    grouped = dict(
        Reading.objects.annotate(bucket=TimeBucket(timedelta(hours=1), "time"))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("bucket", "n")
    )
    assert grouped[datetime(2026, 3, 29, 1, 0, tzinfo=UTC)] == 2
    assert grouped[datetime(2026, 3, 29, 0, 0, tzinfo=UTC)] == 1
    assert sum(grouped.values()) == len(MOMENTS)


@pytest.mark.django_db
def test_plain_postgresql_uses_date_bin(readings, require_service):
    require_service("postgres")
    if uses_timescaledb(connection):
        pytest.skip("this database has TimescaleDB")
    sql = str(bucketed(Reading.objects.all(), timedelta(hours=1)).query)
    assert "date_bin(" in sql
    _assert_buckets_match_python()


@pytest.mark.timescaledb
@pytest.mark.django_db
def test_timescaledb_uses_time_bucket(readings, require_service):
    require_service("timescaledb", ci_required=False)
    assert uses_timescaledb(connection)
    sql = str(bucketed(Reading.objects.all(), timedelta(hours=1)).query)
    assert "time_bucket(" in sql
    _assert_buckets_match_python()


@pytest.mark.django_db
def test_the_timescaledb_check_is_cached_per_connection(django_assert_num_queries, require_service):
    require_service("postgres")
    uses_timescaledb(connection)
    with django_assert_num_queries(0):
        uses_timescaledb(connection)


def test_steps_must_be_whole_positive_seconds():
    with pytest.raises(ValueError):
        TimeBucket(timedelta(0), "time")
    with pytest.raises(ValueError):
        TimeBucket(timedelta(milliseconds=1500), "time")

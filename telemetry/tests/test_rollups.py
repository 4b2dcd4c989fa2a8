"""Hourly and daily rollups: exact at hour boundaries, idempotent, late data, DST days, concurrency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from devices.models import Device, DeviceType
from telemetry import rollups
from telemetry.dirty import hour_start, mark_hours_dirty
from telemetry.energy import Sample, integrate_readings
from telemetry.models import DailyRollup, DirtyHour, HourlyRollup, Reading
from telemetry.rollups import local_day_bounds, rollup_day, rollup_dirty_hours, rollup_hour

pytestmark = pytest.mark.django_db

H10 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
H11 = H10 + timedelta(hours=1)


@pytest.fixture
def device(home):
    kind = DeviceType.objects.create(slug="rollup-test-plug", name="Test plug")
    return Device.objects.create(home=home, type=kind, name="Kettle", external_id="rollup-kettle")


def add(device, *points: tuple[datetime, float] | tuple[datetime, float, float]) -> None:
    """Store readings and mark their hours dirty, as ingestion does."""
    rows = [
        Reading(device=device, time=p[0], power_w=p[1], energy_wh_total=(p[2] if len(p) > 2 else None)) for p in points
    ]
    Reading.objects.bulk_create(rows)
    mark_hours_dirty((device.pk, hour_start(p[0])) for p in points)


def minute(hour: datetime, m: float) -> datetime:
    return hour + timedelta(minutes=m)


def hourly(device, hour):
    return HourlyRollup.objects.filter(device=device, hour=hour).first()


def snapshot():
    return (
        list(HourlyRollup.objects.order_by("device_id", "hour").values()),
        list(DailyRollup.objects.order_by("device_id", "day").values()),
    )


def test_rollup_hour_counts_the_reading_before_the_hour_that_carries_into_it(device):
    # 500 W at 09:58, next at 10:02: 2 of its 4 minutes are in hour 10 → 500 × 2/60 = 16.667 Wh.
    # 1000 W every minute 10:02..10:59: 57 full minutes + the last one's first minute = 58 min
    # → 1000 × 58/60 = 966.667 Wh. Hour 10 = 983.333 Wh; samples = 58 (10:02..10:59).
    add(device, (minute(H10, -2), 500), *[(minute(H10, m), 1000) for m in range(2, 60)])
    row = rollup_hour(device=device, hour=H10)
    assert row.energy_wh == pytest.approx(500 * 2 / 60 + 1000 * 58 / 60)
    assert row.samples == 58
    assert (row.min_power_w, row.max_power_w) == (500, 1000)
    # The last reading (10:59) holds 5 min: 4 of them in hour 11 → 66.667 Wh there.
    assert rollup_hour(device=device, hour=H11).energy_wh == pytest.approx(1000 * 4 / 60)


def test_rollup_hour_needs_the_reading_after_the_hour_to_end_the_last_interval(device):
    # 1200 W at 10:58, 0 W at 11:00: the 10:58 reading holds exactly 2 min → 40 Wh, not 5 min.
    add(device, (minute(H10, 58), 1200), (H11, 0))
    assert rollup_hour(device=device, hour=H10).energy_wh == pytest.approx(40)


def test_rollup_hour_deletes_the_row_when_the_hour_has_no_data(device):
    add(device, (minute(H10, 30), 600))
    assert rollup_hour(device=device, hour=H10) is not None
    Reading.objects.all().delete()
    assert rollup_hour(device=device, hour=H10) is None
    assert not HourlyRollup.objects.exists()


def test_rollup_hour_refuses_a_time_that_is_not_an_hour(device):
    with pytest.raises(ValueError):
        rollup_hour(device=device, hour=minute(H10, 5))


def test_dirty_hours_are_recomputed_with_the_next_hour_and_their_day(device):
    # 1200 W at 10:58 holds 5 min: 2 min in hour 10 (40 Wh), 3 min in hour 11 (60 Wh).
    add(device, (minute(H10, 58), 1200))
    stats = rollup_dirty_hours()
    assert stats.claimed == 1
    assert stats.hours_computed == 2
    assert stats.hours_written == 2
    assert hourly(device, H10).energy_wh == pytest.approx(40)
    assert hourly(device, H11).energy_wh == pytest.approx(60)
    assert not DirtyHour.objects.exists()
    day = DailyRollup.objects.get(device=device, day=date(2026, 5, 1))
    assert day.energy_wh == pytest.approx(100)
    assert day.samples == 1
    assert day.mean_power_w == pytest.approx(1200)


def test_rerunning_changes_nothing(device):
    add(device, *[(minute(H10, m), 100 + m) for m in range(0, 120, 3)])
    rollup_dirty_hours()
    before = snapshot()
    assert before[0]
    # Everything dirty again, as after a replayed batch: same rows, same computed_at.
    mark_hours_dirty([(device.pk, H10), (device.pk, H11)])
    stats = rollup_dirty_hours()
    assert stats.claimed == 2
    assert stats.hours_written == 0
    assert stats.days_written == 0
    assert snapshot() == before


def test_late_and_out_of_order_readings_roll_up_like_in_order_ones(device, other_home):
    times = [minute(H10, m) for m in range(0, 118, 2)]
    power = {t: 200.0 + (i * 37) % 500 for i, t in enumerate(times)}
    first, late = times[::2], times[1::2]
    add(device, *[(t, power[t]) for t in first])
    rollup_dirty_hours()
    # The other half arrives later, newest first.
    add(device, *[(t, power[t]) for t in reversed(late)])
    rollup_dirty_hours()
    expected = {b.start: b for b in integrate_readings([Sample(t, p) for t, p in power.items()])}
    for hour in (H10, H11):
        row = hourly(device, hour)
        assert row.energy_wh == pytest.approx(expected[hour].energy_wh)
        assert row.mean_power_w == pytest.approx(expected[hour].mean_power_w)
        assert row.samples == expected[hour].samples == 30 - (hour == H11)


def test_a_meter_device_rolls_up_its_meter_difference(device):
    # Meter 10 000 → 10 050 → reset → 30 (Wh) at 10:00, 10:04, 10:08: 50 + 30 Wh;
    # the last reading's 0 W holds 5 min: 0 Wh. Hour 10 = 80 Wh.
    add(device, (H10, 750, 10_000), (minute(H10, 4), 750, 10_050), (minute(H10, 8), 0, 30))
    rollup_dirty_hours()
    assert hourly(device, H10).energy_wh == pytest.approx(80)


def _constant_day(device, day: date, power_w: float) -> None:
    start, end = local_day_bounds(day, device.home.zone)
    points = []
    moment = start
    while moment < end:  # every 5 min (= max gap): the day is covered exactly, nothing spills over
        points.append((moment, power_w))
        moment += timedelta(minutes=5)
    add(device, *points)


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)])
def test_local_days_in_berlin_have_23_24_or_25_hours(device, day, hours):
    assert device.home.time_zone == "Europe/Berlin"
    _constant_day(device, day, 1200)
    rollup_dirty_hours()
    # 1200 W for the whole local day: 1200 × 23 = 27 600 Wh, × 25 = 30 000 Wh, × 24 = 28 800 Wh.
    daily = DailyRollup.objects.get(device=device, day=day)
    assert daily.energy_wh == pytest.approx(1200 * hours)
    assert daily.samples == hours * 12
    assert daily.mean_power_w == pytest.approx(1200)
    assert HourlyRollup.objects.filter(device=device).count() == hours
    # Nothing leaked into the neighbouring local days.
    assert list(DailyRollup.objects.filter(device=device).values_list("day", flat=True)) == [day]


def test_rollup_day_sums_hours_and_deletes_an_empty_day(device):
    day = date(2026, 5, 1)
    add(device, (minute(H10, 0), 600), (minute(H10, 5), 1800))  # 50 + 150 Wh
    rollup_dirty_hours()
    row = rollup_day(device=device, day=day)
    assert row.energy_wh == pytest.approx(200)
    assert (row.min_power_w, row.max_power_w) == (600, 1800)
    HourlyRollup.objects.all().delete()
    assert rollup_day(device=device, day=day) is None
    assert not DailyRollup.objects.exists()


def test_a_hour_remarked_while_the_run_computes_is_kept_for_the_next_run(device, monkeypatch):
    add(device, (minute(H10, 10), 600))
    add(device, (minute(H10, 190), 600))  # 13:10
    h13 = H10 + timedelta(hours=3)
    original = rollups._rollup_hour

    def compute_then_remark(device_id, hour, max_gap):
        if hour == H10:
            # Meanwhile ingestion stores a late reading for 13:00 and marks the hour again.
            Reading.objects.create(device=device, time=minute(h13, 30), power_w=1200)
            DirtyHour.objects.filter(device=device, hour=h13).update(marked_at=timezone.now())
        return original(device_id, hour, max_gap)

    monkeypatch.setattr(rollups, "_rollup_hour", compute_then_remark)
    stats = rollup_dirty_hours()
    assert (stats.claimed, stats.skipped) == (1, 1)
    assert DirtyHour.objects.filter(device=device, hour=h13).exists()
    monkeypatch.undo()
    rollup_dirty_hours()
    # 600 W × 5 min + 1200 W × 5 min = 50 + 100 Wh
    assert hourly(device, h13).energy_wh == pytest.approx(150)
    assert not DirtyHour.objects.exists()


def test_a_hour_taken_by_a_concurrent_run_is_skipped(device, monkeypatch):
    add(device, (minute(H10, 10), 600))
    add(device, (minute(H10, 190), 600))
    h13 = H10 + timedelta(hours=3)
    original = rollups._rollup_hour

    def compute_while_another_run_claims(device_id, hour, max_gap):
        if hour == H10:
            DirtyHour.objects.filter(device=device, hour=h13).delete()
        return original(device_id, hour, max_gap)

    monkeypatch.setattr(rollups, "_rollup_hour", compute_while_another_run_claims)
    stats = rollup_dirty_hours()
    assert (stats.claimed, stats.skipped) == (1, 1)


def test_a_failed_computation_keeps_the_hour_dirty(device, monkeypatch):
    add(device, (minute(H10, 10), 600))

    def fail(device_id, hour, max_gap):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rollups, "_rollup_hour", fail)
    with pytest.raises(RuntimeError):
        rollup_dirty_hours()
    assert DirtyHour.objects.filter(device=device, hour=H10).exists()


def test_limit_and_device_filter(device, home):
    other = Device.objects.create(home=home, type=device.type, name="Fridge", external_id="rollup-fridge")
    add(device, *[(H10 + timedelta(hours=h), 100) for h in range(5)])
    add(other, (H10, 100))
    stats = rollup_dirty_hours(limit=2, device_ids=[device.pk])
    assert stats.claimed == 2
    assert DirtyHour.objects.filter(device=device).count() == 3
    assert DirtyHour.objects.filter(device=other).count() == 1

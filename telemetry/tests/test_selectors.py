"""Telemetry selectors: power series (raw / hourly / daily), energy breakdowns, latest power."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from devices.models import Device, DeviceType
from telemetry.models import DailyRollup, HourlyRollup, Reading
from telemetry.selectors import energy_by, latest_power, power_series

pytestmark = pytest.mark.django_db

H10 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def kinds():
    return (
        DeviceType.objects.create(slug="sel-test-plug", name="Test plug"),
        DeviceType.objects.create(slug="sel-test-heat", name="Test heater"),
    )


@pytest.fixture
def kettle(home, kinds):
    return Device.objects.create(home=home, type=kinds[0], name="Kettle", room="Kitchen", external_id="sel-kettle")


@pytest.fixture
def heater(home, kinds):
    return Device.objects.create(home=home, type=kinds[1], name="Heater", room="", external_id="sel-heater")


def readings(device, start, count, power_w, every=timedelta(minutes=1)):
    Reading.objects.bulk_create([Reading(device=device, time=start + i * every, power_w=power_w) for i in range(count)])


def hour_row(device, hour, energy_wh, mean_power_w=None):
    HourlyRollup.objects.create(
        device=device,
        hour=hour,
        energy_wh=energy_wh,
        mean_power_w=energy_wh if mean_power_w is None else mean_power_w,
        min_power_w=0,
        max_power_w=energy_wh,
        samples=60,
    )


def test_short_periods_come_from_raw_readings_per_minute(home, kettle, heater):
    readings(kettle, H10, 30, 1000)  # 10:00..10:29, the last holds to 10:34
    readings(heater, H10, 30, 500)
    series = power_series(home=home, start=H10, end=H10 + timedelta(hours=1))
    assert {p.source for p in series} == {"raw"}
    assert [p.time for p in series] == [H10 + timedelta(minutes=m) for m in range(34)]
    assert all(p.power_w == pytest.approx(1500) and p.device_id is None for p in series)

    per_device = power_series(home=home, start=H10, end=H10 + timedelta(hours=1), by_device=True)
    assert len(per_device) == 68
    assert {(p.device_id, round(p.power_w, 6)) for p in per_device} == {(kettle.pk, 1000), (heater.pk, 500)}


def test_raw_buckets_are_time_weighted(home, kettle):
    # 10:00 600 W for 1 min, 10:01 1200 W for 5 min; 10-minute step: (600×1 + 1200×5)/6 = 1100 W.
    Reading.objects.bulk_create(
        [
            Reading(device=kettle, time=H10, power_w=600),
            Reading(device=kettle, time=H10.replace(minute=1), power_w=1200),
        ]
    )
    [point] = power_series(devices=[kettle], start=H10, end=H10 + timedelta(hours=1), step=timedelta(minutes=10))
    assert point.power_w == pytest.approx(1100)


def test_longer_periods_come_from_hourly_rollups(home, kettle, heater):
    for h in range(48):
        hour_row(kettle, H10 + timedelta(hours=h), 100)
        hour_row(heater, H10 + timedelta(hours=h), 50)
    series = power_series(home=home, start=H10, end=H10 + timedelta(days=2))
    assert len(series) == 48
    assert {p.source for p in series} == {"hourly"}
    assert series[0].time == H10
    assert all(p.power_w == pytest.approx(150) for p in series)

    # A 6-hour step regroups hourly rollups (UTC-aligned: 12:00, 18:00, ...; 10:00-11:00 fall in 06:00).
    six = power_series(devices=[kettle], start=H10, end=H10 + timedelta(days=2), step=timedelta(hours=6))
    assert six[0].time == H10.replace(hour=6)
    assert six[1].time == H10.replace(hour=12)
    assert all(p.power_w == pytest.approx(100) for p in six)


def test_very_long_periods_come_from_daily_rollups_at_local_midnight(home, kettle):
    for d in range(100):
        DailyRollup.objects.create(
            device=kettle, day=date(2026, 1, 1) + timedelta(days=d), energy_wh=2400, mean_power_w=100, samples=1
        )
    start = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # Berlin midnight of 1 January
    series = power_series(home=home, start=start, end=start + timedelta(days=100))
    assert {p.source for p in series} == {"daily"}
    assert series[0].time == start
    # 29 March 2026 (DST starts): local midnight is still +01:00, 30 March's is +02:00.
    times = {p.time for p in series}
    assert datetime(2026, 3, 28, 23, 0, tzinfo=UTC) in times
    assert datetime(2026, 3, 29, 22, 0, tzinfo=UTC) in times


def test_power_series_refuses_bad_scopes_and_periods(home, other_home, kettle, kinds):
    stranger = Device.objects.create(home=other_home, type=kinds[0], name="X", external_id="sel-stranger")
    with pytest.raises(ValueError):
        power_series(devices=[kettle, stranger], start=H10, end=H10 + timedelta(hours=1))
    with pytest.raises(ValueError):
        power_series(home=home, devices=[kettle], start=H10, end=H10 + timedelta(hours=1))
    with pytest.raises(ValueError):
        power_series(home=home, start=H10, end=H10)
    with pytest.raises(ValueError):
        power_series(home=home, start=H10, end=H10 + timedelta(days=30), step=timedelta(minutes=5))


def test_energy_by_device_room_and_type(home, kettle, heater):
    hour_row(kettle, H10, 300)
    hour_row(kettle, H10 + timedelta(hours=1), 200)
    hour_row(heater, H10, 800)
    hour_row(heater, H10 - timedelta(hours=1), 999)  # before the period
    period = {"home": home, "start": H10, "end": H10 + timedelta(hours=2)}

    assert [(r.key, r.label, r.energy_wh) for r in energy_by(**period, by="device")] == [
        (heater.pk, "Heater", 800),
        (kettle.pk, "Kettle", 500),
    ]
    assert [(r.key, r.label, r.energy_wh) for r in energy_by(**period, by="room")] == [
        ("", "No room", 800),
        ("Kitchen", "Kitchen", 500),
    ]
    assert [(r.key, r.energy_wh) for r in energy_by(**period, by="type")] == [
        ("sel-test-heat", 800),
        ("sel-test-plug", 500),
    ]
    assert [(r.key, r.energy_wh) for r in energy_by(**period, by="hour")] == [
        (H10, 1100),
        (H10 + timedelta(hours=1), 200),
    ]


def test_energy_by_day_uses_home_local_days(home, kettle, other_home):
    # Berlin is UTC+2 in May: 21:00 UTC is 23:00 on 1 May, 22:00 UTC is 00:00 on 2 May.
    hour_row(kettle, datetime(2026, 5, 1, 21, 0, tzinfo=UTC), 100)
    hour_row(kettle, datetime(2026, 5, 1, 22, 0, tzinfo=UTC), 40)
    hour_row(kettle, datetime(2026, 5, 1, 23, 0, tzinfo=UTC), 2)
    rows = energy_by(home=home, start=datetime(2026, 5, 1, tzinfo=UTC), end=datetime(2026, 5, 3, tzinfo=UTC), by="day")
    assert [(r.key, r.energy_wh) for r in rows] == [(date(2026, 5, 1), 100), (date(2026, 5, 2), 42)]
    # Another home sees nothing of it.
    assert energy_by(home=other_home, start=H10 - timedelta(days=1), end=H10 + timedelta(days=1), by="day") == []


def test_energy_by_unknown_grouping(home):
    with pytest.raises(ValueError):
        energy_by(home=home, start=H10, end=H10 + timedelta(hours=1), by="colour")


def test_latest_power_is_the_newest_reading_per_device(
    home, kettle, heater, other_home, kinds, django_assert_num_queries
):
    stranger = Device.objects.create(home=other_home, type=kinds[0], name="X", external_id="sel-stranger")
    readings(stranger, H10, 3, 9999)
    Reading.objects.bulk_create(
        [
            Reading(device=kettle, time=H10 + timedelta(minutes=5), power_w=2000),
            Reading(device=kettle, time=H10, power_w=10),
            Reading(device=kettle, time=H10 + timedelta(minutes=2), power_w=20),
        ]
    )
    with django_assert_num_queries(1):
        latest = latest_power(home=home)
    assert set(latest) == {kettle.pk}  # the heater has no readings; the stranger is another home's
    assert latest[kettle.pk].time == H10 + timedelta(minutes=5)
    assert latest[kettle.pk].power_w == 2000

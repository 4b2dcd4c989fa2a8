"""The energy rule (telemetry.energy.integrate_readings) against hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telemetry.energy import MAX_GAP, Sample, bucket_start, integrate_readings

H10 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
H11 = H10 + timedelta(hours=1)


def at(minutes: float, power_w: float, meter_wh: float | None = None) -> Sample:
    return Sample(H10 + timedelta(minutes=minutes), power_w, meter_wh)


def by_start(buckets):
    return {b.start: b for b in buckets}


def test_empty_input_gives_no_buckets():
    assert integrate_readings([]) == []


def test_default_max_gap_is_five_minutes():
    assert timedelta(minutes=5) == MAX_GAP


def test_constant_power_every_minute_for_an_hour():
    # 60 readings of 1200 W at 10:00..10:59; each holds 1 min, the last holds max_gap (5 min),
    # of which 1 min (10:59-11:00) is in hour 10 and 4 min in hour 11.
    # hour 10: 1200 W × 60 min = 1200 Wh; hour 11: 1200 W × 4 min = 80 Wh.
    result = by_start(integrate_readings([at(m, 1200) for m in range(60)]))
    assert result[H10].energy_wh == pytest.approx(1200)
    assert result[H10].mean_power_w == pytest.approx(1200)
    assert (result[H10].min_power_w, result[H10].max_power_w) == (1200, 1200)
    assert result[H10].samples == 60
    assert result[H10].covered_s == pytest.approx(3600)
    assert result[H11].energy_wh == pytest.approx(80)
    assert result[H11].samples == 0
    assert result[H11].covered_s == pytest.approx(240)


def test_irregular_intervals_are_weighted_by_time():
    # 100 W at :00 holds 1 min, 400 W at :01 holds 3 min, 1000 W at :04 holds 5 min (last).
    # energy = 100×1/60 + 400×3/60 + 1000×5/60 = 1.6667 + 20 + 83.3333 = 105 Wh over 9 min;
    # time-weighted mean = 105 Wh / (9/60 h) = 700 W (a plain average would say 500 W).
    [hour] = integrate_readings([at(0, 100), at(1, 400), at(4, 1000)])
    assert hour.energy_wh == pytest.approx(105)
    assert hour.mean_power_w == pytest.approx(700)
    assert (hour.min_power_w, hour.max_power_w) == (100, 1000)
    assert hour.samples == 3
    assert hour.covered_s == pytest.approx(540)


def test_a_gap_longer_than_max_gap_is_no_data():
    # 600 W at :00, next reading at :20 (gap 20 min > 5): the first holds only 5 min.
    # 600 W at :20 is the last and holds 5 min. energy = 600 × 10/60 = 100 Wh, not 600 × 25/60.
    [hour] = integrate_readings([at(0, 600), at(20, 600)])
    assert hour.energy_wh == pytest.approx(100)
    assert hour.covered_s == pytest.approx(600)
    assert hour.mean_power_w == pytest.approx(600)


def test_a_gap_of_exactly_max_gap_still_holds():
    # 300 W at :00 and :05 (gap = max_gap): 300 × 5/60 + 300 × 5/60 = 50 Wh.
    [hour] = integrate_readings([at(0, 300), at(5, 300)])
    assert hour.energy_wh == pytest.approx(50)


def test_max_gap_is_a_parameter():
    # Readings at :00 and :40 (gap 40 min). With max_gap = 30 min: the first holds 30 min
    # (600 W × 0.5 h = 300 Wh); the last holds 30 min, 10:40-11:10: 20 min in hour 10 (200 Wh),
    # 10 min in hour 11 (100 Wh). Hour 10 = 500 Wh, hour 11 = 100 Wh.
    result = by_start(integrate_readings([at(0, 600), at(40, 600)], max_gap=timedelta(minutes=30)))
    assert result[H10].energy_wh == pytest.approx(500)
    assert result[H11].energy_wh == pytest.approx(100)


def test_interval_crossing_the_hour_is_split():
    # 3000 W at 10:58, next at 11:02 (4 min): 2 min in hour 10 (100 Wh), 2 min in hour 11 (100 Wh);
    # 1500 W at 11:02 is last, holds 5 min in hour 11: 1500 × 5/60 = 125 Wh. Hour 11 = 225 Wh.
    result = by_start(integrate_readings([at(58, 3000), at(62, 1500)]))
    assert result[H10].energy_wh == pytest.approx(100)
    assert result[H10].samples == 1
    assert result[H11].energy_wh == pytest.approx(225)
    assert result[H11].samples == 1
    # The 3000 W carried into 11:00-11:02 counts as a power level of hour 11.
    assert (result[H11].min_power_w, result[H11].max_power_w) == (1500, 3000)
    # mean over 7 covered minutes: 225 Wh / (7/60 h) = 1928.57 W
    assert result[H11].mean_power_w == pytest.approx(225 * 60 / 7)


def test_cumulative_meter_difference_is_the_energy_and_a_reset_counts_from_zero():
    # Meter every 2 min: 1000 → 1010 → 1030 (+10, +20 Wh), then a reset to 5 (counts 5 Wh),
    # then 25 (+20 Wh). The power values (999 W) are ignored between meter readings.
    # The last reading holds 999 W for 5 min by power: 999 × 5/60 = 83.25 Wh.
    # total = 10 + 20 + 5 + 20 + 83.25 = 138.25 Wh
    readings = [at(0, 999, 1000), at(2, 999, 1010), at(4, 999, 1030), at(6, 999, 5), at(8, 999, 25)]
    [hour] = integrate_readings(readings)
    assert hour.energy_wh == pytest.approx(138.25)
    assert hour.covered_s == pytest.approx(13 * 60)


def test_meter_energy_is_spread_over_an_interval_crossing_the_hour():
    # Meter 500 Wh at 10:58, 520 Wh at 11:02: 20 Wh over 4 min, 2 min each side → 10 Wh per hour.
    # The 11:02 reading (0 W) is the last and adds 0 Wh.
    result = by_start(integrate_readings([at(58, 0, 500), at(62, 0, 520)]))
    assert result[H10].energy_wh == pytest.approx(10)
    assert result[H11].energy_wh == pytest.approx(10)


def test_meter_difference_is_not_used_across_a_silence():
    # Meter 100 → 400 Wh across 30 min (> max gap): no interval, the 60 W reading holds 5 min (5 Wh);
    # the last reading (60 W) holds 5 min (5 Wh). 10 Wh, not 300.
    [hour] = integrate_readings([at(0, 60, 100), at(30, 60, 400)])
    assert hour.energy_wh == pytest.approx(10)


def test_a_single_reading_holds_for_max_gap():
    # 720 W at 10:10 → 720 × 5/60 = 60 Wh.
    [hour] = integrate_readings([at(10, 720)])
    assert hour.energy_wh == pytest.approx(60)
    assert hour.samples == 1
    assert hour.mean_power_w == pytest.approx(720)


def test_out_of_order_input_is_sorted_and_duplicates_keep_the_last():
    # Same as the irregular case, shuffled, with a duplicate at :01 whose last value (400 W) wins.
    shuffled = [at(4, 1000), at(1, 50), at(0, 100), at(1, 400)]
    [hour] = integrate_readings(shuffled)
    assert hour.energy_wh == pytest.approx(105)
    assert hour.samples == 3


def test_negative_power_for_storage_discharge_integrates_to_negative_energy():
    # Battery: +2000 W charging 10:00-10:03 (100 Wh), -1500 W discharging 10:03-10:05 (-50 Wh),
    # last reading -1500 W holds 5 min (-125 Wh). total = 100 - 50 - 125 = -75 Wh over 10 min;
    # mean = -75 Wh / (10/60 h) = -450 W.
    [hour] = integrate_readings([at(0, 2000), at(3, -1500), at(5, -1500)])
    assert hour.energy_wh == pytest.approx(-75)
    assert hour.mean_power_w == pytest.approx(-450)
    assert (hour.min_power_w, hour.max_power_w) == (-1500, 2000)


def test_buckets_are_utc_even_for_readings_in_another_zone():
    berlin = ZoneInfo("Europe/Berlin")
    local = datetime(2026, 5, 1, 12, 30, tzinfo=berlin)  # 10:30 UTC
    [hour] = integrate_readings([Sample(local, 120)])
    assert hour.start == H10
    assert hour.start.tzinfo == UTC


def test_other_bucket_widths():
    # 15-minute buckets: 600 W at 10:10 holds to 10:15 (50 Wh in the 10:00 bucket).
    [bucket] = integrate_readings([at(10, 600)], step=timedelta(minutes=15))
    assert bucket.start == H10
    assert bucket.energy_wh == pytest.approx(50)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        integrate_readings([Sample(datetime(2026, 5, 1, 10), 1)])


def test_bucket_start():
    assert bucket_start(H10 + timedelta(minutes=59, seconds=59)) == H10
    assert bucket_start(H10 + timedelta(minutes=7), timedelta(minutes=5)) == H10 + timedelta(minutes=5)
    # Before the origin (2000-01-03) buckets still floor.
    old = datetime(1999, 12, 31, 23, 59, tzinfo=UTC)
    assert bucket_start(old) == datetime(1999, 12, 31, 23, 0, tzinfo=UTC)

"""CSV import and export through their public functions and management commands."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from devices.services import register_device
from telemetry.backfill import drain_rollups
from telemetry.csv_io import CsvFormatError, export_readings_csv, import_readings_csv, local_period
from telemetry.models import Reading

GOOD_AND_BAD = """Timestamp,Device,Power_W,Energy_Wh_Total
2026-01-05T12:00:00Z,fridge-1,120,1000
2026-01-05T12:01:00Z,Fridge,118,
not-a-time,fridge-1,100,
2026-01-05T12:02:00Z,toaster,100,
2026-01-05T12:03:00Z,fridge-1,99999,
2026-01-05T12:04:00Z,fridge-1,abc,

2026-01-05 13:05:00+01:00,fridge-1,121,1002.5
"""


@pytest.fixture
def fridge(home):
    return register_device(home=home, type="fridge", name="Fridge", external_id="fridge-1").device


@pytest.fixture
def meter(home):
    return register_device(home=home, type="grid-meter", name="Grid meter", external_id="meter-1").device


def test_import_stores_the_good_rows_and_reports_each_bad_one_with_its_line(home, fridge):
    result = import_readings_csv(home=home, file=StringIO(GOOD_AND_BAD))

    assert (result.rows, result.stored, result.duplicates, result.rejected) == (7, 3, 0, 4)
    assert [(e.line, e.field) for e in result.errors] == [
        (4, "timestamp"),
        (5, "device"),
        (6, "power_w"),
        (7, "power_w"),
    ]
    assert "toaster" in result.errors[1].reason
    assert "outside" in result.errors[2].reason
    assert "not a number" in result.errors[3].reason
    stored = list(Reading.objects.filter(device=fridge).order_by("time").values_list("time", "power_w"))
    assert stored == [
        (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), 120.0),
        (datetime(2026, 1, 5, 12, 1, tzinfo=UTC), 118.0),
        (datetime(2026, 1, 5, 12, 5, tzinfo=UTC), 121.0),
    ]
    assert Reading.objects.get(device=fridge, time=datetime(2026, 1, 5, 12, 5, tzinfo=UTC)).energy_wh_total == 1002.5


def test_importing_the_same_file_again_counts_duplicates_and_stores_nothing(home, fridge):
    import_readings_csv(home=home, file=StringIO(GOOD_AND_BAD))
    again = import_readings_csv(home=home, file=io.BytesIO(GOOD_AND_BAD.encode()))
    assert (again.stored, again.duplicates, again.rejected) == (0, 3, 4)
    assert Reading.objects.count() == 3


def test_a_header_without_a_required_column_is_refused_before_anything_is_stored(home, fridge):
    with pytest.raises(CsvFormatError, match="power_w"):
        import_readings_csv(home=home, file=StringIO("timestamp,device\n2026-01-05T12:00:00Z,fridge-1\n"))
    with pytest.raises(CsvFormatError, match="empty"):
        import_readings_csv(home=home, file=StringIO(""))
    assert not Reading.objects.exists()


def test_times_without_offset_are_read_in_the_given_zone(home, fridge):
    data = "timestamp,device,power_w\n2026-01-05 12:00:00,fridge-1,100\n"
    import_readings_csv(home=home, file=StringIO(data), assume_time_zone="Europe/Berlin")
    assert Reading.objects.get().time == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)


def test_a_large_gzip_file_streams_in_chunks_with_progress(home, fridge, meter):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = ["time,device,power_watts,extra column"]
    for i in range(6_000):
        moment = (start + timedelta(minutes=i)).isoformat()
        lines.append(f"{moment},fridge-1,{100 + i % 7},x")
        lines.append(f"{moment},meter-1,{-500 + i % 900},y")
    payload = io.BytesIO(gzip.compress("\n".join(lines).encode()))
    seen = []
    result = import_readings_csv(home=home, file=payload, progress=seen.append)
    assert (result.rows, result.stored, result.rejected) == (12_000, 12_000, 0)
    assert len(seen) >= 3
    assert seen[-1].fraction == pytest.approx(1.0)
    assert Reading.objects.filter(device=meter, power_w__lt=0).exists()


def test_export_of_readings_can_be_imported_again(home, fridge, meter):
    now = timezone.now().replace(microsecond=0)
    import_readings_csv(
        home=home,
        file=StringIO(
            "timestamp,device,power_w,voltage_v\n"
            f"{(now - timedelta(minutes=2)).isoformat()},fridge-1,120.5,230.1\n"
            f"{(now - timedelta(minutes=1)).isoformat()},meter-1,-250,\n"
        ),
    )
    lines = list(export_readings_csv(home=home, start=now - timedelta(hours=1), end=now + timedelta(minutes=1)))
    rows = list(csv.DictReader(lines))
    assert [(r["device"], r["device_name"], r["power_w"], r["voltage_v"]) for r in rows] == [
        ("fridge-1", "Fridge", "120.5", "230.1"),
        ("meter-1", "Grid meter", "-250.0", ""),
    ]
    assert rows[0]["timestamp"].endswith("Z")
    again = import_readings_csv(home=home, file=StringIO("".join(lines)))
    assert (again.duplicates, again.rejected) == (2, 0)


def test_export_of_hourly_and_daily_energy_from_the_rollups(home, fridge):
    day = (timezone.now() - timedelta(days=2)).astimezone(home.zone).date()
    start, end = local_period(home, day, day)
    # 200 W all day long, a reading a minute: 4.8 kWh, 200 Wh an hour.
    rows = ["timestamp,device,power_w"]
    moment = start
    while moment <= end:
        rows.append(f"{moment.isoformat()},fridge-1,200")
        moment += timedelta(minutes=1)
    import_readings_csv(home=home, file=StringIO("\n".join(rows)))
    drain_rollups()

    hourly = list(csv.DictReader(export_readings_csv(home=home, start=start, end=end, kind="hourly")))
    assert len(hourly) == 24
    assert all(float(h["energy_wh"]) == pytest.approx(200) for h in hourly)
    assert hourly[0]["local_time"].startswith(day.isoformat() + "T00:00")
    daily = list(csv.DictReader(export_readings_csv(home=home, start=start, end=end, kind="daily")))
    assert [(d["day"], d["device"]) for d in daily] == [(day.isoformat(), "fridge-1")]
    assert float(daily[0]["energy_wh"]) == pytest.approx(4800)
    with pytest.raises(ValueError, match="kind"):
        next(export_readings_csv(home=home, start=start, end=end, kind="weekly"))


def test_import_and_export_commands(home, fridge, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(GOOD_AND_BAD)
    out, err = StringIO(), StringIO()
    call_command("import_readings", str(source), "--home", str(home.pk), stdout=out, stderr=err)
    assert "3 stored" in out.getvalue() and "4 rejected" in out.getvalue()
    assert "line 5: device" in out.getvalue()
    assert "100.0%" in err.getvalue()

    target = tmp_path / "out.csv"
    call_command(
        "export_readings",
        "--home",
        str(home.pk),
        "--start",
        "2026-01-05",
        "--end",
        "2026-01-05",
        "-o",
        str(target),
        stderr=StringIO(),
    )
    exported = list(csv.DictReader(target.open()))
    assert len(exported) == 3
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_readings", str(tmp_path / "missing.csv"), "--home", str(home.pk), stderr=StringIO())


def test_local_period_covers_whole_local_days_across_a_dst_change(home):
    start, end = local_period(home, date(2026, 3, 29), date(2026, 3, 29))
    assert (end - start) == timedelta(hours=23)

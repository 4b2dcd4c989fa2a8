"""Readings in and out as CSV: import through the ingestion service, export readings or rollups.

Import format (header required, column names case-insensitive, other columns ignored):

    timestamp,device,power_w[,energy_wh_total,voltage_v,current_a,power_factor,soc_pct]

* ``timestamp``: ISO 8601 ("2026-01-05T12:00:00Z", "2026-01-05 13:00:00+01:00") or a Unix
  epoch in seconds. A timestamp without offset is read in ``assume_time_zone`` (UTC unless
  said otherwise). ``time`` is accepted as the column name too.
* ``device``: the external id of a device of the home, or its name (case-insensitive).
* ``power_w`` (also ``power_watts``, ``power``) and the optional numbers: plain decimals;
  an empty optional cell means "not given".

Rows go to ``telemetry.services.ingest_readings`` in chunks of 5,000, so the rules are the
ones every device meets (ranges per device type, duplicates recognised). A bad row is
reported with its line number, field and reason and never costs the good ones. The file
may be gzip-compressed (detected by its first bytes).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO

from accounts.models import Home
from devices.models import Device
from telemetry.models import DailyRollup, HourlyRollup, Reading

CHUNK_SIZE = 5_000
ERRORS_KEPT = 100
OPTIONAL_COLUMNS = ("energy_wh_total", "voltage_v", "current_a", "power_factor", "soc_pct")
ALIASES = {"time": "timestamp", "power_watts": "power_w", "power": "power_w", "watts": "power_w"}
REQUIRED_COLUMNS = ("timestamp", "device", "power_w")
EXPORT_KINDS = ("readings", "hourly", "daily")


class CsvFormatError(ValueError):
    """The file as a whole cannot be read as readings (no header, a required column missing)."""


@dataclass(frozen=True)
class RowError:
    """One rejected row: the file's line number, the field at fault and why."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class CsvProgress:
    rows: int
    stored: int
    duplicates: int
    rejected: int
    bytes_read: int
    total_bytes: int | None
    errors: tuple[RowError, ...] = ()

    @property
    def fraction(self) -> float | None:
        if not self.total_bytes:
            return None
        return min(1.0, self.bytes_read / self.total_bytes)


@dataclass(frozen=True)
class CsvImportResult:
    """Counts over the data rows (blank lines are not rows) and the first ERRORS_KEPT rejections."""

    rows: int
    stored: int
    duplicates: int
    rejected: int
    errors: tuple[RowError, ...]

    @property
    def errors_truncated(self) -> bool:
        return self.rejected > len(self.errors)


class _CountingReader(io.RawIOBase):
    """Passes bytes through and counts them, for a progress figure that works with gzip too."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _size_of(raw: IO[bytes]) -> int | None:
    size = getattr(raw, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(raw.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    try:
        if raw.seekable():
            here = raw.tell()
            size = raw.seek(0, io.SEEK_END)
            raw.seek(here)
            return size - here
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    return None


def _parse_timestamp(value: str, zone: zoneinfo.ZoneInfo) -> datetime:
    value = value.strip()
    if not value:
        raise ValueError("is empty")
    try:
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _parse_number(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise ValueError(f"{value.strip()[:40]!r} is not a number") from None


class _DeviceLookup:
    """A home's devices by external id, else by name (case-insensitive)."""

    def __init__(self, home: Home) -> None:
        devices = list(Device.objects.filter(home=home).only("external_id", "name"))
        self.by_id = {d.external_id: d.external_id for d in devices}
        self.by_name = {d.name.casefold(): d.external_id for d in devices}

    def __call__(self, value: str) -> str:
        value = value.strip()
        found = self.by_id.get(value) or self.by_name.get(value.casefold())
        if found is None:
            raise ValueError(f"unknown device {value[:60]!r} in this home (use its external id or name)")
        return found


def _header(row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        key = name.strip().lower()
        key = ALIASES.get(key, key)
        columns.setdefault(key, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CsvFormatError(
            f"The header has no {', '.join(missing)} column. The first line must name the columns: "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)})."
        )
    return columns


def import_readings_csv(
    *,
    home: Home,
    file: str | Path | IO[bytes] | IO[str],
    progress: Callable[[CsvProgress], None] | None = None,
    assume_time_zone: str = "UTC",
) -> CsvImportResult:
    """Import the readings in ``file`` (a path or an open file, text or bytes, maybe gzip) into ``home``.

    Good rows are stored in chunks of 5,000 as they come (a file of any size streams);
    ``progress`` is called after each chunk. Raises CsvFormatError when the header is missing
    or lacks a required column (nothing is stored then). Row-level problems never raise:
    they are counted and the first ERRORS_KEPT come back as RowError(line, field, reason).
    """
    from telemetry.services import ingest_readings

    zone = zoneinfo.ZoneInfo(assume_time_zone)
    opened = None
    if isinstance(file, str | Path):
        opened = file = open(file, "rb")  # noqa: SIM115 - closed in the finally below
    try:
        if isinstance(file, io.TextIOBase):
            text: IO[str] = file
            counter = None
            total = None
        else:
            counter = _CountingReader(file)  # type: ignore[arg-type]
            total = _size_of(file)  # type: ignore[arg-type]
            buffered = io.BufferedReader(counter)
            stream: IO[bytes] = gzip.GzipFile(fileobj=buffered) if buffered.peek(2)[:2] == b"\x1f\x8b" else buffered
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise CsvFormatError("The file is empty: it needs a header line and readings.")
        columns = _header(header)
        device_for = _DeviceLookup(home)
        counts = {"rows": 0, "stored": 0, "duplicates": 0, "rejected": 0}
        errors: list[RowError] = []
        # Rows rejected here wait for their chunk, so the kept errors stay in line order
        # when the service rejects an earlier row of the same chunk.
        pending: list[RowError] = []

        def flush(items: list[dict], lines: list[int]) -> None:
            found = pending[:]
            pending.clear()
            if items:
                result = ingest_readings(items=items, home=home, source="csv")
                counts["stored"] += result.stored
                counts["duplicates"] += result.duplicate
                found.extend(RowError(lines[e.index], e.field or "row", e.reason or "rejected") for e in result.errors)
            counts["rejected"] += len(found)
            errors.extend(sorted(found, key=lambda e: e.line)[: max(0, ERRORS_KEPT - len(errors))])
            if progress:
                done = counter.count if counter else 0
                progress(CsvProgress(bytes_read=done, total_bytes=total, errors=tuple(errors), **counts))

        items: list[dict] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            counts["rows"] += 1
            line = reader.line_num
            item, problem = _row_item(row, columns, zone, device_for)
            if problem:
                pending.append(RowError(line, *problem))
                if len(pending) >= CHUNK_SIZE:
                    flush(items, lines)
                    items, lines = [], []
                continue
            items.append(item)
            lines.append(line)
            if len(items) >= CHUNK_SIZE:
                flush(items, lines)
                items, lines = [], []
        flush(items, lines)
        return CsvImportResult(errors=tuple(errors), **counts)
    finally:
        if opened is not None:
            opened.close()


def _row_item(
    row: list[str], columns: dict[str, int], zone: zoneinfo.ZoneInfo, device_for: Callable[[str], str]
) -> tuple[dict, tuple[str, str] | None]:
    """The ingest item for one row, or the (field, reason) it is rejected for."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    item: dict = {}
    try:
        item["time"] = _parse_timestamp(cell("timestamp"), zone)
    except ValueError as exc:
        return item, ("timestamp", str(exc))
    try:
        item["device"] = device_for(cell("device"))
    except ValueError as exc:
        return item, ("device", str(exc))
    for name in ("power_w", *OPTIONAL_COLUMNS):
        raw = cell(name)
        if not raw.strip():
            if name == "power_w":
                return item, ("power_w", "is empty")
            continue
        try:
            item[name] = _parse_number(raw)
        except ValueError as exc:
            return item, (name, str(exc))
    return item, None


# --- Export -------------------------------------------------------------------------------


class _Line:
    """csv.writer target that hands back each written line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _num(value: float | None) -> str | float:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value


def local_period(home: Home, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` in aware UTC covering the home-local days ``first_day`` to ``last_day`` inclusive."""
    zone = home.zone
    start = datetime.combine(first_day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def export_readings_csv(*, home: Home, start: datetime, end: datetime, kind: str = "readings") -> Iterator[str]:
    """CSV lines (header first, each ending in a newline) of ``home``'s data in ``[start, end)``.

    ``kind``: "readings" (raw, importable again by import_readings_csv), "hourly" (UTC hours
    starting in the period) or "daily" (the home-local days that overlap the period).
    Times are UTC ISO 8601 with a "Z", plus the home-local time for rollups. Streams from the
    database in chunks, so any period is safe for memory. ValueError for an unknown kind.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(EXPORT_KINDS)}")
    writer = csv.writer(_Line(), lineterminator="\n")
    devices = {d.pk: (d.external_id, d.name) for d in Device.objects.filter(home=home)}
    zone = home.zone
    if kind == "readings":
        yield writer.writerow(["timestamp", "device", "device_name", "power_w", *OPTIONAL_COLUMNS])
        rows = (
            Reading.objects.filter(device__home=home, time__gte=start, time__lt=end)
            .order_by("time", "device_id")
            .values_list("time", "device_id", "power_w", *OPTIONAL_COLUMNS)
        )
        for moment, device_id, power_w, *optional in rows.iterator(chunk_size=CHUNK_SIZE):
            external_id, name = devices[device_id]
            yield writer.writerow([_iso(moment), external_id, name, power_w, *(_num(v) for v in optional)])
        return
    values = ("energy_wh", "mean_power_w", "min_power_w", "max_power_w", "samples")
    if kind == "hourly":
        yield writer.writerow(["hour", "local_time", "device", "device_name", *values])
        hours = (
            HourlyRollup.objects.filter(device__home=home, hour__gte=start, hour__lt=end)
            .order_by("hour", "device_id")
            .values_list("hour", "device_id", *values)
        )
        for hour, device_id, *figures in hours.iterator(chunk_size=CHUNK_SIZE):
            external_id, name = devices[device_id]
            local = hour.astimezone(zone).isoformat()
            yield writer.writerow([_iso(hour), local, external_id, name, *(_num(v) for v in figures)])
        return
    first_day = start.astimezone(zone).date()
    after_last = end.astimezone(zone).date()
    if datetime.combine(after_last, time(), tzinfo=zone) < end:
        after_last += timedelta(days=1)
    yield writer.writerow(["day", "device", "device_name", *values])
    days = (
        DailyRollup.objects.filter(device__home=home, day__gte=first_day, day__lt=after_last)
        .order_by("day", "device_id")
        .values_list("day", "device_id", *values)
    )
    for day, device_id, *figures in days.iterator(chunk_size=CHUNK_SIZE):
        external_id, name = devices[device_id]
        yield writer.writerow([day.isoformat(), external_id, name, *(_num(v) for v in figures)])

"""The rules one reading must pass before it is stored. Pure functions, no database.

A reading is a JSON object:

    {"time": "2026-01-05T12:00:00+01:00", "power_w": 1234.5,
     "energy_wh_total": 98765.4, "voltage_v": 231.2, "current_a": 5.4, "power_factor": 0.97,
     "device": "<external id>"}

* ``time``: ISO 8601 *with* an offset ("Z" or "+01:00"), an aware datetime, or a Unix epoch
  in seconds (int or float). A time without offset is rejected: guessing a zone would
  shift every reading of a device whose clock is in local time by hours. Times more than
  five minutes ahead of the server, or before 2000 (an unset device clock), are rejected.
* ``power_w``: a finite JSON number inside the device type's [min_power_w, max_power_w].
* optional (absent or null): ``energy_wh_total`` >= 0, ``voltage_v`` and ``current_a`` in
  0..500, ``power_factor`` in -1..1, ``soc_pct`` (a battery's state of charge) in 0..100, each a
  finite number.
* ``device``: the external id; required for a home-level key, optional for a device key.
* Any other key rejects the item. Ignoring it would hide a misspelt field
  ("energy_wh_totl") and lose its data silently; the per-item reason tells the device's author.

Numbers given as strings ("12.5", "NaN", "Infinity") and booleans are rejected: a JSON
number is the one unambiguous form.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_FUTURE = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_TIME_STRING_LENGTH = 64

REQUIRED_FIELDS = ("time", "power_w")
# field -> (lowest, highest) accepted value, both inclusive
OPTIONAL_RANGES: dict[str, tuple[float, float]] = {
    "energy_wh_total": (0.0, math.inf),
    "voltage_v": (0.0, 500.0),
    "current_a": (0.0, 500.0),
    "power_factor": (-1.0, 1.0),
    "soc_pct": (0.0, 100.0),  # a battery's state of charge
}
ALLOWED_FIELDS = frozenset({*REQUIRED_FIELDS, *OPTIONAL_RANGES, "device"})


class InvalidBody(Exception):
    """A whole message is unusable: not JSON, or not a reading, a list of them or {"readings": [...]}."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidItem(Exception):
    """One reading broke a rule: ``field`` names the culprit, ``reason`` says why, in plain words."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Measurement:
    """A reading that passed every rule, ``time`` in aware UTC."""

    time: datetime
    power_w: float
    energy_wh_total: float | None = None
    voltage_v: float | None = None
    current_a: float | None = None
    power_factor: float | None = None
    soc_pct: float | None = None


def check_fields(item: object) -> dict:
    """``item`` as a dict, or InvalidItem if it is not an object or has keys outside ALLOWED_FIELDS."""
    if not isinstance(item, dict):
        raise InvalidItem("item", "must be a JSON object")
    unknown = sorted(str(key) for key in item if key not in ALLOWED_FIELDS)
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise InvalidItem(unknown[0][:40], f"unknown field ({shown}); allowed: {', '.join(sorted(ALLOWED_FIELDS))}")
    return item


def parse_time(value: object, *, now: datetime) -> datetime:
    """``value`` as an aware UTC datetime, or InvalidItem("time", ...)."""
    if value is None:
        raise InvalidItem("time", "is required")
    if isinstance(value, bool):
        raise InvalidItem("time", "must be an ISO 8601 string with offset or a Unix epoch in seconds")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidItem("time", "must be a finite Unix epoch in seconds")
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidItem("time", "is not a valid Unix epoch in seconds") from None
    elif isinstance(value, str):
        if len(value) > MAX_TIME_STRING_LENGTH:
            raise InvalidItem("time", "is not an ISO 8601 date and time")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidItem("time", "is not an ISO 8601 date and time (e.g. 2026-01-05T12:00:00Z)") from None
    else:
        raise InvalidItem("time", "must be an ISO 8601 string with offset or a Unix epoch in seconds")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidItem("time", "has no time zone offset; add 'Z' or '+hh:mm'")
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidItem("time", "is out of range") from None
    if moment > now + MAX_FUTURE:
        raise InvalidItem("time", "is more than 5 minutes in the future; check the device clock")
    if moment < EARLIEST:
        raise InvalidItem("time", "is before 2000-01-01; check the device clock")
    return moment


def parse_number(field: str, value: object, *, low: float, high: float) -> float:
    """``value`` as a finite float in [low, high], or InvalidItem(field, ...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidItem(field, "must be a number")
    try:
        number = float(value)
    except OverflowError:
        raise InvalidItem(field, "must be a finite number") from None
    if not math.isfinite(number):
        raise InvalidItem(field, "must be a finite number")
    if number < low or number > high:
        raise InvalidItem(field, f"{number:g} is outside {low:g}..{high:g}")
    return number


def parse_measurement(item: dict, *, min_power_w: float, max_power_w: float, now: datetime) -> Measurement:
    """The checked values of ``item`` (already through check_fields) for a device whose type accepts
    power in [min_power_w, max_power_w]. Raises InvalidItem at the first broken rule."""
    moment = parse_time(item.get("time"), now=now)
    if item.get("power_w") is None:
        raise InvalidItem("power_w", "is required")
    power_w = parse_number("power_w", item["power_w"], low=min_power_w, high=max_power_w)
    optional: dict[str, float | None] = {}
    for field, (low, high) in OPTIONAL_RANGES.items():
        value = item.get(field)
        optional[field] = None if value is None else parse_number(field, value, low=low, high=high)
    return Measurement(time=moment, power_w=power_w, **optional)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def readings_from_json(body: bytes | str) -> list:
    """The reading items in a JSON document: one object, a list, or {"readings": [...]}.

    Raises InvalidBody when the document is not JSON (NaN and Infinity are not JSON either),
    is nested too deeply to parse, has another shape, or holds no reading. The items
    themselves are not checked here: that is per item, by the ingest service.
    """
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InvalidBody("The body is not valid JSON.") from None
    if isinstance(data, dict) and "readings" in data:
        extra = sorted(str(key)[:40] for key in data if key != "readings")
        if extra:
            raise InvalidBody("Unexpected fields next to 'readings'.", {key: ["Unknown field."] for key in extra[:10]})
        data = data["readings"]
        if not isinstance(data, list):
            raise InvalidBody("'readings' must be a list.", {"readings": ["Must be a list of readings."]})
    elif isinstance(data, dict):
        data = [data]
    elif not isinstance(data, list):
        raise InvalidBody('Send one reading object, a list of them, or {"readings": [...]}.')
    if not data:
        raise InvalidBody("The batch is empty.", {"readings": ["At least one reading is required."]})
    return data

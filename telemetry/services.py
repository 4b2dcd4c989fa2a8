"""Writes for telemetry: turning what devices send into stored readings.

Every door (HTTP ingest API, MQTT bridge, simulator, tests) calls ingest_readings(), so
the rules in telemetry.validation apply the same way whichever way a reading arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from accounts.models import Home
from devices.models import Device
from telemetry import live
from telemetry.dirty import hour_start, mark_hours_dirty
from telemetry.models import Reading
from telemetry.validation import InvalidItem, Measurement, check_fields, parse_measurement

logger = logging.getLogger(__name__)

# The most readings one call accepts; the HTTP API answers 413 above it.
MAX_BATCH = 10_000
MAX_EXTERNAL_ID_LENGTH = Device._meta.get_field("external_id").max_length


class BatchTooLarge(ValueError):
    """More than MAX_BATCH items in one call; nothing was stored."""


class ItemStatus(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ItemResult:
    """What became of the item at ``index``: stored, duplicate, or rejected with field and reason."""

    index: int
    status: ItemStatus
    field: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        data: dict = {"index": self.index, "status": str(self.status)}
        if self.status is ItemStatus.REJECTED:
            data.update(field=self.field, reason=self.reason)
        return data


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one ingest_readings() call, one ItemResult per item in input order."""

    items: tuple[ItemResult, ...]
    stored: int
    duplicate: int
    rejected: int

    @property
    def received(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[ItemResult]:
        return [item for item in self.items if item.status is ItemStatus.REJECTED]

    def as_dict(self) -> dict:
        """Counts and the rejected items (index, field, reason), ready for JSON."""
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "errors": [item.as_dict() for item in self.errors],
        }


@dataclass(frozen=True)
class _Accepted:
    index: int
    device: Device
    measurement: Measurement


class _DeviceResolver:
    """Which device an item is for, given who is posting: one device (a device key, an MQTT topic)
    or any device of one home (a home-level key, by the item's "device" external id)."""

    def __init__(self, items: Sequence[object], *, device: Device | None, home: Home | None) -> None:
        self.device = device
        self.by_external_id: dict[str, Device] = {}
        if device is None and home is not None:
            wanted = {
                item["device"] for item in items if isinstance(item, dict) and _could_be_external_id(item.get("device"))
            }
            if wanted:
                found = Device.objects.filter(home=home, external_id__in=wanted).select_related("type")
                self.by_external_id = {found_device.external_id: found_device for found_device in found}

    def resolve(self, item: dict) -> Device:
        named = item.get("device")
        if named is not None and not isinstance(named, str):
            raise InvalidItem("device", "must be the device's external id (a string)")
        if self.device is not None:
            if named is not None and named != self.device.external_id:
                raise InvalidItem("device", "this key may only post readings for its own device")
            target = self.device
        else:
            if named is None:
                raise InvalidItem("device", "is required with a home key (the device's external id)")
            target = self.by_external_id.get(named)
            if target is None:
                raise InvalidItem("device", "unknown device for this key")
        if not target.is_active:
            raise InvalidItem("device", "device is inactive")
        return target


def _could_be_external_id(value: object) -> bool:
    """Worth a database lookup: a string that fits Device.external_id and can be sent to the
    database at all (a lone surrogate from JSON cannot be encoded as UTF-8)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_EXTERNAL_ID_LENGTH:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def ingest_readings(
    *,
    items: Sequence[object],
    device: Device | None = None,
    home: Home | None = None,
    source: str = "api",
) -> IngestResult:
    """Validate every item, store the valid ones, and say what became of each.

    Post for one ``device`` (a device key, an MQTT topic: an item's optional "device" must
    name that device) or for any device of ``home`` (a home-level key: each item names its
    device by external id). Rules per item: see telemetry.validation. Times are stored in UTC.

    All new readings go in with one bulk insert. A reading whose (device, time) is already
    stored, or appears earlier in the same batch, is reported "duplicate" and not stored
    again; concurrent calls for the same device are serialised by a row lock on the device,
    so the stored/duplicate split stays right under the unique constraint. Bad items never
    cost the good ones. Then, in the same transaction, ``Device.last_seen`` moves forward to
    the newest accepted time (never backwards) and the hours of stored readings are marked
    dirty; after commit the newest stored value per device goes to telemetry.live.publish()
    (only where it is not older than what the device had sent before; errors there are
    logged, never raised).

    Raises BatchTooLarge for more than MAX_BATCH items, TypeError when ``items`` is not a
    list, ValueError when neither ``device`` nor ``home`` is given or they disagree.
    """
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise TypeError("items must be a list of readings")
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(f"{len(items)} readings in one batch; the limit is {MAX_BATCH}")
    if device is None and home is None:
        raise ValueError("ingest_readings needs a device or a home")
    if device is not None and home is not None and device.home_id != home.pk:
        raise ValueError("the device does not belong to the home")

    now = timezone.now()
    resolver = _DeviceResolver(items, device=device, home=home)
    results: dict[int, ItemResult] = {}
    accepted: list[_Accepted] = []
    for index, item in enumerate(items):
        try:
            fields = check_fields(item)
            target = resolver.resolve(fields)
            measurement = parse_measurement(
                fields, min_power_w=target.type.min_power_w, max_power_w=target.type.max_power_w, now=now
            )
        except InvalidItem as invalid:
            results[index] = ItemResult(index, ItemStatus.REJECTED, invalid.field, invalid.reason)
            continue
        accepted.append(_Accepted(index, target, measurement))

    if accepted:
        results.update(_store(accepted))

    ordered = tuple(results[index] for index in range(len(items)))
    counts = dict.fromkeys(ItemStatus, 0)
    for result in ordered:
        counts[result.status] += 1
    outcome = IngestResult(
        items=ordered,
        stored=counts[ItemStatus.STORED],
        duplicate=counts[ItemStatus.DUPLICATE],
        rejected=counts[ItemStatus.REJECTED],
    )
    logger.debug(
        "ingest from %s: %d stored, %d duplicate, %d rejected",
        source,
        outcome.stored,
        outcome.duplicate,
        outcome.rejected,
    )
    return outcome


def _store(accepted: list[_Accepted]) -> dict[int, ItemResult]:
    results: dict[int, ItemResult] = {}
    with transaction.atomic():
        device_ids = sorted({entry.device.pk for entry in accepted})
        # Lock the devices (in id order, so two batches never deadlock) before looking for
        # duplicates: a concurrent batch for the same device waits here and then sees our rows.
        # On SQLite the IMMEDIATE transaction already serialises writers.
        previous_seen = dict(
            Device.objects.select_for_update().filter(pk__in=device_ids).order_by("pk").values_list("pk", "last_seen")
        )
        times = {entry.measurement.time for entry in accepted}
        existing = set(
            Reading.objects.filter(device_id__in=device_ids, time__in=times).values_list("device_id", "time")
        )
        seen: set[tuple[int, datetime]] = set()
        rows: list[Reading] = []
        stored: list[_Accepted] = []
        newest_accepted: dict[int, datetime] = {}
        for entry in accepted:
            device_id, moment = entry.device.pk, entry.measurement.time
            if device_id not in previous_seen:
                results[entry.index] = ItemResult(entry.index, ItemStatus.REJECTED, "device", "unknown device")
                continue
            if device_id not in newest_accepted or moment > newest_accepted[device_id]:
                newest_accepted[device_id] = moment
            if (device_id, moment) in existing or (device_id, moment) in seen:
                results[entry.index] = ItemResult(entry.index, ItemStatus.DUPLICATE)
                continue
            seen.add((device_id, moment))
            stored.append(entry)
            rows.append(Reading(device_id=device_id, time=moment, **_reading_values(entry.measurement)))
            results[entry.index] = ItemResult(entry.index, ItemStatus.STORED)

        Reading.objects.bulk_create(rows, ignore_conflicts=True)
        for device_id, moment in newest_accepted.items():
            # Conditional update: last_seen only ever moves forward.
            Device.objects.filter(pk=device_id).exclude(last_seen__gte=moment).update(last_seen=moment)
        mark_hours_dirty((entry.device.pk, hour_start(entry.measurement.time)) for entry in stored)

        latest = _latest_per_home(stored, previous_seen)
        for home_id, values in latest.items():
            transaction.on_commit(lambda home_id=home_id, values=values: _publish_safely(home_id, values))
    return results


def _reading_values(measurement: Measurement) -> dict[str, float | None]:
    return {
        "power_w": measurement.power_w,
        "energy_wh_total": measurement.energy_wh_total,
        "voltage_v": measurement.voltage_v,
        "current_a": measurement.current_a,
        "power_factor": measurement.power_factor,
        "soc_pct": measurement.soc_pct,
    }


def _latest_per_home(stored: list[_Accepted], previous_seen: dict[int, datetime | None]) -> dict[int, dict]:
    """The newest stored value per device, grouped by home; late backfill (older than what the
    device last sent) is left out so the live view never jumps back in time."""
    newest: dict[int, _Accepted] = {}
    for entry in stored:
        current = newest.get(entry.device.pk)
        if current is None or entry.measurement.time > current.measurement.time:
            newest[entry.device.pk] = entry
    latest: dict[int, dict] = {}
    for device_id, entry in newest.items():
        before = previous_seen.get(device_id)
        if before is not None and entry.measurement.time < before:
            continue
        latest.setdefault(entry.device.home_id, {})[device_id] = {
            "time": entry.measurement.time.isoformat(),
            "power_w": entry.measurement.power_w,
        }
    return latest


def _publish_safely(home_id: int, values: dict[int, dict]) -> None:
    try:
        live.publish(home_id, values)
    except Exception:
        # The readings are committed; a live-layer failure must not turn into an ingest error.
        logger.exception("live publish failed for home %s", home_id)

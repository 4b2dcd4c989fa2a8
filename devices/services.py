"""Writes for devices and their keys. Each service validates and owns its transaction.

Device keys look like ``ehk_<43 url-safe characters>`` (256 random bits). Only the SHA-256
of a key is stored, with its first characters as a recognisable prefix; the key itself
is returned once, at creation, and cannot be recovered afterwards.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Home
from devices.models import Device, DeviceKey, DeviceType
from devices.selectors import device_key_for_raw, key_hash

KEY_PREFIX = "ehk_"
# DeviceKey.prefix holds this many leading characters of the key (the field allows 12).
KEY_PREFIX_LENGTH = 12
# last_used is written at most this often per key, so a chatty device does not turn every
# request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# External ids end up in MQTT topics: one topic level, no wildcards, no whitespace.
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


@dataclass(frozen=True)
class RegisteredDevice:
    """A freshly registered device, its first key, and that key in plain text (shown once)."""

    device: Device
    key: DeviceKey
    plain_key: str


def _generate_external_id() -> str:
    while True:
        candidate = f"eh-{secrets.token_hex(6)}"
        if not Device.objects.filter(external_id=candidate).exists():
            return candidate


def _validate_external_id(external_id: str) -> str:
    external_id = external_id.strip()
    if not EXTERNAL_ID_RE.fullmatch(external_id):
        raise ValidationError(
            {"external_id": "Use 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit."}
        )
    if Device.objects.filter(external_id=external_id).exists():
        raise ValidationError({"external_id": f"A device with the external id {external_id!r} already exists."})
    return external_id


def _validate_rated_power(rated_power_w: float | None) -> float | None:
    if rated_power_w is None:
        return None
    if isinstance(rated_power_w, bool) or not isinstance(rated_power_w, int | float):
        raise ValidationError({"rated_power_w": "Must be a number of watts."})
    if not math.isfinite(rated_power_w) or rated_power_w < 0:
        raise ValidationError({"rated_power_w": "Must be a finite number of watts, zero or more."})
    return float(rated_power_w)


def register_device(
    *,
    home: Home,
    type: DeviceType | str,  # the domain's word, as on Device.type
    name: str,
    room: str = "",
    external_id: str | None = None,
    mqtt_topic: str = "",
    firmware_version: str = "",
    rated_power_w: float | None = None,
) -> RegisteredDevice:
    """Add a device to ``home`` and create its first device key.

    ``type`` is a DeviceType or its slug. ``external_id`` is the device's own id (MQTT topics
    use it); when None a unique one (``eh-<12 hex>``) is generated. Raises ValidationError
    keyed by field name for a blank name, an unknown type, a malformed or taken external id,
    or a negative or non-finite rated power. The plain key in the result is never stored.
    """
    if isinstance(type, str):
        device_type = DeviceType.objects.filter(slug=type).first()
        if device_type is None:
            raise ValidationError({"type": f"Unknown device type {type!r}."})
    else:
        device_type = type
    external_id = _generate_external_id() if external_id is None else _validate_external_id(external_id)
    device = Device(
        home=home,
        type=device_type,
        name=(name or "").strip(),
        room=(room or "").strip(),
        external_id=external_id,
        mqtt_topic=(mqtt_topic or "").strip(),
        firmware_version=(firmware_version or "").strip(),
        rated_power_w=_validate_rated_power(rated_power_w),
    )
    device.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            device.save()
            key, plain_key = create_device_key(device=device, label="first key")
    except IntegrityError as exc:
        # Another request took the same external id between the check and the insert.
        raise ValidationError(
            {"external_id": f"A device with the external id {external_id!r} already exists."}
        ) from exc
    return RegisteredDevice(device=device, key=key, plain_key=plain_key)


def _new_plain_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_device_key(
    *, device: Device | None = None, home: Home | None = None, label: str = ""
) -> tuple[DeviceKey, str]:
    """Create a key for one ``device``, or a home-level key (``home`` only) that may post for every
    device of that home. Returns the stored key and the plain key (shown once, never stored).

    Give exactly one of ``device`` or ``home`` (or both when they agree); ValidationError otherwise.
    """
    if device is None and home is None:
        raise ValidationError({"device": "Give a device, or a home for a home-level key."})
    if device is not None:
        if home is not None and home.pk != device.home_id:
            raise ValidationError({"home": "The device does not belong to this home."})
        home_id = device.home_id
    else:
        home_id = home.pk
    plain_key = _new_plain_key()
    key = DeviceKey(
        home_id=home_id,
        device=device,
        label=(label or "").strip(),
        prefix=plain_key[:KEY_PREFIX_LENGTH],
        key_hash=key_hash(plain_key),
    )
    key.full_clean(exclude=["home", "device"])
    key.save()
    return key, plain_key


@transaction.atomic
def rotate_device_key(*, device: Device) -> str:
    """Revoke every active key of ``device`` and create a new one. Returns the new plain key.

    Home-level keys of the device's home are untouched.
    """
    DeviceKey.objects.filter(device=device, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _key, plain_key = create_device_key(device=device, label="rotated")
    return plain_key


def revoke_device_key(*, key: DeviceKey) -> DeviceKey:
    """Revoke ``key`` from now on. Idempotent: revoking a revoked key keeps its first revocation time."""
    if key.revoked_at is None:
        now = timezone.now()
        DeviceKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
        key.refresh_from_db(fields=["revoked_at"])
    return key


def authenticate_device_key(raw: str) -> DeviceKey | None:
    """The active key whose plain text is ``raw``; None for anything unknown, malformed or revoked.

    The lookup is by SHA-256, so the database compares hashes and the time taken says nothing
    about how much of a guess was right. ``last_used`` is written at most once a minute. The key
    comes with ``home`` and ``device`` (and its type) loaded.
    """
    key = device_key_for_raw(raw)
    if key is None or not key.is_active:
        return None
    if not hmac.compare_digest(key.key_hash, key_hash(raw)):  # belt and braces; the lookup matched already
        return None
    now = timezone.now()
    if key.last_used is None or now - key.last_used >= LAST_USED_RESOLUTION:
        stale = Q(last_used__isnull=True) | Q(last_used__lt=now - LAST_USED_RESOLUTION)
        DeviceKey.objects.filter(stale, pk=key.pk).update(last_used=now)
        key.last_used = now
    return key


@transaction.atomic
def update_device(*, device: Device, name: str, room: str, rated_power_w: float | None) -> Device:
    """Rename a device, move it to a room, or change its rated power (W). ValidationError by field."""
    device.name = (name or "").strip()
    device.room = (room or "").strip()
    device.rated_power_w = _validate_rated_power(rated_power_w)
    device.full_clean(validate_unique=False)
    device.save(update_fields=["name", "room", "rated_power_w"])
    return device


@transaction.atomic
def deactivate_device(*, device: Device) -> Device:
    """Stop accepting readings from a device (idempotent). Its history and keys stay as they are."""
    Device.objects.filter(pk=device.pk).update(is_active=False)
    device.is_active = False
    return device


# Commands live in devices/commands.py (one concept per module); they are services all the same.
from devices.commands import record_ack, send_command  # noqa: E402, F401
from devices.rules import create_rule, create_schedule, set_rule_enabled  # noqa: E402, F401

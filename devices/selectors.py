"""Reads for devices, device types and device keys. Nothing here writes."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Home, User
from accounts.selectors import homes_for
from devices.models import Device, DeviceKey, DeviceType

# A plain key is "ehk_" + 43 characters; anything much longer is not a key and is not hashed.
MAX_PLAIN_KEY_LENGTH = 128


def key_hash(plain_key: str) -> str:
    """The SHA-256 hex digest a plain device key is stored under."""
    return hashlib.sha256(plain_key.encode()).hexdigest()


def device_types() -> QuerySet[DeviceType]:
    """Every device type, ordered by name."""
    return DeviceType.objects.order_by("name")


def devices_for(home: Home, *, include_inactive: bool = True) -> QuerySet[Device]:
    """Devices of ``home`` (the caller has already checked membership), ordered by room and name,
    with their type loaded."""
    devices = Device.objects.filter(home=home).select_related("type")
    if not include_inactive:
        devices = devices.filter(is_active=True)
    return devices.order_by("room", "name", "id")


def get_device_for(user: User, device_id: object) -> Device:
    """The device with ``device_id`` if ``user`` is a member of its home; Http404 otherwise.

    A device of a home the user does not belong to answers exactly like a missing one, as
    does an id that is not a number.
    """
    try:
        device_pk = int(str(device_id))
    except (TypeError, ValueError):
        raise Http404("No such device") from None
    device = Device.objects.filter(pk=device_pk, home__in=homes_for(user)).select_related("type", "home").first()
    if device is None:
        raise Http404("No such device")
    return device


def device_key_for_raw(raw: object) -> DeviceKey | None:
    """The key (active or revoked) whose plain text is ``raw``, with home and device loaded; None
    when there is none or ``raw`` cannot be a key. Use devices.services.authenticate_device_key to
    authenticate: this one also finds revoked keys, so callers can tell "revoked" from "unknown"."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_PLAIN_KEY_LENGTH:
        return None
    return (
        DeviceKey.objects.filter(key_hash=key_hash(raw))
        .select_related("home", "device", "device__type", "device__home")
        .first()
    )


def keys_of(device: Device) -> QuerySet[DeviceKey]:
    """Keys of ``device``, newest first (revoked ones included)."""
    return DeviceKey.objects.filter(device=device).order_by("-created_at", "-id")

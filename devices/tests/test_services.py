"""Device registration and device keys, through devices.services."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from devices.models import Device, DeviceKey
from devices.selectors import key_hash
from devices.services import (
    EXTERNAL_ID_RE,
    KEY_PREFIX,
    authenticate_device_key,
    create_device_key,
    register_device,
    revoke_device_key,
    rotate_device_key,
)
from devices.tests.factories import DeviceTypeFactory, register


def test_register_device_creates_device_and_a_working_key(home):
    registered = register(home, type="ev-charger", name="  Wallbox ", room="Garage", rated_power_w=11000)

    device = Device.objects.get(pk=registered.device.pk)
    assert device.home == home
    assert device.type.slug == "ev-charger"
    assert device.name == "Wallbox"
    assert device.room == "Garage"
    assert device.rated_power_w == 11000.0
    assert device.is_active
    assert authenticate_device_key(registered.plain_key) == registered.key
    assert registered.key.device == device


def test_register_device_generates_unique_topic_safe_external_ids(home):
    ids = {register(home, name=f"Plug {n}").device.external_id for n in range(5)}

    assert len(ids) == 5
    assert all(EXTERNAL_ID_RE.fullmatch(external_id) for external_id in ids)


def test_register_device_accepts_a_device_type_object(home):
    device_type = DeviceTypeFactory()

    assert register(home, type=device_type).device.type == device_type


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "name"),
        ({"type": "no-such-type"}, "type"),
        ({"external_id": "has/slash"}, "external_id"),
        ({"external_id": "wild+card"}, "external_id"),
        ({"external_id": "with space"}, "external_id"),
        ({"external_id": "x" * 65}, "external_id"),
        ({"rated_power_w": -1}, "rated_power_w"),
        ({"rated_power_w": math.nan}, "rated_power_w"),
        ({"rated_power_w": "1000"}, "rated_power_w"),
    ],
)
def test_register_device_rejects_bad_fields_by_name(home, kwargs, field):
    arguments = {"home": home, "type": "smart-plug", "name": "Plug", **kwargs}

    with pytest.raises(ValidationError) as caught:
        register_device(**arguments)

    assert field in caught.value.message_dict
    assert not Device.objects.exists()


def test_register_device_refuses_a_taken_external_id_even_in_another_home(home, other_home):
    register(home, external_id="meter-1")

    with pytest.raises(ValidationError) as caught:
        register(other_home, external_id="meter-1")

    assert "external_id" in caught.value.message_dict
    assert Device.objects.count() == 1


def test_device_key_is_stored_only_as_hash_and_prefix(home):
    registered = register(home)
    key = DeviceKey.objects.get(pk=registered.key.pk)

    assert registered.plain_key.startswith(KEY_PREFIX)
    assert len(registered.plain_key) >= len(KEY_PREFIX) + 40
    assert key.prefix == registered.plain_key[:12]
    assert key.key_hash == key_hash(registered.plain_key)
    assert registered.plain_key not in {key.key_hash, key.label, key.prefix}


def test_home_level_key_has_no_device(home):
    key, plain = create_device_key(home=home, label="gateway")

    assert key.device is None
    assert key.home == home
    assert authenticate_device_key(plain) == key


def test_create_device_key_needs_a_device_or_home_that_agree(home, other_home):
    device = register(home).device

    with pytest.raises(ValidationError):
        create_device_key()
    with pytest.raises(ValidationError) as caught:
        create_device_key(device=device, home=other_home)
    assert "home" in caught.value.message_dict


@pytest.mark.parametrize("raw", ["", "ehk_not-a-key", "x" * 10_000, None, 42, b"ehk_bytes"])
def test_authenticate_device_key_refuses_unknown_and_malformed_keys(home, raw):
    register(home)

    assert authenticate_device_key(raw) is None


def test_revoked_key_no_longer_authenticates(home):
    registered = register(home)

    revoke_device_key(key=registered.key)

    assert authenticate_device_key(registered.plain_key) is None


def test_revoking_twice_keeps_the_first_revocation_time(home):
    key = register(home).key
    first = revoke_device_key(key=key).revoked_at

    assert revoke_device_key(key=DeviceKey.objects.get(pk=key.pk)).revoked_at == first


def test_rotation_revokes_the_devices_keys_and_leaves_home_keys_alone(home):
    registered = register(home)
    second, second_plain = create_device_key(device=registered.device, label="spare")
    _home_key, home_plain = create_device_key(home=home)

    new_plain = rotate_device_key(device=registered.device)

    assert authenticate_device_key(registered.plain_key) is None
    assert authenticate_device_key(second_plain) is None
    assert authenticate_device_key(new_plain).device == registered.device
    assert authenticate_device_key(home_plain) is not None
    assert DeviceKey.objects.filter(device=registered.device, revoked_at__isnull=True).count() == 1


def test_last_used_is_written_at_most_once_a_minute(home):
    registered = register(home)

    authenticate_device_key(registered.plain_key)
    first = DeviceKey.objects.get(pk=registered.key.pk).last_used
    authenticate_device_key(registered.plain_key)
    assert first is not None
    assert DeviceKey.objects.get(pk=registered.key.pk).last_used == first

    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    DeviceKey.objects.filter(pk=registered.key.pk).update(last_used=two_minutes_ago)
    authenticate_device_key(registered.plain_key)
    assert DeviceKey.objects.get(pk=registered.key.pk).last_used > two_minutes_ago + timedelta(minutes=1)

"""Who sees which devices, through devices.selectors."""

from __future__ import annotations

import pytest
from django.http import Http404

from devices.selectors import device_types, devices_for, get_device_for
from devices.tests.factories import register


def test_devices_for_lists_only_that_homes_devices(home, other_home):
    mine = register(home, name="Mine").device
    register(other_home, name="Theirs")

    assert list(devices_for(home)) == [mine]


def test_devices_for_can_leave_out_inactive_devices(home):
    active = register(home, name="On").device
    inactive = register(home, name="Off").device
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    assert set(devices_for(home)) == {active, inactive}
    assert list(devices_for(home, include_inactive=False)) == [active]


def test_member_gets_the_device(home):
    device = register(home).device
    owner = home.memberships.get().user

    assert get_device_for(owner, device.pk) == device
    assert get_device_for(owner, str(device.pk)) == device


@pytest.mark.parametrize("device_id", ["nope", None, "1.5", 10**30])
def test_bad_device_ids_answer_404(home, device_id):
    owner = home.memberships.get().user

    with pytest.raises(Http404):
        get_device_for(owner, device_id)


def test_non_member_gets_404_exactly_like_a_missing_device(home, other_home):
    device = register(home).device
    outsider = other_home.memberships.get().user

    with pytest.raises(Http404) as foreign:
        get_device_for(outsider, device.pk)
    with pytest.raises(Http404) as missing:
        get_device_for(outsider, device.pk + 1000)
    assert str(foreign.value) == str(missing.value)


def test_anonymous_user_gets_404(home):
    from django.contrib.auth.models import AnonymousUser

    device = register(home).device

    with pytest.raises(Http404):
        get_device_for(AnonymousUser(), device.pk)


def test_device_types_are_ordered_by_name(db):
    names = [device_type.name for device_type in device_types()]

    assert names == sorted(names)

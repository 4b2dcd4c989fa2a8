"""Secrets at rest, and what the production settings promise."""

from __future__ import annotations

import io

from django.core.management import call_command

from devices.services import create_device_key, rotate_device_key
from devices.tests.factories import register


def test_a_dump_of_the_database_contains_no_device_key(home):
    registered = register(home, type="smart-plug", name="Plug", external_id="dump-plug")
    _key, home_key = create_device_key(home=home, label="hub")
    rotated = rotate_device_key(device=registered.device)

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()

    assert registered.device.external_id in text  # the dump really holds the device
    for plain in (registered.plain_key, home_key, rotated):
        assert plain not in text
        assert plain[len("ehk_") :] not in text

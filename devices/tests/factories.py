"""Test data for devices, made through the services where there is one."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Home
from devices.models import DeviceType
from devices.services import RegisteredDevice, register_device


class DeviceTypeFactory(DjangoModelFactory):
    """A device type of its own (the seeded ones come from the data migration)."""

    class Meta:
        model = DeviceType
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"test-type-{n}")
    name = factory.Sequence(lambda n: f"Test type {n}")
    icon = "plug"
    category = DeviceType.Category.CONSUMER
    commands = factory.LazyFunction(list)
    min_power_w = 0.0
    max_power_w = 5_000.0


def register(home: Home, *, type: DeviceType | str = "smart-plug", name: str = "Plug", **kwargs) -> RegisteredDevice:
    """Register a device of ``home`` through devices.services.register_device."""
    return register_device(home=home, type=type, name=name, **kwargs)

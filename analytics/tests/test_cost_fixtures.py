"""Shared helpers for the tariff, cost, balance and bill tests (no tests of its own)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from accounts.models import Home
from analytics.models import Tariff
from analytics.services import save_tariff
from devices.models import Device, DeviceType
from telemetry.models import HourlyRollup

SLUG_BY_CATEGORY = {
    DeviceType.Category.CONSUMER: "heat-pump",
    DeviceType.Category.PRODUCER: "solar-inverter",
    DeviceType.Category.STORAGE: "home-battery",
    DeviceType.Category.METER: "grid-meter",
}


def make_device(home: Home, category: str = DeviceType.Category.CONSUMER, name: str = "Heat pump") -> Device:
    kind = DeviceType.objects.get(slug=SLUG_BY_CATEGORY[category])
    return Device.objects.create(
        home=home, type=kind, name=name, external_id=f"cost-{home.pk}-{name.lower().replace(' ', '-')}"
    )


def rollup(device: Device, hour: datetime, energy_wh: float) -> HourlyRollup:
    """An hourly rollup as telemetry's rollup code stores it (mean power = energy over a full hour)."""
    return HourlyRollup.objects.create(
        device=device,
        hour=hour,
        energy_wh=energy_wh,
        mean_power_w=energy_wh,
        min_power_w=energy_wh,
        max_power_w=energy_wh,
        samples=60,
    )


def flat_tariff(home: Home, day, price: str, *, export: str = "0", standing: str = "0", name: str = "Flat") -> Tariff:
    return save_tariff(
        home=home,
        name=name,
        kind=Tariff.Kind.FLAT,
        effective_from=day,
        import_price_per_kwh=Decimal(price),
        export_price_per_kwh=Decimal(export),
        standing_charge_per_day=Decimal(standing),
    )

"""Device types, devices, and the per-device (or per-home) keys they authenticate with.

Sign convention for ``power_w`` everywhere: consumers report what they draw (>= 0);
producers (solar) report what they produce (>= 0); storage reports charging > 0 and
discharging < 0; a grid meter reports import > 0 and export < 0.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Home


class DeviceType(models.Model):
    class Category(models.TextChoices):
        CONSUMER = "consumer", "Consumer"
        PRODUCER = "producer", "Producer"
        STORAGE = "storage", "Storage"
        METER = "meter", "Grid meter"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    icon = models.CharField(max_length=32, default="plug", help_text="Symbol id in static/icons/sprite.svg")
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.CONSUMER)
    # Command types this device type accepts, e.g. ["set_power", "set_temperature"].
    commands = models.JSONField(default=list, blank=True)
    # Plausible range of power_w readings; outside it a reading is rejected.
    min_power_w = models.FloatField(default=0)
    max_power_w = models.FloatField(default=25_000)
    # For set_temperature: the accepted target range in °C (null when not applicable).
    min_temperature_c = models.FloatField(null=True, blank=True)
    max_temperature_c = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="devices")
    type = models.ForeignKey(DeviceType, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=80)
    room = models.CharField(max_length=60, blank=True)
    external_id = models.CharField(max_length=64, unique=True, help_text="The device's own id; MQTT topics use it.")
    mqtt_topic = models.CharField(max_length=200, blank=True)
    firmware_version = models.CharField(max_length=40, blank=True)
    rated_power_w = models.FloatField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["home", "name"]
        indexes = [models.Index(fields=["home", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.home})"


class DeviceKey(models.Model):
    """A secret a device (or, with ``device`` empty, any device of ``home``) authenticates with.

    Only a SHA-256 of the key is stored; the key itself is shown once at creation. Keys are
    random 256-bit tokens, so a fast hash is enough (no password stretching needed).
    """

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="device_keys")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="keys")
    label = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=12, db_index=True, help_text="First characters, to recognise a key")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(device__isnull=True) | Q(home__isnull=False), name="devicekey_has_home"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.device or self.home})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

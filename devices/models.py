"""Device types, devices, and the per-device (or per-home) keys they authenticate with.

Sign convention for ``power_w`` everywhere: consumers report what they draw (>= 0);
producers (solar) report what they produce (>= 0); storage reports charging > 0 and
discharging < 0; a grid meter reports import > 0 and export < 0.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

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
    # For set_mode: the modes this type understands, e.g. ["heat", "cool", "auto"].
    modes = models.JSONField(default=list, blank=True)

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
    # What the device last confirmed (acknowledged commands), e.g. {"on": false, "temperature_c": 21}.
    state = models.JSONField(default=dict, blank=True)
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


class Issuer(models.TextChoices):
    """Who or what issued a command."""

    USER = "user", "Person"
    SCHEDULE = "schedule", "Schedule"
    AUTOMATION = "automation", "Automation"
    ASSISTANT = "assistant", "Assistant"
    ADMIN = "admin", "Admin"
    API = "api", "App"


class Command(models.Model):
    """One instruction to a device and its life: pending -> sent -> acknowledged | failed | expired.

    The row is the outbox: Celery only kicks the dispatch, and a beat sweep re-dispatches what is
    due, so a lost task never loses a command. Devices dedupe by ``id``.
    """

    class Type(models.TextChoices):
        SET_POWER = "set_power", "Switch on/off"
        SET_TEMPERATURE = "set_temperature", "Set temperature"
        SET_MODE = "set_mode", "Set mode"
        SET_CHARGE_LIMIT = "set_charge_limit", "Set charge limit"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    class Transport(models.TextChoices):
        MQTT = "mqtt", "MQTT"
        POLL = "poll", "HTTP polling"

    OPEN_STATUSES = (Status.PENDING, Status.SENT)

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="commands")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="commands")
    command_type = models.CharField(max_length=32, choices=Type.choices)
    payload = models.JSONField(default=dict, blank=True)
    issued_by = models.CharField(max_length=16, choices=Issuer.choices, default=Issuer.USER)
    issued_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey("RuleRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="commands")
    transport = models.CharField(max_length=8, choices=Transport.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    queued_while_offline = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["device", "status"]),
            models.Index(fields=["home", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.command_type} -> {self.device_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Rule(models.Model):
    """A schedule (a command at local times on chosen weekdays) or an automation (a command when a
    condition holds for a while, with a cool-down)."""

    class Kind(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        AUTOMATION = "automation", "Automation"

    class Condition(models.TextChoices):
        POWER_ABOVE = "power_above", "Device power above"
        POWER_BELOW = "power_below", "Device power below"
        SOLAR_SURPLUS_ABOVE = "solar_surplus_above", "Solar surplus above"
        BATTERY_ABOVE = "battery_above", "Battery level above"
        BATTERY_BELOW = "battery_below", "Battery level below"
        PRICE_ABOVE = "price_above", "Electricity price above"
        PRICE_BELOW = "price_below", "Electricity price below"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=80)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="rules")
    command_type = models.CharField(max_length=32, choices=Command.Type.choices)
    payload = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    # Schedules: local time of day and ISO weekdays (0 = Monday ... 6 = Sunday) in the home's zone.
    time_of_day = models.TimeField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True)
    # A one-off schedule ("turn off the EV charger at 11 pm") disables itself after it fired.
    once = models.BooleanField(default=False)
    # Automations: what must hold, for how long, and how long to wait after firing.
    condition = models.CharField(max_length=32, choices=Condition.choices, blank=True)
    condition_device = models.ForeignKey(
        Device, on_delete=models.CASCADE, null=True, blank=True, related_name="watching_rules"
    )
    threshold = models.FloatField(null=True, blank=True)
    duration_min = models.PositiveIntegerField(default=0)
    cooldown_min = models.PositiveIntegerField(default=30)
    condition_since = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["home", "kind", "name", "id"]
        indexes = [models.Index(fields=["kind", "enabled", "next_run_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def weekdays_text(self) -> str:
        days = sorted(self.weekdays or [])
        if days == list(range(7)):
            return "every day"
        if days == list(range(5)):
            return "weekdays"
        if days == [5, 6]:
            return "weekends"
        return ", ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in days)


class RuleRun(models.Model):
    """One firing of a rule, with what came of it (the commands it issued link back here)."""

    class Outcome(models.TextChoices):
        ISSUED = "issued", "Command issued"
        REFUSED = "refused", "Refused"

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ran_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule} at {self.ran_at:%Y-%m-%d %H:%M} ({self.outcome})"

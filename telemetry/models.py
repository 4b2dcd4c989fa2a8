"""Readings (a TimescaleDB hypertable where the extension exists) and their rollups."""

from __future__ import annotations

from django.db import models
from timescale.db.models.fields import TimescaleDateTimeField
from timescale.db.models.managers import TimescaleManager

from devices.models import Device


class Reading(models.Model):
    """One measurement of one device at one instant. Unique per (device, time).

    ``time`` is a TimescaleDateTimeField: on TimescaleDB the table becomes a hypertable
    partitioned by it (see energyhome.dbbackend for how uniqueness survives that).
    """

    time = TimescaleDateTimeField(interval="1 day")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings", db_index=False)
    power_w = models.FloatField()
    energy_wh_total = models.FloatField(null=True, blank=True, help_text="Cumulative meter, if the device has one")
    voltage_v = models.FloatField(null=True, blank=True)
    current_a = models.FloatField(null=True, blank=True)
    power_factor = models.FloatField(null=True, blank=True)
    soc_pct = models.FloatField(null=True, blank=True, help_text="A battery's state of charge, 0-100 %")

    objects = models.Manager()
    timescale = TimescaleManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "time"], name="reading_unique_device_time")]
        ordering = ["device", "time"]

    def __str__(self) -> str:
        return f"{self.device_id} @ {self.time.isoformat()}: {self.power_w} W"


class DirtyHour(models.Model):
    """An hour of a device whose readings changed since its rollup was computed."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(help_text="UTC start of the hour")
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "hour"], name="dirtyhour_unique_device_hour")]

    def __str__(self) -> str:
        return f"device {self.device_id} hour {self.hour.isoformat()} (dirty)"


class HourlyRollup(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="hourly_rollups")
    hour = models.DateTimeField(help_text="UTC start of the hour")
    energy_wh = models.FloatField()
    mean_power_w = models.FloatField()
    min_power_w = models.FloatField(null=True)
    max_power_w = models.FloatField(null=True)
    samples = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "hour"], name="hourlyrollup_unique_device_hour")]
        indexes = [models.Index(fields=["hour"])]
        ordering = ["device", "hour"]

    def __str__(self) -> str:
        return f"device {self.device_id} hour {self.hour.isoformat()}: {self.energy_wh:.1f} Wh"


class DailyRollup(models.Model):
    """One home-local day of a device (23 or 25 hours on daylight-saving days)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="daily_rollups")
    day = models.DateField(help_text="Local date in the home's time zone")
    energy_wh = models.FloatField()
    mean_power_w = models.FloatField()
    min_power_w = models.FloatField(null=True)
    max_power_w = models.FloatField(null=True)
    samples = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "day"], name="dailyrollup_unique_device_day")]
        indexes = [models.Index(fields=["day"])]
        ordering = ["device", "day"]

    def __str__(self) -> str:
        return f"device {self.device_id} day {self.day.isoformat()}: {self.energy_wh:.1f} Wh"

"""Tariffs (flat, time-of-use, dynamic), their prices, and the priced cost of every hour.

Money is ``Decimal`` in the home's currency; prices are per kWh. A tariff is in force from
local midnight of ``effective_from`` (the home's time zone) until the next tariff of the
home takes over, so history is priced with the tariff in force at the time.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import CURRENCIES, Home
from devices.models import Device

PRICE_DIGITS = {"max_digits": 10, "decimal_places": 5}
MONEY_DIGITS = {"max_digits": 16, "decimal_places": 6}
QUARTER_MINUTES = 15


class Tariff(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", "Flat rate"
        TIME_OF_USE = "time_of_use", "Time of use"
        DYNAMIC = "dynamic", "Dynamic (price points)"

    class ExportKind(models.TextChoices):
        FLAT = "flat", "Flat feed-in rate"
        DYNAMIC = "dynamic", "Dynamic (export price points)"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="tariffs")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FLAT)
    effective_from = models.DateField(help_text="In force from local midnight of this day, until the next tariff.")
    # The currency the prices were entered in: the home's at the time. A home that later
    # changes its currency sees the mismatch instead of silently relabelled amounts.
    currency = models.CharField(max_length=3)
    import_price_per_kwh = models.DecimalField(
        **PRICE_DIGITS, null=True, blank=True, help_text="Flat tariffs: the price of every imported kWh."
    )
    price_interval_minutes = models.PositiveSmallIntegerField(
        choices=[(15, "15 minutes"), (60, "1 hour")],
        default=60,
        help_text="Dynamic tariffs: how long each price point holds.",
    )
    export_kind = models.CharField(max_length=16, choices=ExportKind.choices, default=ExportKind.FLAT)
    export_price_per_kwh = models.DecimalField(
        **PRICE_DIGITS, default=Decimal("0"), help_text="Flat feed-in rate per exported kWh."
    )
    standing_charge_per_day = models.DecimalField(
        **PRICE_DIGITS, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["home", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["home", "effective_from"], name="tariff_unique_home_effective_from"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from.isoformat()})"

    @property
    def currency_symbol(self) -> str:
        return CURRENCIES.get(self.currency, self.currency)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.currency not in CURRENCIES:
            errors["currency"] = f"{self.currency!r} is not a supported currency code (e.g. EUR)."
        elif self.home_id and self.currency != self.home.currency:
            errors["currency"] = f"Prices must be in the home's currency ({self.home.currency})."
        if self.kind == self.Kind.FLAT and self.import_price_per_kwh is None:
            errors["import_price_per_kwh"] = "A flat tariff needs an import price per kWh."
        if self.kind != self.Kind.DYNAMIC and self.export_kind == self.ExportKind.DYNAMIC:
            errors["export_kind"] = "Dynamic export prices need a dynamic tariff (they come with its price points)."
        if self.price_interval_minutes not in (15, 60):
            errors["price_interval_minutes"] = "Price points hold for 15 or 60 minutes."
        if errors:
            raise ValidationError(errors)


class TimeOfUseWindow(models.Model):
    """A named price window of a time-of-use tariff, in the home's local clock time.

    ``start_time``–``end_time`` is a span of the local clock on the days it applies to;
    ``end_time`` of 00:00 means midnight at the end of the day, and an end before the start
    wraps (22:00–06:00 covers 22:00–24:00 and 00:00–06:00 of the same day type). ``months``
    limits the window to a season (empty: all year). Times are multiples of 15 minutes.
    """

    class Days(models.TextChoices):
        ALL = "all", "Every day"
        WEEKDAYS = "weekdays", "Monday to Friday"
        WEEKENDS = "weekends", "Saturday and Sunday"

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="windows")
    name = models.CharField(max_length=40)
    start_time = models.TimeField()
    end_time = models.TimeField()
    days = models.CharField(max_length=8, choices=Days.choices, default=Days.ALL)
    months = models.JSONField(default=list, blank=True, help_text="Months 1–12 of the season; empty: all year")
    price_per_kwh = models.DecimalField(**PRICE_DIGITS)

    class Meta:
        ordering = ["tariff", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class PricePoint(models.Model):
    """The price from ``start`` (aware UTC) for the tariff's price interval. Negative prices are valid."""

    class Direction(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="price_points")
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.IMPORT)
    start = models.DateTimeField()
    price_per_kwh = models.DecimalField(**PRICE_DIGITS)

    class Meta:
        ordering = ["tariff", "direction", "start"]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "direction", "start"], name="pricepoint_unique_tariff_start"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.start.isoformat()}: {self.price_per_kwh}"


class HourlyCost(models.Model):
    """The priced energy of one UTC hour.

    ``device`` empty: the home's grid connection (import billed gross, export credited
    separately, per hour, never netted across hours). ``device`` set: a consumer's own
    consumption at the import price ("what did the heat pump cost"). A missing price leaves
    the amount empty and sets ``price_missing``; it is never counted as zero.
    """

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="hourly_costs")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="hourly_costs")
    hour = models.DateTimeField(help_text="UTC start of the hour")
    tariff = models.ForeignKey(Tariff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    window = models.CharField(max_length=40, blank=True, help_text="Time-of-use window at the hour's start")
    import_wh = models.FloatField(default=0)
    export_wh = models.FloatField(default=0)
    import_cost = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    export_credit = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    price_missing = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["home", "hour", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "hour"], condition=Q(device__isnull=False), name="hourlycost_unique_device_hour"
            ),
            models.UniqueConstraint(
                fields=["home", "hour"], condition=Q(device__isnull=True), name="hourlycost_unique_home_hour"
            ),
        ]
        indexes = [models.Index(fields=["home", "hour"])]

    def __str__(self) -> str:
        return f"{self.device_id or 'grid'} @ {self.hour.isoformat()}: {self.import_cost}"


# --- insights: forecasts, anomalies, recommendations ----------------------------------------


class Forecast(models.Model):
    """The latest forecast of a home's consumption (``device`` empty) or of one device.

    One row per (home, device, granularity, horizon): recomputing replaces it. ``points`` is a
    list of ``[start ISO 8601 UTC, energy_wh, low_wh, high_wh]`` (the 80 % band); days start at
    the home's local midnight. A series too short to forecast stores ``status`` "insufficient"
    with ``needs_days`` and no points. ``mape_pct``/``mase`` are the kept model's 7-day-ahead
    daily back-test errors; ``baseline_mape_pct``/``baseline_mase`` the seasonal-naive ones.
    """

    class Granularity(models.TextChoices):
        HOUR = "hour", "Hourly"
        DAY = "day", "Daily"

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        INSUFFICIENT = "insufficient", "Not enough data"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="forecasts")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="forecasts")
    granularity = models.CharField(max_length=4, choices=Granularity.choices)
    horizon_days = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    model = models.CharField(max_length=32, blank=True)
    origin = models.DateTimeField(null=True, blank=True, help_text="UTC start of the first forecast step")
    points = models.JSONField(default=list, blank=True)
    history_days = models.PositiveIntegerField(default=0)
    needs_days = models.PositiveIntegerField(default=0)
    mape_pct = models.FloatField(null=True, blank=True)
    mase = models.FloatField(null=True, blank=True)
    baseline_mape_pct = models.FloatField(null=True, blank=True)
    baseline_mase = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["home", "device", "granularity", "horizon_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "granularity", "horizon_days"],
                condition=Q(device__isnull=False),
                name="forecast_unique_device",
            ),
            models.UniqueConstraint(
                fields=["home", "granularity", "horizon_days"],
                condition=Q(device__isnull=True),
                name="forecast_unique_home",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id or 'home'} {self.granularity} {self.horizon_days}d ({self.status})"


class Anomaly(models.Model):
    """Something a device did far outside its own usual (see analytics.anomalies).

    ``start``/``end`` aware UTC; ``observed`` and the expected band (``expected_low`` ..
    ``expected_high``, ``expected`` the median) are in ``unit``: "W" (mean power of the hours)
    or "Wh" (a day's energy). ``score`` is how many robust deviations above usual it was.
    """

    class Kind(models.TextChoices):
        POWER = "power", "Unusual power"
        DAILY_ENERGY = "daily_energy", "Day's energy far above usual"
        USUALLY_OFF = "usually_off", "On when usually off"
        BASE_LOAD = "base_load", "Base load above usual"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="anomalies")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="anomalies")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    unit = models.CharField(max_length=4)
    observed = models.FloatField()
    expected = models.FloatField()
    expected_low = models.FloatField()
    expected_high = models.FloatField()
    score = models.FloatField()
    detected_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "device"]
        constraints = [
            models.UniqueConstraint(fields=["device", "kind", "start"], name="anomaly_unique_device_kind_start"),
        ]
        indexes = [models.Index(fields=["home", "start"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.device_id} @ {self.start.isoformat()} ({self.score:.1f})"

    def _text(self, value: float) -> str:
        from analytics.selectors import format_energy, format_power

        return format_energy(value) if self.unit == "Wh" else format_power(value)

    @property
    def observed_text(self) -> str:
        return self._text(self.observed)

    @property
    def expected_high_text(self) -> str:
        return self._text(self.expected_high)


class Recommendation(models.Model):
    """Advice with its estimated monthly saving, from the home's own data and tariff.

    ``key`` identifies the advice (kind and device) so re-evaluation updates the figures of
    the same row: a dismissed one stays dismissed, a snoozed one is hidden until
    ``snoozed_until``. Money in the home's currency (``currency``).
    """

    class Kind(models.TextChoices):
        SHIFT_LOAD = "shift_load", "Move a load to off-peak hours"
        CUT_STANDBY = "cut_standby", "Cut standby"
        MORE_THAN_USUAL = "more_than_usual", "Using more than it used to"
        SOLAR_SURPLUS = "solar_surplus", "Run it on solar surplus"
        TARIFF_SHAPE = "tariff_shape", "A cheaper tariff shape"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        SNOOZED = "snoozed", "Snoozed"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="recommendations")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="recommendations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=160)
    reason = models.TextField()
    saving_kwh_month = models.FloatField()
    saving_month = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(default=True, help_text="False once the last evaluation no longer found it")
    evaluated_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["home", "-saving_month", "pk"]
        constraints = [models.UniqueConstraint(fields=["home", "key"], name="recommendation_unique_home_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.saving_month} {self.currency}/month ({self.status})"


# --- alerts --------------------------------------------------------------------------------------


class AlertRule(models.Model):
    """A condition a homeowner wants to hear about (see analytics.insight_services.evaluate_alerts).

    ``threshold`` is W for ``power_above``, kWh for ``daily_energy_above`` and money (home's
    currency) for ``daily_cost_above`` and ``monthly_budget``; ``minutes`` is how long the power
    must stay above (``power_above``) or the device must be silent (``device_offline``).
    """

    class Kind(models.TextChoices):
        POWER_ABOVE = "power_above", "Power above a threshold for some minutes"
        DAILY_ENERGY_ABOVE = "daily_energy_above", "Daily energy above a threshold"
        DAILY_COST_ABOVE = "daily_cost_above", "Daily cost above a threshold"
        MONTHLY_BUDGET = "monthly_budget", "Monthly budget (80 % and 100 %)"
        DEVICE_OFFLINE = "device_offline", "Device offline for some minutes"
        ANOMALY = "anomaly", "Anomaly detected"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="alert_rules")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="alert_rules")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    email = models.BooleanField(default=True, help_text="Also send an email")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["home", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.home_id})"


class Alert(models.Model):
    """One occurrence of a rule's condition. At most one open alert per rule and cause (dedupe);
    it is resolved when the condition clears. ``cause`` names what fired (e.g. "power",
    "day:2024-03-01", "month:2024-03:80", "anomaly:17")."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="alerts")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    cause = models.CharField(max_length=80)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=160)
    message = models.TextField()
    value = models.FloatField(null=True, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "cause"], condition=Q(status="open"), name="alert_one_open_per_rule_cause"
            ),
        ]
        indexes = [models.Index(fields=["home", "status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


# --- notifications, weekly reports, acted-on advice ----------------------------------------------


class NotificationPreference(models.Model):
    """How one user wants to hear from EnergyHome. No row means the defaults (everything on, no
    quiet hours). Quiet hours are in the user's own time zone (``User.time_zone``); a window whose
    start is after its end runs over midnight (22:00-07:00); equal or missing ends mean none."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="notification_preference")
    alert_email = models.BooleanField(default=True, help_text="Email me my homes' alerts")
    weekly_report = models.BooleanField(default=True, help_text="Email me the weekly report on Monday morning")
    quiet_start = models.TimeField(null=True, blank=True, help_text="Alert emails wait from this local time")
    quiet_end = models.TimeField(null=True, blank=True, help_text="... until this local time")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notifications of {self.user_id}"

    def in_quiet_hours(self, moment) -> bool:
        """True when aware ``moment`` falls in the quiet hours, read on the user's local clock."""
        import zoneinfo

        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        try:
            zone = zoneinfo.ZoneInfo(self.user.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        local = moment.astimezone(zone).time().replace(tzinfo=None)
        return start <= local < end if start < end else local >= start or local < end


class AlertEmail(models.Model):
    """One alert's email to one recipient: ``sent_at`` empty while it waits (quiet hours), so a
    retry or a second run never sends it twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="emails")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alert", "user"]
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alert_email_once_per_user")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} to {self.user_id} ({'sent' if self.sent_at else 'waiting'})"


class WeeklyReportEmail(models.Model):
    """The weekly report of ``home`` for the local week starting Monday ``week_start``, sent to
    ``user``: the row is claimed before sending, so a home never gets a week twice."""

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="weekly_report_emails")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "home", "user"]
        constraints = [
            models.UniqueConstraint(fields=["home", "user", "week_start"], name="weekly_report_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"report {self.home_id} {self.week_start} to {self.user_id}"


class RecommendationAction(models.Model):
    """A recommendation acted on in one click (a schedule through devices.rules), and its realised
    saving measured afterwards against the device's own baseline: the mean import price its
    energy paid in the ``baseline_days`` before ``acted_at`` against the days after, from the
    hourly costs. Money in the home's currency; ``realised_month`` empty until measured."""

    recommendation = models.OneToOneField(Recommendation, on_delete=models.CASCADE, related_name="action")
    rule = models.ForeignKey("devices.Rule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acted_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acted_at = models.DateTimeField()
    baseline_kwh_day = models.FloatField(null=True, blank=True)
    baseline_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    after_days = models.PositiveSmallIntegerField(default=0)
    after_kwh_day = models.FloatField(null=True, blank=True)
    after_price = models.DecimalField(**PRICE_DIGITS, null=True, blank=True)
    realised_month = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"acted on {self.recommendation_id} ({self.realised_month})"

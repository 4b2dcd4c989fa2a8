"""Serializers of the costs API (analytics/api.py): shapes only; the rules live in services and selectors.

Input serializers parse types (dates, decimals, choices); everything else (windows that overlap
or leave gaps, prices off the quarter hour, out of order or repeated, an unknown currency, a
period that a resolution does not divide) is checked by the service or selector, which names
the field.
"""

from __future__ import annotations

from rest_framework import serializers

from analytics.models import PRICE_DIGITS, PricePoint, Tariff, TimeOfUseWindow


class WindowSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    start_time = serializers.TimeField(format="%H:%M", help_text="Local clock time, on the quarter hour.")
    end_time = serializers.TimeField(
        format="%H:%M", help_text="00:00 is midnight at the day's end; an end before the start wraps."
    )
    days = serializers.ChoiceField(choices=TimeOfUseWindow.Days.choices, default=TimeOfUseWindow.Days.ALL)
    months = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=12),
        required=False,
        default=list,
        help_text="Season: months 1-12; empty: all year.",
    )
    price_per_kwh = serializers.DecimalField(**PRICE_DIGITS)


class TariffSerializer(serializers.ModelSerializer):
    windows = WindowSerializer(many=True, read_only=True)
    currency_symbol = serializers.CharField(read_only=True)

    class Meta:
        model = Tariff
        fields = [
            "id",
            "name",
            "kind",
            "effective_from",
            "currency",
            "currency_symbol",
            "import_price_per_kwh",
            "price_interval_minutes",
            "export_kind",
            "export_price_per_kwh",
            "standing_charge_per_day",
            "windows",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TariffInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=Tariff.Kind.choices)
    effective_from = serializers.DateField(help_text="In force from local midnight of this day.")
    currency = serializers.CharField(
        max_length=8, required=False, help_text="Optional; must be the home's currency when given."
    )
    import_price_per_kwh = serializers.DecimalField(**PRICE_DIGITS, required=False, allow_null=True)
    price_interval_minutes = serializers.ChoiceField(choices=[15, 60], required=False)
    export_kind = serializers.ChoiceField(choices=Tariff.ExportKind.choices, required=False)
    export_price_per_kwh = serializers.DecimalField(**PRICE_DIGITS, required=False)
    standing_charge_per_day = serializers.DecimalField(**PRICE_DIGITS, required=False)
    windows = WindowSerializer(many=True, required=False, help_text="Time-of-use tariffs: cover each day once.")


class PricePointSerializer(serializers.ModelSerializer):
    class Meta:
        model = PricePoint
        fields = ["start", "direction", "price_per_kwh"]
        read_only_fields = fields


class PricePointInSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="ISO 8601 with an offset or Z, on the quarter hour.")
    price_per_kwh = serializers.CharField(help_text="A number; negative prices are valid.")
    direction = serializers.ChoiceField(choices=PricePoint.Direction.choices, required=False)


class PricePointsInSerializer(serializers.Serializer):
    points = PricePointInSerializer(many=True, allow_empty=False)


class PriceErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class PriceImportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.SerializerMethodField()

    def get_errors(self, result) -> list[dict]:
        return [{"line": line, "reason": reason} for line, reason in result.errors]


MONEY = {"max_digits": 20, "decimal_places": 6, "coerce_to_string": True, "allow_null": True}


class CellSerializer(serializers.Serializer):
    energy_wh = serializers.FloatField(allow_null=True)
    cost = serializers.DecimalField(**MONEY)
    coverage = serializers.FloatField()


class BucketSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    label = serializers.CharField(help_text="Local start of the bucket with its offset (home's time zone).")
    energy_wh = serializers.FloatField(allow_null=True)
    cost = serializers.DecimalField(**MONEY)
    coverage = serializers.FloatField(help_text="0..1 of the bucket's device-hours that have readings.")


class GroupSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="Device id (number), room or type slug.")
    label = serializers.CharField()
    rank = serializers.IntegerField()
    energy_wh = serializers.FloatField()
    cost = serializers.DecimalField(**MONEY)
    share_pct = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField()
    cells = CellSerializer(many=True, help_text="One per bucket, in bucket order.")


class PeakSerializer(serializers.Serializer):
    hour = serializers.DateTimeField()
    power_w = serializers.FloatField()


class GridCostSerializer(serializers.Serializer):
    import_kwh = serializers.FloatField()
    export_kwh = serializers.FloatField()
    import_cost = serializers.DecimalField(**MONEY)
    export_credit = serializers.DecimalField(**MONEY)
    standing_charge = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    days = serializers.IntegerField()
    missing_hours = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    resolution = serializers.CharField()
    group_by = serializers.CharField()
    currency = serializers.CharField()
    energy_wh = serializers.FloatField()
    cost = serializers.DecimalField(**MONEY)
    coverage = serializers.FloatField()
    partial = serializers.BooleanField()
    missing_price_hours = serializers.IntegerField()
    mean_power_w = serializers.FloatField(allow_null=True)
    peak = PeakSerializer(allow_null=True)
    base_load_w = serializers.FloatField(allow_null=True)
    previous_start = serializers.DateTimeField()
    previous_end = serializers.DateTimeField()
    previous_energy_wh = serializers.FloatField()
    previous_cost = serializers.DecimalField(**MONEY)
    energy_change_pct = serializers.FloatField(allow_null=True)
    cost_change_pct = serializers.FloatField(allow_null=True)
    grid = GridCostSerializer(allow_null=True, help_text="The home's bill for the period (whole-home scope only).")
    buckets = BucketSerializer(many=True)
    groups = GroupSerializer(many=True)


class PeriodBalanceSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    hours = serializers.IntegerField(help_text="Hours with data.")
    consumption_wh = serializers.FloatField()
    production_wh = serializers.FloatField()
    self_consumption_wh = serializers.FloatField()
    solar_to_battery_wh = serializers.FloatField()
    solar_to_grid_wh = serializers.FloatField()
    battery_charge_wh = serializers.FloatField()
    battery_discharge_wh = serializers.FloatField()
    battery_to_home_wh = serializers.FloatField()
    battery_to_grid_wh = serializers.FloatField()
    grid_to_home_wh = serializers.FloatField()
    grid_to_battery_wh = serializers.FloatField()
    grid_import_wh = serializers.FloatField()
    grid_export_wh = serializers.FloatField()
    self_sufficiency_pct = serializers.FloatField(allow_null=True)
    self_consumption_pct = serializers.FloatField(allow_null=True)


class BalanceTotalSerializer(PeriodBalanceSerializer):
    has_grid_meter = serializers.BooleanField()
    has_solar = serializers.BooleanField()
    has_battery = serializers.BooleanField()


class BalanceSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    currency = serializers.CharField()
    total = BalanceTotalSerializer()
    steps = PeriodBalanceSerializer(many=True)
    soc_pct = serializers.ListField(child=serializers.FloatField(allow_null=True), help_text="Per step, hourly only.")

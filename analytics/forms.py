"""Forms of the cost pages: tariff editor with its time-of-use windows, price CSV upload, bill check."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from analytics.models import Tariff, TimeOfUseWindow

MAX_PRICE_CSV_BYTES = 5 * 1024 * 1024
MAX_BILL_DAYS = 400


class TariffForm(forms.ModelForm):
    class Meta:
        model = Tariff
        fields = [
            "name",
            "kind",
            "effective_from",
            "import_price_per_kwh",
            "price_interval_minutes",
            "export_kind",
            "export_price_per_kwh",
            "standing_charge_per_day",
        ]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "kind": forms.Select(attrs={"data-tariff-kind": ""}),
        }
        labels = {
            "import_price_per_kwh": "Import price per kWh",
            "export_price_per_kwh": "Export (feed-in) price per kWh",
            "standing_charge_per_day": "Standing charge per day",
            "price_interval_minutes": "Price interval",
            "export_kind": "Export rate",
        }

    def __init__(self, *args, currency_symbol: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("import_price_per_kwh", "export_price_per_kwh", "standing_charge_per_day"):
            self.fields[name].widget.attrs.update({"step": "0.00001", "inputmode": "decimal"})
            if currency_symbol:
                self.fields[name].label = f"{self.fields[name].label} ({currency_symbol})"

    def _post_clean(self) -> None:
        # The service validates the whole tariff (with the home, windows and uniqueness);
        # the form only parses the fields.
        pass


def parse_months(text: str) -> list[int]:
    """'4-9', '11,12,1' or '' (all year) → sorted month numbers; ValueError when malformed."""
    months: set[int] = set()
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        if "-" in part:
            first, last = (int(x) for x in part.split("-", 1))
            span = range(first, last + 1) if first <= last else [*range(first, 13), *range(1, last + 1)]
            months.update(span)
        else:
            months.add(int(part))
    if any(not 1 <= m <= 12 for m in months):
        raise ValueError("months are 1 to 12")
    return sorted(months)


class WindowForm(forms.Form):
    name = forms.CharField(max_length=40)
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"))
    end_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        help_text="00:00 means midnight at the end of the day; an end before the start wraps past midnight.",
    )
    days = forms.ChoiceField(choices=TimeOfUseWindow.Days.choices, initial=TimeOfUseWindow.Days.ALL)
    months = forms.CharField(
        required=False, max_length=40, help_text="Season, e.g. 4-9 or 11,12,1; empty: all year", label="Months"
    )
    price_per_kwh = forms.DecimalField(max_digits=10, decimal_places=5, label="Price per kWh")

    def clean_months(self) -> list[int]:
        try:
            return parse_months(self.cleaned_data.get("months") or "")
        except ValueError:
            raise ValidationError("Use month numbers 1–12, e.g. 4-9 or 11,12,1.") from None


class BaseWindowFormSet(forms.BaseFormSet):
    def windows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


WindowFormSet = forms.formset_factory(WindowForm, formset=BaseWindowFormSet, extra=0, can_delete=True)


def window_initial(tariff: Tariff) -> list[dict]:
    return [
        {
            "name": w.name,
            "start_time": w.start_time,
            "end_time": w.end_time,
            "days": w.days,
            "months": ",".join(str(m) for m in w.months),
            "price_per_kwh": w.price_per_kwh,
        }
        for w in tariff.windows.all()
    ]


class PriceCsvForm(forms.Form):
    file = forms.FileField(
        label="Price file (CSV)",
        help_text="Columns <code>start,price_per_kwh</code>, optional <code>direction</code> (import/export) "
        "and <code>currency</code>. Times in ISO 8601 with an offset, e.g. 2026-03-29T02:00+01:00.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PRICE_CSV_BYTES:
            raise ValidationError("The file is larger than 5 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text.") from None


class BillCheckForm(forms.Form):
    first_day = forms.DateField(label="First day of the bill", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day of the bill", widget=forms.DateInput(attrs={"type": "date"}))
    billed_import_kwh = forms.FloatField(label="Imported kWh on the bill", min_value=0)
    billed_export_kwh = forms.FloatField(label="Exported kWh on the bill", min_value=0, required=False)
    billed_standing = forms.DecimalField(
        label="Standing charges on the bill", max_digits=12, decimal_places=2, required=False
    )
    billed_total = forms.DecimalField(label="Total amount of the bill", max_digits=12, decimal_places=2)

    def __init__(self, *args, currency_symbol: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if currency_symbol:
            for name in ("billed_standing", "billed_total"):
                self.fields[name].label = f"{self.fields[name].label} ({currency_symbol})"

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "The last day must be on or after the first day.")
            elif last - first > timedelta(days=MAX_BILL_DAYS):
                self.add_error("last_day", f"A bill period is at most {MAX_BILL_DAYS} days.")
        return data

"""Forms of the telemetry pages: CSV upload and CSV export."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

MAX_UPLOAD_BYTES = 500 * 1024 * 1024
MAX_EXPORT_DAYS = 400


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: timestamp, device, power_w; optional energy_wh_total, voltage_v, current_a, "
        "power_factor. The first line names the columns. May be gzip-compressed.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.gz,text/csv"}),
    )
    naive_times = forms.ChoiceField(
        label="Timestamps without a time zone are in",
        choices=[("utc", "UTC"), ("home", "The home's time zone")],
        initial="utc",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class CsvExportForm(forms.Form):
    KIND_CHOICES = [
        ("readings", "Raw readings"),
        ("hourly", "Hourly energy (rollups)"),
        ("daily", "Daily energy (rollups)"),
    ]
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="What", choices=KIND_CHOICES, initial="hourly")

    @classmethod
    def initial_for(cls, today: date) -> dict:
        return {"start": today - timedelta(days=6), "end": today, "kind": "hourly"}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error("end", f"Export at most {MAX_EXPORT_DAYS} days at a time.")
        return data

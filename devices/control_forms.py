"""Forms of the control pages: a command from a device's controls, and a schedule or automation.

They only turn posted text into the typed values the services take; every rule (ranges, modes,
which device types accept what) lives in devices.commands and devices.rules.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from devices.models import Command, Device, Rule

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
TRUE_WORDS = {"true", "on", "1", "yes"}
FALSE_WORDS = {"false", "off", "0", "no"}


def payload_from(command_type: str, data) -> dict:
    """The payload of ``command_type`` from posted text fields (``on``, ``temperature_c``, ``mode``,
    ``limit_pct``). ValidationError naming the field for text that is not the right kind of value."""
    if command_type == Command.Type.SET_POWER:
        word = str(data.get("on", "")).strip().lower()
        if word in TRUE_WORDS:
            return {"on": True}
        if word in FALSE_WORDS:
            return {"on": False}
        raise ValidationError({"on": "Choose on or off."})
    if command_type == Command.Type.SET_TEMPERATURE:
        try:
            return {"temperature_c": float(str(data.get("temperature_c", "")).replace(",", "."))}
        except ValueError:
            raise ValidationError({"temperature_c": "Enter a temperature in °C, e.g. 21.5."}) from None
    if command_type == Command.Type.SET_MODE:
        return {"mode": str(data.get("mode", "")).strip()}
    if command_type == Command.Type.SET_CHARGE_LIMIT:
        try:
            return {"limit_pct": int(str(data.get("limit_pct", "")).strip())}
        except ValueError:
            raise ValidationError({"limit_pct": "Enter a whole percentage, e.g. 80."}) from None
    raise ValidationError({"command_type": "Choose a command."})


class RuleForm(forms.Form):
    """A schedule or automation; the command's value fields are read with payload_from()."""

    kind = forms.ChoiceField(choices=Rule.Kind.choices)
    name = forms.CharField(max_length=80)
    device = forms.ModelChoiceField(queryset=Device.objects.none())
    command_type = forms.ChoiceField(choices=Command.Type.choices)
    time_of_day = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    condition = forms.ChoiceField(choices=[("", "—")] + list(Rule.Condition.choices), required=False)
    condition_device = forms.ModelChoiceField(queryset=Device.objects.none(), required=False)
    threshold = forms.FloatField(required=False)
    duration_min = forms.IntegerField(required=False, min_value=0, initial=5)
    cooldown_min = forms.IntegerField(required=False, min_value=0, initial=30)

    def __init__(self, *args, home, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        devices = Device.objects.filter(home=home, is_active=True).select_related("type").order_by("name")
        controllable = [d.pk for d in devices if d.type.commands]
        self.fields["device"].queryset = devices.filter(pk__in=controllable)
        self.fields["condition_device"].queryset = devices
        self.fields["weekdays"].initial = [0, 1, 2, 3, 4, 5, 6]

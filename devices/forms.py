"""Forms of the device pages. They parse input; devices.services validates and writes."""

from __future__ import annotations

from django import forms

from devices.models import Device
from devices.selectors import device_types


class DeviceForm(forms.Form):
    """Add a device: type, name, room (an existing one or a new one), optional external id."""

    type = forms.ModelChoiceField(queryset=device_types(), empty_label="Choose a type…", label="Type")
    name = forms.CharField(max_length=80, label="Name", widget=forms.TextInput(attrs={"placeholder": "Kitchen fridge"}))
    room = forms.CharField(
        max_length=60,
        required=False,
        label="Room",
        help_text="Pick one of your rooms or type a new one.",
        widget=forms.TextInput(attrs={"list": "room-options", "autocomplete": "off"}),
    )
    external_id = forms.CharField(
        max_length=64,
        required=False,
        label="External id (optional)",
        help_text="The device's own id, used in its MQTT topic. Left empty, one is generated.",
    )
    rated_power_w = forms.FloatField(required=False, min_value=0, label="Rated power (W, optional)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = device_types()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "name": data["name"],
            "room": data["room"],
            "external_id": data["external_id"].strip() or None,
            "rated_power_w": data["rated_power_w"],
        }


class DeviceEditForm(forms.Form):
    """Change a device's name, room and rated power."""

    name = forms.CharField(max_length=80, label="Name")
    room = forms.CharField(
        max_length=60,
        required=False,
        label="Room",
        help_text="Pick one of your rooms or type a new one.",
        widget=forms.TextInput(attrs={"list": "room-options", "autocomplete": "off"}),
    )
    rated_power_w = forms.FloatField(required=False, min_value=0, label="Rated power (W, optional)")

    @classmethod
    def for_device(cls, device: Device, data=None) -> DeviceEditForm:
        return cls(data, initial={"name": device.name, "room": device.room, "rated_power_w": device.rated_power_w})

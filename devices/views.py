"""Web pages for devices: list, detail, add (key shown once), edit, deactivate, keys.

Thin views: permission through accounts/devices selectors (a device of another home is a 404,
a read-only member gets 403 on writes), writes through devices.services, reads through
analytics.selectors. htmx writes answer with the updated fragment, not a redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import can_write, get_home_for, get_home_for_write
from analytics.charts import power_lines_figure
from analytics.selectors import (
    device_energy_periods,
    device_power_week,
    device_rows,
    device_tile,
    latest_readings,
    rooms_of,
)
from devices import services
from devices.forms import DeviceEditForm, DeviceForm
from devices.models import Device, DeviceKey
from devices.selectors import control_panel, device_types, get_device_for, keys_of
from energyhome.forms import apply_validation_errors
from telemetry.selectors import latest_power

_apply_errors = apply_validation_errors


def _current_home(request: HttpRequest):
    if not request.home:
        raise Http404("No home yet")
    return get_home_for(request.user, request.home.pk)


def _can_write(user, home) -> bool:
    return can_write(user, home)


def _ingest_examples(request: HttpRequest, device: Device, plain_key: str) -> dict:
    return {
        "ingest_url": request.build_absolute_uri("/api/v1/ingest/"),
        "mqtt_topic": f"{settings.MQTT_TOPIC_PREFIX}/{device.external_id}/telemetry",
        "mqtt_host": request.get_host().split(":")[0],
        "plain_key": plain_key,
    }


@login_required
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    """Devices of the current home, filtered by ?room= and ?type= (htmx gets the table only)."""
    if not request.home:
        return redirect("accounts:home-create")
    home = _current_home(request)
    room = request.GET.get("room")
    type_slug = request.GET.get("type") or None
    rows = device_rows(home, room=room if room else None, type_slug=type_slug)
    context = {
        "home": home,
        "rows": rows,
        "rooms": rooms_of(home),
        "types": device_types().filter(devices__home=home).distinct(),
        "room": room or "",
        "type_slug": type_slug or "",
        "can_write": _can_write(request.user, home),
        "live_url": f"/ws/homes/{home.pk}/live/?view=devices",
    }
    if request.htmx and request.htmx.target == "device-table":
        return render(request, "devices/_device_table.html", context)
    return render(request, "devices/device_list.html", context)


def _detail_context(request: HttpRequest, device: Device, **extra) -> dict:
    value = latest_power(home=device.home).get(device.pk)
    from django.utils import timezone

    now = timezone.now()
    times, values = device_power_week(device, now=now)
    return {
        "home": device.home,
        "device": device,
        "tile": device_tile(device, value, now=now),
        "energy": device_energy_periods(device, now=now),
        "chart": power_lines_figure(times, [(device.name, values)], height=300),
        "has_week_data": any(v is not None for v in values),
        "readings": latest_readings(device),
        "keys": keys_of(device),
        "panel": control_panel(device),
        "can_write": _can_write(request.user, device.home),
        "mqtt_topic": f"{settings.MQTT_TOPIC_PREFIX}/{device.external_id}/telemetry",
        "live_url": f"/ws/homes/{device.home_id}/live/?view=devices&device={device.pk}",
        **extra,
    }


@login_required
@require_GET
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_device_for(request.user, pk)
    return render(request, "devices/device_detail.html", _detail_context(request, device))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def device_create(request: HttpRequest) -> HttpResponse:
    """Add a device to the current home; the answer shows its new key once (never stored)."""
    if not request.home:
        return redirect("accounts:home-create")
    home = get_home_for_write(request.user, request.home.pk)
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registered = services.register_device(home=home, **form.service_kwargs())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            context = {
                "home": home,
                "device": registered.device,
                **_ingest_examples(request, registered.device, registered.plain_key),
            }
            return render(request, "devices/device_created.html", context, status=201 if request.htmx else 200)
    return render(
        request, "devices/device_form.html", {"home": home, "form": form, "rooms": rooms_of(home), "creating": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_device_for(request.user, pk)
    get_home_for_write(request.user, device.home_id)
    form = DeviceEditForm.for_device(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _update_device(device=device, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Saved {device.name}.")
            return redirect("devices:device-detail", pk=device.pk)
    context = {"home": device.home, "device": device, "form": form, "rooms": rooms_of(device.home), "creating": False}
    return render(request, "devices/device_form.html", context)


@login_required
@require_POST
def device_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (its readings are refused from now on; history stays). htmx gets the status fragment."""
    device = get_device_for(request.user, pk)
    get_home_for_write(request.user, device.home_id)
    _deactivate_device(device=device)
    if request.htmx:
        response = render(request, "devices/_device_status.html", {"device": device, "can_write": True})
        response["HX-Trigger"] = "device-deactivated"
        return response
    messages.success(request, f"{device.name} is deactivated.")
    return redirect("devices:device-detail", pk=device.pk)


@never_cache
@login_required
@require_POST
def key_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the device's keys and make a new one, shown once in the answer."""
    device = get_device_for(request.user, pk)
    get_home_for_write(request.user, device.home_id)
    plain_key = services.rotate_device_key(device=device)
    extra = {"new_key": True, **_ingest_examples(request, device, plain_key)}
    if request.htmx:
        return render(
            request, "devices/_keys.html", {"device": device, "keys": keys_of(device), "can_write": True, **extra}
        )
    return render(request, "devices/device_detail.html", _detail_context(request, device, **extra))


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    device = get_device_for(request.user, pk)
    get_home_for_write(request.user, device.home_id)
    key = DeviceKey.objects.filter(pk=key_pk, device=device).first()
    if key is None:
        raise Http404("No such key")
    services.revoke_device_key(key=key)
    if request.htmx:
        return render(request, "devices/_keys.html", {"device": device, "keys": keys_of(device), "can_write": True})
    messages.success(request, f"Key {key.prefix}… revoked.")
    return redirect("devices:device-detail", pk=device.pk)


def _update_device(*, device: Device, name: str, room: str, rated_power_w: float | None) -> Device:
    return services.update_device(device=device, name=name, room=room, rated_power_w=rated_power_w)


def _deactivate_device(*, device: Device) -> Device:
    return services.deactivate_device(device=device)

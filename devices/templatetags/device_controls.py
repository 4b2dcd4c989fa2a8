"""``{% tile_control tile %}``: the on/off control of a dashboard tile, for devices that accept set_power."""

from __future__ import annotations

from django import template

from accounts.selectors import can_write as user_can_write
from devices.models import Command, Device
from devices.selectors import control_panel

register = template.Library()


@register.inclusion_tag("devices/_tile_control.html", takes_context=True)
def tile_control(context, tile) -> dict:
    """Renders nothing for a device without set_power. ``can_write`` comes from the context when the
    caller decided it (the live consumer does), else from the requesting user's role."""
    device = Device.objects.select_related("type", "home").filter(pk=tile.device_id).first()
    if device is None or Command.Type.SET_POWER not in (device.type.commands or []):
        return {"panel": None}
    can_write = context.get("can_write")
    if can_write is None:
        user = context.get("user") or getattr(context.get("request"), "user", None)
        can_write = user is not None and user_can_write(user, device.home)
    panel = control_panel(device)
    return {"panel": panel, "can_write": can_write, "oob": False, "looks_on": looks_on(panel, tile)}


def looks_on(panel, tile=None) -> bool:
    """What the tile's switch offers: the state the device confirmed, else what its power suggests."""
    if panel.is_on is not None:
        return panel.is_on
    if tile is not None:
        return getattr(tile, "state", "on") not in {"off", "idle", "offline", "no-data", "inactive"}
    newest = panel.device.readings.order_by("-time").values_list("power_w", flat=True).first()
    return newest is not None and newest > STANDBY_W


# Below this a switchable device counts as off (a relay's own draw, an EV charger's idle electronics).
STANDBY_W = 5.0


@register.filter
def command_text(command) -> str:
    """A command (or rule) in words: "Switch off", "Set to 21.0 °C", "Mode: eco"."""
    from devices.selectors import describe_command

    return describe_command(command.command_type, command.payload or {})


@register.filter
def result_text(result) -> str:
    """A device's result object as ``key: value`` pairs."""
    if not isinstance(result, dict):
        return str(result)
    return ", ".join(f"{key}: {value}" for key, value in result.items())

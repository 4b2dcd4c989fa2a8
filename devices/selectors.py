"""Reads for devices, device types and device keys. Nothing here writes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import Home, User
from accounts.selectors import homes_for
from devices.models import Command, Device, DeviceKey, DeviceType, Rule, RuleRun

# A plain key is "ehk_" + 43 characters; anything much longer is not a key and is not hashed.
MAX_PLAIN_KEY_LENGTH = 128


def key_hash(plain_key: str) -> str:
    """The SHA-256 hex digest a plain device key is stored under."""
    return hashlib.sha256(plain_key.encode()).hexdigest()


def device_types() -> QuerySet[DeviceType]:
    """Every device type, ordered by name."""
    return DeviceType.objects.order_by("name")


def devices_for(home: Home, *, include_inactive: bool = True) -> QuerySet[Device]:
    """Devices of ``home`` (the caller has already checked membership), ordered by room and name,
    with their type loaded."""
    devices = Device.objects.filter(home=home).select_related("type")
    if not include_inactive:
        devices = devices.filter(is_active=True)
    return devices.order_by("room", "name", "id")


def get_device_for(user: User, device_id: object) -> Device:
    """The device with ``device_id`` if ``user`` is a member of its home; Http404 otherwise.

    A device of a home the user does not belong to answers exactly like a missing one, as
    does an id that is not a number.
    """
    try:
        device_pk = int(str(device_id))
    except (TypeError, ValueError):
        raise Http404("No such device") from None
    device = Device.objects.filter(pk=device_pk, home__in=homes_for(user)).select_related("type", "home").first()
    if device is None:
        raise Http404("No such device")
    return device


def device_key_for_raw(raw: object) -> DeviceKey | None:
    """The key (active or revoked) whose plain text is ``raw``, with home and device loaded; None
    when there is none or ``raw`` cannot be a key. Use devices.services.authenticate_device_key to
    authenticate: this one also finds revoked keys, so callers can tell "revoked" from "unknown"."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_PLAIN_KEY_LENGTH:
        return None
    return (
        DeviceKey.objects.filter(key_hash=key_hash(raw))
        .select_related("home", "device", "device__type", "device__home")
        .first()
    )


def keys_of(device: Device) -> QuerySet[DeviceKey]:
    """Keys of ``device``, newest first (revoked ones included)."""
    return DeviceKey.objects.filter(device=device).order_by("-created_at", "-id")


# --- control: commands, their state, rules -------------------------------------------------------


@dataclass(frozen=True)
class ControlPanel:
    """What a device's controls show: the commands its type accepts, what it last confirmed
    (``state``), the newest unanswered command (shown as pending) and the newest command."""

    device: Device
    accepts: tuple[str, ...]
    state: dict
    open_command: Command | None
    last_command: Command | None
    is_offline: bool

    @property
    def can_switch(self) -> bool:
        return Command.Type.SET_POWER in self.accepts

    @property
    def is_on(self) -> bool | None:
        """The confirmed on/off state; None when no set_power was ever acknowledged."""
        value = self.state.get("on")
        return value if isinstance(value, bool) else None

    @property
    def pending_text(self) -> str:
        command = self.open_command
        if command is None:
            return ""
        what = describe_command(command.command_type, command.payload)
        return f"{what}: {'waiting for the device' if command.status == Command.Status.SENT else 'sending'}…"


def describe_command(command_type: str, payload: dict) -> str:
    """A command in words: "Switch off", "Set to 21 °C", "Mode: eco", "Charge limit 80 %"."""
    if command_type == Command.Type.SET_POWER:
        return "Switch on" if payload.get("on") else "Switch off"
    if command_type == Command.Type.SET_TEMPERATURE:
        return f"Set to {payload.get('temperature_c')} °C"
    if command_type == Command.Type.SET_MODE:
        return f"Mode: {payload.get('mode')}"
    if command_type == Command.Type.SET_CHARGE_LIMIT:
        return f"Charge limit {payload.get('limit_pct')} %"
    return command_type


def control_panel(device: Device) -> ControlPanel:
    """The control state of ``device`` (two queries)."""
    from devices.commands import is_offline

    recent = list(device.commands.order_by("-created_at", "-id")[:10])
    open_command = next((c for c in recent if c.status in Command.OPEN_STATUSES), None)
    return ControlPanel(
        device=device,
        accepts=tuple(device.type.commands or ()),
        state=dict(device.state or {}),
        open_command=open_command,
        last_command=recent[0] if recent else None,
        is_offline=is_offline(device),
    )


def commands_for(
    home: Home, *, device_id: int | None = None, status: str | None = None, issued_by: str | None = None
) -> QuerySet[Command]:
    """Commands of ``home`` (membership already checked), newest first, optionally filtered."""
    commands = Command.objects.filter(home=home).select_related("device", "issued_by_user", "run__rule")
    if device_id is not None:
        commands = commands.filter(device_id=device_id)
    if status:
        commands = commands.filter(status=status)
    if issued_by:
        commands = commands.filter(issued_by=issued_by)
    return commands.order_by("-created_at", "-id")


def get_command_for(user: User, command_id: object) -> Command:
    """The command if ``user`` is a member of its home; Http404 otherwise."""
    try:
        pk = int(str(command_id))
    except (TypeError, ValueError):
        raise Http404("No such command") from None
    command = Command.objects.filter(pk=pk, home__in=homes_for(user)).select_related("device__type", "home").first()
    if command is None:
        raise Http404("No such command")
    return command


def rules_for(home: Home) -> QuerySet[Rule]:
    """Schedules and automations of ``home`` with their device and latest runs."""
    runs = RuleRun.objects.order_by("-ran_at", "-id")
    return (
        Rule.objects.filter(home=home)
        .select_related("device__type", "condition_device")
        .prefetch_related(Prefetch("runs", queryset=runs, to_attr="recent_runs"))
        .order_by("kind", "name", "id")
    )


def get_rule_for(user: User, rule_id: object) -> Rule:
    """The rule if ``user`` is a member of its home; Http404 otherwise."""
    try:
        pk = int(str(rule_id))
    except (TypeError, ValueError):
        raise Http404("No such rule") from None
    rule = Rule.objects.filter(pk=pk, home__in=homes_for(user)).select_related("home", "device__type").first()
    if rule is None:
        raise Http404("No such rule")
    return rule

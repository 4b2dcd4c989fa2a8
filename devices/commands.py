"""Writes for device commands: send, deliver (MQTT or polling), acknowledge, retry, expire.

Life of a command: ``pending`` (stored, not yet handed to a transport) -> ``sent`` (published to
the broker, or fetched by the device's poll) -> ``acknowledged`` | ``failed`` (the device said so)
| ``expired`` (no answer in time). The row is the outbox: Celery only kicks ``dispatch``, and
``sweep`` (beat, every few seconds) re-sends what is due and expires what is late, so a lost task
or a Redis restart never loses a command. Every delivery is claimed by a conditional UPDATE, so two
workers (or two beats) never send the same attempt twice; devices dedupe by command id anyway.

Every status change is pushed to the home's live group after commit (telemetry.live).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from devices.models import Command, Device, DeviceKey, DeviceType, Issuer, RuleRun

logger = logging.getLogger(__name__)

S = Command.Status
CHARGE_LIMIT_RANGE_PCT = (10, 100)
_PAYLOAD_KEYS = {
    Command.Type.SET_POWER: "on",
    Command.Type.SET_TEMPERATURE: "temperature_c",
    Command.Type.SET_MODE: "mode",
    Command.Type.SET_CHARGE_LIMIT: "limit_pct",
}


class CommandConflict(Exception):
    """An acknowledgement that contradicts what the command already is (e.g. failed, then acked)."""


@dataclass(frozen=True)
class SweepStats:
    expired: int
    redispatched: int


# --- validation ------------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def validate_command(device_type: DeviceType, command_type: object, payload: object) -> dict:
    """The normalised payload of ``command_type`` for a device of ``device_type``.

    Raises ValidationError keyed by field (``command_type``, ``payload``, ``on``, ``temperature_c``,
    ``mode``, ``limit_pct``) with a sentence a person can act on. Unknown payload keys are an error,
    so a misspelt field is never silently ignored.
    """
    if command_type not in Command.Type.values:
        known = ", ".join(Command.Type.values)
        raise ValidationError({"command_type": f"Unknown command {command_type!r}; use one of {known}."})
    if command_type not in (device_type.commands or []):
        accepted = ", ".join(device_type.commands or []) or "no commands"
        raise ValidationError(
            {"command_type": f"A {device_type.name.lower()} does not accept {command_type} (it accepts {accepted})."}
        )
    if not isinstance(payload, dict):
        raise ValidationError({"payload": "Must be a JSON object."})
    key = _PAYLOAD_KEYS[command_type]
    extra = sorted(set(payload) - {key})
    if extra:
        raise ValidationError({"payload": f"Unknown field(s) {', '.join(extra)}; {command_type} takes only {key!r}."})
    if key not in payload:
        raise ValidationError({key: "This field is required."})
    value = payload[key]
    if command_type == Command.Type.SET_POWER:
        if not isinstance(value, bool):
            raise ValidationError({"on": "Must be true (on) or false (off)."})
        return {"on": value}
    if command_type == Command.Type.SET_TEMPERATURE:
        number = _number(value)
        low, high = device_type.min_temperature_c, device_type.max_temperature_c
        if number is None:
            raise ValidationError({"temperature_c": "Must be a number of degrees Celsius."})
        if low is not None and high is not None and not low <= number <= high:
            raise ValidationError(
                {"temperature_c": f"Must be between {low:g} and {high:g} °C for a {device_type.name.lower()}."}
            )
        return {"temperature_c": round(number, 1)}
    if command_type == Command.Type.SET_MODE:
        modes = device_type.modes or []
        if not isinstance(value, str) or value not in modes:
            raise ValidationError({"mode": f"Use one of: {', '.join(modes) or 'no modes known for this type'}."})
        return {"mode": value}
    number = _number(value)
    low, high = CHARGE_LIMIT_RANGE_PCT
    if number is None or number != int(number) or not low <= number <= high:
        raise ValidationError({"limit_pct": f"Must be a whole percentage from {low} to {high}."})
    return {"limit_pct": int(number)}


def is_offline(device: Device, now: datetime | None = None) -> bool:
    """True when the device has not been heard from within the offline window (10 minutes)."""
    from analytics.selectors import OFFLINE_AFTER

    now = now or timezone.now()
    return device.last_seen is None or now - device.last_seen > OFFLINE_AFTER


def transport_for(device: Device) -> str:
    """MQTT for a device with an MQTT topic while MQTT commands are on; HTTP polling otherwise."""
    if settings.MQTT_COMMANDS and device.mqtt_topic:
        return Command.Transport.MQTT
    return Command.Transport.POLL


def backoff(attempts: int) -> timedelta:
    """Wait before re-sending after ``attempts`` sends: base, 2x base, 4x base, ... capped."""
    seconds = settings.COMMAND_RETRY_BASE_S * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.COMMAND_RETRY_MAX_S))


# --- send --------------------------------------------------------------------------------------------


def send_command(
    *,
    device: Device,
    command_type: str,
    payload: dict,
    issued_by: str = Issuer.USER,
    issued_by_user=None,
    queue_if_offline: bool = False,
    run: RuleRun | None = None,
) -> Command:
    """Validate ``command_type``/``payload`` against the device's type, store it ``pending`` and,
    after commit, queue ``devices.tasks.dispatch_command`` and push the new status live.

    A deactivated device is refused. An offline device (silent for 10 minutes) is refused with a
    clear message unless ``queue_if_offline``: then the command waits (up to
    COMMAND_QUEUE_EXPIRY_S) for the device to come back. ValidationError keyed by field otherwise.
    """
    if issued_by not in Issuer.values:
        raise ValidationError({"issued_by": f"Unknown issuer {issued_by!r}."})
    normalised = validate_command(device.type, command_type, payload)
    if not device.is_active:
        raise ValidationError({"device": f"{device.name} is deactivated; activate it before sending commands."})
    now = timezone.now()
    offline = is_offline(device, now)
    if offline and not queue_if_offline:
        seen = "has never been seen" if device.last_seen is None else f"was last seen {_ago(now - device.last_seen)}"
        raise ValidationError(
            {"device": f"{device.name} is offline ({seen}). Queue the command to send it when it is back."}
        )
    expiry = settings.COMMAND_QUEUE_EXPIRY_S if offline else settings.COMMAND_EXPIRY_S
    with transaction.atomic():
        command = Command.objects.create(
            home_id=device.home_id,
            device=device,
            command_type=command_type,
            payload=normalised,
            issued_by=issued_by,
            issued_by_user=issued_by_user if getattr(issued_by_user, "is_authenticated", False) else None,
            run=run,
            transport=transport_for(device),
            queued_while_offline=offline,
            created_at=now,
            expires_at=now + timedelta(seconds=expiry),
        )
        transaction.on_commit(lambda: _after_commit(command.pk, device.home_id, device.pk, created=True))
    return command


def _after_commit(command_id: int, home_id: int, device_id: int, *, created: bool = False) -> None:
    from devices.tasks import dispatch_command
    from energyhome.queueing import enqueue

    _push(home_id, device_id, command_id, created=created)
    # With the broker down the row is the outbox: the beat sweep sends the command once it is back.
    enqueue(dispatch_command, command_id)


def _push(home_id: int, device_id: int, command_id: int, *, created: bool = False) -> None:
    from telemetry.live import publish_command

    publish_command(home_id, device_id=device_id, command_id=command_id, created=created)


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minutes ago"
    hours = minutes // 60
    return f"{hours} hours ago" if hours < 48 else f"{hours // 24} days ago"


# --- deliver -----------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(status__in=Command.OPEN_STATUSES, expires_at__gt=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(command: Command, now: datetime) -> bool:
    """Mark one delivery attempt of ``command`` (status sent); False when someone else got it first."""
    attempts = command.attempts + 1
    claimed = Command.objects.filter(_due(now), pk=command.pk, attempts=command.attempts).update(
        status=S.SENT,
        attempts=F("attempts") + 1,
        sent_at=now,
        next_attempt_at=now + backoff(attempts),
    )
    if claimed:
        command.status, command.attempts, command.sent_at = S.SENT, attempts, now
        command.next_attempt_at = now + backoff(attempts)
    return bool(claimed)


def dispatch(command_id: int, now: datetime | None = None) -> bool:
    """Deliver an MQTT command that is due (first send or a retry). True when it was published.

    Polling commands are delivered by the device's own poll, so this does nothing for them.
    A broker that cannot be reached leaves the command pending with the reason; the sweep
    retries after the backoff.
    """
    from devices.transports import PublishError, publish_command

    now = now or timezone.now()
    command = Command.objects.select_related("device").filter(pk=command_id).first()
    if command is None or command.transport != Command.Transport.MQTT or not _claim(command, now):
        return False
    try:
        publish_command(command)
    except PublishError as exc:
        Command.objects.filter(pk=command.pk, status=S.SENT).update(status=S.PENDING, error=str(exc)[:500])
        logger.warning("command %s: MQTT publish failed (%s); will retry", command.pk, exc)
        transaction.on_commit(lambda: _push(command.home_id, command.device_id, command.pk))
        return False
    if command.error:
        Command.objects.filter(pk=command.pk).update(error="")
    transaction.on_commit(lambda: _push(command.home_id, command.device_id, command.pk))
    return True


def poll_commands(*, key: DeviceKey, limit: int = 50) -> list[Command]:
    """Commands due for the key's device (or, for a home-level key, every device of its home),
    oldest first, each marked ``sent`` (one more attempt). A sent command that is not acknowledged
    comes back on a later poll once its backoff has passed, until it expires."""
    now = timezone.now()
    scope = Q(device=key.device) if key.device_id else Q(home_id=key.home_id)
    candidates = list(
        Command.objects.filter(_due(now), scope, transport=Command.Transport.POLL)
        .select_related("device")
        .order_by("created_at", "id")[:limit]
    )
    delivered = [command for command in candidates if _claim(command, now)]
    for command in delivered:
        _push(command.home_id, command.device_id, command.pk)
    return delivered


# --- acknowledge ---------------------------------------------------------------------------------------


def command_for_key(*, key: DeviceKey, command_id: object) -> Command:
    """The command ``command_id`` if the key may answer for it (its device's key, or a home key of
    its home); ObjectDoesNotExist otherwise, exactly as for a missing command."""
    try:
        pk = int(str(command_id))
    except (TypeError, ValueError):
        raise Command.DoesNotExist from None
    scope = Q(device_id=key.device_id) if key.device_id else Q(home_id=key.home_id)
    command = Command.objects.select_related("device").filter(scope, pk=pk).first()
    if command is None:
        raise Command.DoesNotExist
    return command


def record_ack(*, command: Command, ok: bool, result: object = None, error: object = "") -> Command:
    """Record the device's answer: ``acknowledged`` (ok) or ``failed`` with its error text.

    Idempotent: the same answer twice changes nothing. An answer that arrives after expiry is
    still recorded (the device did act; the record says so). CommandConflict when the command
    already has the other final answer. ValidationError for a result that is not an object or an
    error that is not text. An acknowledged command updates the device's confirmed ``state``.
    """
    if result is not None and not isinstance(result, dict):
        raise ValidationError({"result": "Must be a JSON object."})
    if not isinstance(error, str):
        raise ValidationError({"error": "Must be text."})
    target = S.ACKNOWLEDGED if ok else S.FAILED
    now = timezone.now()
    with transaction.atomic():
        locked = Command.objects.select_for_update().select_related("device").get(pk=command.pk)
        if locked.status == target:
            return locked
        if locked.status in (S.ACKNOWLEDGED, S.FAILED):
            raise CommandConflict(f"Command {locked.pk} is already {locked.status}.")
        late = locked.status == S.EXPIRED
        locked.status = target
        locked.completed_at = now
        locked.result = result or {}
        locked.error = (error or ("acknowledged after it had expired" if late and ok else ""))[:500]
        locked.save(update_fields=["status", "completed_at", "result", "error"])
        if ok:
            _apply_state(locked)
        transaction.on_commit(lambda: _push(locked.home_id, locked.device_id, locked.pk))
    return locked


def _apply_state(command: Command) -> None:
    device = Device.objects.select_for_update().get(pk=command.device_id)
    state = dict(device.state or {})
    state.update(command.payload)
    state["updated_at"] = timezone.now().isoformat()
    device.state = state
    device.save(update_fields=["state"])


# --- retry and expire -------------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> SweepStats:
    """Expire open commands past ``expires_at`` and re-dispatch MQTT commands that are due.

    Safe to run at any moment and any number of times (each step is a conditional UPDATE).
    """
    now = now or timezone.now()
    late = list(
        Command.objects.filter(status__in=Command.OPEN_STATUSES, expires_at__lte=now).values_list(
            "pk", "home_id", "device_id", "attempts"
        )
    )
    expired = 0
    for pk, home_id, device_id, attempts in late:
        reason = "No acknowledgement before it expired" + (
            f" ({attempts} attempt{'s' if attempts != 1 else ''})." if attempts else "; it was never delivered."
        )
        changed = Command.objects.filter(pk=pk, status__in=Command.OPEN_STATUSES).update(
            status=S.EXPIRED, completed_at=now, error=reason
        )
        if changed:
            expired += 1
            transaction.on_commit(lambda h=home_id, d=device_id, c=pk: _push(h, d, c))
    due = list(Command.objects.filter(_due(now), transport=Command.Transport.MQTT).values_list("pk", flat=True)[:500])
    redispatched = sum(1 for pk in due if dispatch(pk, now))
    return SweepStats(expired=expired, redispatched=redispatched)


def open_command_for(device: Device) -> Command | None:
    """The newest unanswered command of ``device``, if any (what its controls show as pending)."""
    try:
        return device.commands.filter(status__in=Command.OPEN_STATUSES).latest("created_at", "id")
    except ObjectDoesNotExist:
        return None

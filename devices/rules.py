"""Schedules and automations: rules that send commands by themselves (Celery beat, every minute).

* A **schedule** sends its command at a local time of day on chosen weekdays, in the home's time
  zone. On a spring-forward day a time inside the skipped hour runs an hour later (02:30 -> 03:30,
  Python's ``fold=0`` reading); on a fall-back day a time in the repeated hour runs once, at its
  first occurrence. A run more than ``MISSED_AFTER`` late (beat was down) is recorded as missed,
  not sent, so a heater does not switch on hours after it was meant to.
* An **automation** sends its command when a condition has held for ``duration_min`` minutes
  (device power above/below a threshold, solar surplus above X W, battery level above/below X %,
  price above/below X per kWh), then waits ``cooldown_min`` before it may fire again, so it
  does not flap.

Every firing is a RuleRun; the commands it issued point back at it. Each rule is claimed with a
conditional UPDATE before it fires, so two beats never fire it twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Home
from devices.commands import send_command, validate_command
from devices.models import Device, DeviceType, Issuer, Rule, RuleRun

C = Rule.Condition
MISSED_AFTER = timedelta(minutes=15)
MAX_DURATION_MIN = 24 * 60
MAX_COOLDOWN_MIN = 7 * 24 * 60
POWER_CONDITIONS = {C.POWER_ABOVE, C.POWER_BELOW}
BATTERY_CONDITIONS = {C.BATTERY_ABOVE, C.BATTERY_BELOW}
PRICE_CONDITIONS = {C.PRICE_ABOVE, C.PRICE_BELOW}


@dataclass(frozen=True)
class RuleStats:
    schedules_fired: int
    automations_fired: int
    refused: int


def next_occurrence(*, time_of_day: time, weekdays: list[int], zone, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that is ``time_of_day`` local time on one of
    ``weekdays`` (0 = Monday) in ``zone``, as aware UTC. DST rules as in the module docstring."""
    local_day = after.astimezone(zone).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        moment = datetime.combine(day, time_of_day, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    raise ValueError("weekdays must not be empty")


def _check_device(home: Home, device: Device | None, field: str) -> Device:
    if device is None or device.home_id != home.pk:
        raise ValidationError({field: "Choose a device of this home."})
    return device


def _check_schedule(time_of_day: object, weekdays: object) -> tuple[time, list[int]]:
    if not isinstance(time_of_day, time):
        raise ValidationError({"time_of_day": "Give a time of day (HH:MM)."})
    if (
        not isinstance(weekdays, list | tuple)
        or not weekdays
        or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays)
    ):
        raise ValidationError({"weekdays": "Choose at least one weekday (0 = Monday ... 6 = Sunday)."})
    return time_of_day.replace(second=0, microsecond=0, tzinfo=None), sorted(set(weekdays))


def _check_automation(
    home: Home, condition: object, condition_device: Device | None, threshold: object
) -> tuple[str, Device | None, float]:
    if condition not in C.values:
        raise ValidationError({"condition": f"Choose one of: {', '.join(C.values)}."})
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise ValidationError({"threshold": "Must be a number."})
    if condition in POWER_CONDITIONS:
        condition_device = _check_device(home, condition_device, "condition_device")
        if threshold < 0 and condition_device.type.category == DeviceType.Category.CONSUMER:
            raise ValidationError({"threshold": "A consumer's power is never below 0 W."})
    elif condition in BATTERY_CONDITIONS:
        if not 0 <= threshold <= 100:
            raise ValidationError({"threshold": "A battery level is a percentage from 0 to 100."})
        if not home.devices.filter(type__category=DeviceType.Category.STORAGE, is_active=True).exists():
            raise ValidationError({"condition": "This home has no battery."})
        condition_device = None
    elif condition == C.SOLAR_SURPLUS_ABOVE:
        if threshold < 0:
            raise ValidationError({"threshold": "A surplus is 0 W or more."})
        if not home.devices.filter(type__category=DeviceType.Category.PRODUCER, is_active=True).exists():
            raise ValidationError({"condition": "This home has no solar inverter."})
        condition_device = None
    else:
        condition_device = None
    return condition, condition_device, float(threshold)


def create_rule(
    *,
    home: Home,
    kind: str,
    name: str,
    device: Device | None,
    command_type: str,
    payload: dict,
    time_of_day: time | None = None,
    weekdays: list[int] | None = None,
    condition: str = "",
    condition_device: Device | None = None,
    threshold: float | None = None,
    duration_min: int = 0,
    cooldown_min: int = 30,
    created_by=None,
    now: datetime | None = None,
) -> Rule:
    """Create a schedule (``kind="schedule"``: ``time_of_day`` local, ``weekdays`` 0-6) or an
    automation (``kind="automation"``: ``condition``, ``threshold``, ``duration_min``,
    ``cooldown_min``; ``condition_device`` for the power conditions). The command is validated
    against the device's type now, not when it fires. ValidationError keyed by field."""
    if kind not in Rule.Kind.values:
        raise ValidationError({"kind": "Choose schedule or automation."})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the rule a name."})
    device = _check_device(home, device, "device")
    normalised = validate_command(device.type, command_type, payload)
    rule = Rule(
        home=home,
        kind=kind,
        name=name[:80],
        device=device,
        command_type=command_type,
        payload=normalised,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    if kind == Rule.Kind.SCHEDULE:
        rule.time_of_day, rule.weekdays = _check_schedule(time_of_day, weekdays)
        rule.next_run_at = next_occurrence(
            time_of_day=rule.time_of_day, weekdays=rule.weekdays, zone=home.zone, after=now or timezone.now()
        )
    else:
        rule.condition, rule.condition_device, rule.threshold = _check_automation(
            home, condition, condition_device, threshold
        )
        limits = (("duration_min", duration_min, MAX_DURATION_MIN), ("cooldown_min", cooldown_min, MAX_COOLDOWN_MIN))
        for field, value, top in limits:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise ValidationError({field: f"Must be a whole number of minutes from 0 to {top}."})
        rule.duration_min, rule.cooldown_min = duration_min, cooldown_min
    rule.save()
    return rule


def create_schedule(
    *,
    device: Device,
    command_type: str,
    payload: dict,
    run_at: datetime,
    issued_by: str = Issuer.USER,
    issued_by_user=None,
    now: datetime | None = None,
) -> Rule:
    """A one-off schedule: send the command once at ``run_at`` (aware, in the future, within 7 days),
    then disable itself. The command is validated now. ValidationError keyed by field (``run_at``)."""
    now = now or timezone.now()
    if run_at.tzinfo is None:
        raise ValidationError({"run_at": "Give a time with its time zone."})
    if not now < run_at <= now + timedelta(days=7):
        raise ValidationError({"run_at": "Choose a moment in the next 7 days."})
    local = run_at.astimezone(device.home.zone)
    from devices.selectors import describe_command

    by = "Assistant" if issued_by == Issuer.ASSISTANT else "Once"
    rule = create_rule(
        home=device.home,
        kind=Rule.Kind.SCHEDULE,
        name=f"{by}: {device.name} {describe_command(command_type, payload).lower()} at {local:%H:%M %a %d %b}",
        device=device,
        command_type=command_type,
        payload=payload,
        time_of_day=local.time().replace(second=0, microsecond=0),
        weekdays=[local.weekday()],
        created_by=issued_by_user,
        now=now,
    )
    rule.once = True
    rule.next_run_at = run_at.replace(second=0, microsecond=0)
    rule.save(update_fields=["once", "next_run_at"])
    return rule


def set_rule_enabled(*, rule: Rule, enabled: bool, now: datetime | None = None) -> Rule:
    """Enable or disable a rule. Re-enabling a schedule plans its next run from now (no catch-up)."""
    rule.enabled = bool(enabled)
    fields = ["enabled"]
    if rule.enabled and rule.kind == Rule.Kind.SCHEDULE:
        rule.next_run_at = next_occurrence(
            time_of_day=rule.time_of_day, weekdays=rule.weekdays, zone=rule.home.zone, after=now or timezone.now()
        )
        fields.append("next_run_at")
    if not rule.enabled:
        rule.condition_since = None
        fields.append("condition_since")
    rule.save(update_fields=fields)
    return rule


def delete_rule(*, rule: Rule) -> None:
    """Delete a rule and its run history; commands it issued stay in the command log."""
    rule.delete()


# --- evaluation ------------------------------------------------------------------------------------


def condition_value(rule: Rule, now: datetime) -> float | None:
    """The figure ``rule``'s condition compares with its threshold, now; None when unknown
    (no fresh reading, no tariff): an unknown condition never holds."""
    from analytics.selectors import OFFLINE_AFTER, home_shape, power_now
    from telemetry.selectors import latest_power

    if rule.condition in PRICE_CONDITIONS:
        from analytics.tariffs import TariffSet, price_at

        price = price_at(TariffSet.load(rule.home, now, now + timedelta(hours=1)), now)
        return float(price.import_per_kwh) if price and price.import_per_kwh is not None else None
    latest = latest_power(home=rule.home)
    if rule.condition in POWER_CONDITIONS:
        value = latest.get(rule.condition_device_id)
        return value.power_w if value is not None and now - value.time <= OFFLINE_AFTER else None
    if rule.condition in BATTERY_CONDITIONS:
        from telemetry.selectors import battery_level_pct

        return battery_level_pct(home=rule.home, now=now, max_age=OFFLINE_AFTER)
    now_power = power_now(rule.home, shape=home_shape(rule.home), latest=latest, now=now)
    if now_power.grid_w is not None:
        return max(0.0, -now_power.grid_w)
    if now_power.solar_w is None:
        return None
    return max(0.0, now_power.solar_w - (now_power.consumption_w or 0.0))


def _holds(rule: Rule, value: float | None) -> bool:
    if value is None:
        return False
    above = rule.condition in {C.POWER_ABOVE, C.SOLAR_SURPLUS_ABOVE, C.BATTERY_ABOVE, C.PRICE_ABOVE}
    return value > rule.threshold if above else value < rule.threshold


def _fire(rule: Rule, now: datetime, *, issuer: str) -> RuleRun:
    run = RuleRun.objects.create(rule=rule, ran_at=now, outcome=RuleRun.Outcome.ISSUED)
    try:
        send_command(
            device=rule.device, command_type=rule.command_type, payload=rule.payload, issued_by=issuer, run=run
        )
    except ValidationError as exc:
        run.outcome = RuleRun.Outcome.REFUSED
        run.message = "; ".join(str(m) for messages in exc.message_dict.values() for m in messages)[:300]
        run.save(update_fields=["outcome", "message"])
    return run


def _run_schedule(rule: Rule, now: datetime) -> RuleRun | None:
    due_at = rule.next_run_at
    following = next_occurrence(time_of_day=rule.time_of_day, weekdays=rule.weekdays, zone=rule.home.zone, after=now)
    with transaction.atomic():
        if not Rule.objects.filter(pk=rule.pk, next_run_at=due_at, enabled=True).update(
            next_run_at=None if rule.once else following, last_run_at=now, enabled=not rule.once
        ):
            return None  # another beat took it
        if now - due_at > MISSED_AFTER:
            local = due_at.astimezone(rule.home.zone)
            return RuleRun.objects.create(
                rule=rule,
                ran_at=now,
                outcome=RuleRun.Outcome.REFUSED,
                message=f"Missed: EnergyHome was not running at {local:%H:%M} on {local:%a %d %b}.",
            )
        return _fire(rule, now, issuer=Issuer.SCHEDULE)


def _run_automation(rule: Rule, now: datetime) -> RuleRun | None:
    holds = _holds(rule, condition_value(rule, now))
    if not holds:
        if rule.condition_since is not None:
            Rule.objects.filter(pk=rule.pk).update(condition_since=None)
        return None
    since = rule.condition_since
    if since is None:
        since = now
        Rule.objects.filter(pk=rule.pk, condition_since__isnull=True).update(condition_since=now)
    if now - since < timedelta(minutes=rule.duration_min):
        return None
    if rule.last_run_at is not None and now - rule.last_run_at < timedelta(minutes=rule.cooldown_min):
        return None
    with transaction.atomic():
        if not Rule.objects.filter(pk=rule.pk, last_run_at=rule.last_run_at).update(last_run_at=now):
            return None
        return _fire(rule, now, issuer=Issuer.AUTOMATION)


def run_due_rules(now: datetime | None = None) -> RuleStats:
    """Fire every enabled schedule whose time has come and every automation whose condition has
    held long enough and whose cool-down is over. Idempotent for a given ``now``."""
    now = now or timezone.now()
    schedules = automations = refused = 0
    due = Rule.objects.filter(kind=Rule.Kind.SCHEDULE, enabled=True, next_run_at__lte=now).select_related(
        "home", "device__type", "device__home"
    )
    for rule in due:
        run = _run_schedule(rule, now)
        if run is not None:
            schedules += run.outcome == RuleRun.Outcome.ISSUED
            refused += run.outcome == RuleRun.Outcome.REFUSED
    watching = Rule.objects.filter(kind=Rule.Kind.AUTOMATION, enabled=True).select_related(
        "home", "device__type", "device__home"
    )
    for rule in watching:
        run = _run_automation(rule, now)
        if run is not None:
            automations += run.outcome == RuleRun.Outcome.ISSUED
            refused += run.outcome == RuleRun.Outcome.REFUSED
    return RuleStats(schedules_fired=schedules, automations_fired=automations, refused=refused)

"""Celery tasks of the devices app: thin, idempotent wrappers around devices.commands and devices.rules."""

from __future__ import annotations

import dataclasses

from celery import shared_task

from devices import commands, rules


@shared_task(name="devices.tasks.dispatch_command", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_command(command_id: int) -> bool:
    """Deliver one command if it is due (MQTT); a no-op for polling commands and for repeats."""
    return commands.dispatch(command_id)


@shared_task(name="devices.tasks.sweep_commands", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_commands() -> dict[str, int]:
    """Expire late commands and re-send due ones (beat, every few seconds)."""
    return dataclasses.asdict(commands.sweep())


@shared_task(name="devices.tasks.run_rules", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_rules() -> dict[str, int]:
    """Fire schedules whose local time has come and automations whose condition holds (beat, every minute)."""
    return dataclasses.asdict(rules.run_due_rules())

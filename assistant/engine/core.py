"""The engine's entry point: catalogue of the home, plan, then the answer or a confirmation card."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import datetime

from accounts.models import Home
from assistant import llm
from assistant.engine.answer import Answer, Engine
from assistant.engine.entities import Catalogue
from assistant.engine.intents import Plan, plan_question
from devices.selectors import devices_for

logger = logging.getLogger(__name__)


def catalogue_for(home: Home) -> Catalogue:
    """The home's active devices, rooms and types as the engine matches names against them."""
    return Catalogue.of(devices_for(home, include_inactive=False))


def answer_question(question: str, *, home: Home, now: datetime, previous: Plan | None = None) -> Answer:
    """Answer ``question`` about ``home`` as if asked at ``now`` (aware); ``previous`` is the
    conversation's last plan, for follow-ups. Never raises for bad wording: it declines instead."""
    catalogue = catalogue_for(home)
    plan = plan_question(question, catalogue=catalogue, now=now, zone=home.zone, previous=previous)
    restated = None
    if plan.kind == "declined" and plan.intent == "unknown" and llm.enabled():
        # Only what the local engine did not understand goes to the model, and only as a restatement.
        restated = llm.restate(question, device_names=catalogue.names(), rooms=catalogue.rooms())
        if restated:
            again = plan_question(restated, catalogue=catalogue, now=now, zone=home.zone, previous=previous)
            plan = again if again.kind != "declined" or again.intent != "unknown" else plan
    try:
        answer = _answer(plan, catalogue, home, question, now)
    except ValueError as exc:  # a selector refusing a period or a step: said plainly, never a 500
        logger.warning("assistant: %s for %r", exc, question)
        answer = Answer("declined", f"I can't answer that for this period: {exc}.", plan=plan)
    if restated:
        answer.computed = [f"LLM restated the question as “{restated}”", *answer.computed]
    return answer


def _choice_questions(question: str, plan: Plan) -> list[str]:
    """The question once per choice, with the ambiguous name replaced ("the heater" -> "the Heat pump"),
    so a click on a choice asks the whole question again; the bare names when the name is not found."""
    words = plan.options.get("mention", "").split()
    if not words:
        return list(plan.choices)
    parts = [re.escape(w) for w in words[:-1]] + [re.escape(words[-1]) + "(?:e?s)?"]
    pattern = re.compile(r"\b" + r"\W+".join(parts) + r"\b", re.IGNORECASE)
    if not pattern.search(question):
        return list(plan.choices)
    return [pattern.sub(lambda _m, name=name: name, question, count=1) for name in plan.choices]


def _answer(plan: Plan, catalogue: Catalogue, home: Home, question: str, now: datetime) -> Answer:
    if plan.kind == "clarify":
        return Answer("clarify", plan.message, suggestions=_choice_questions(question, plan), plan=plan)
    if plan.kind == "declined":
        return Answer("declined", plan.message, plan=plan, suggestions=["what can you do?"])
    if plan.intent == "command":
        return _confirm_card(plan, catalogue, home)
    return Engine(home, catalogue, now).run(plan)


def _confirm_card(plan: Plan, catalogue: Catalogue, home: Home) -> Answer:
    device = catalogue.by_id(plan.scope.devices[0])
    command = replace(plan.command, description=plan.command.description.format(device=device.name))
    plan = replace(plan, command=command)
    when = "now" if command.at is None else f"at {command.at.astimezone(home.zone):%a %-d %b %H:%M} ({home.time_zone})"
    text = (
        f"Shall I {command.description} ({device.room or 'no room'}), {when}? "
        f"This sends {command.command_type} {json.dumps(command.payload)} to device {device.external_id}."
    )
    return Answer(
        "confirm", text, plan=plan, devices=[device.id], computed=["devices.services.send_command (after you confirm)"]
    )

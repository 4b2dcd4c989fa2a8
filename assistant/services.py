"""Writes of the assistant: ask a question, confirm or cancel a command card, rename and delete conversations.

``ask`` stores the question and the answer (with the structured data it came from) in one
transaction. A command is never sent by ``ask``: the answer is a confirmation card, and only
``confirm_command`` by the same user, in the same conversation, on a card still pending, calls
``devices.services.send_command`` (issued by the assistant on the user's behalf). A replayed or
foreign confirmation changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import WRITE_ROLES, Home, User
from accounts.selectors import role_in
from assistant.engine.answer import Answer
from assistant.engine.core import answer_question
from assistant.engine.intents import MAX_QUESTION_CHARS, Plan
from assistant.models import Conversation, Message
from devices.models import Device

TITLE_CHARS = 80


@dataclass(frozen=True)
class AskResult:
    """The stored question and answer, and the engine's answer itself."""

    conversation: Conversation
    question: Message
    message: Message
    answer: Answer


def _previous_plan(conversation: Conversation | None) -> Plan | None:
    if conversation is None:
        return None
    last = conversation.messages.filter(role=Message.Role.ASSISTANT, kind=Message.Kind.ANSWER).exclude(plan={}).last()
    if last is None or not last.plan.get("intent"):
        return None
    try:
        return Plan.from_dict(last.plan)
    except (KeyError, ValueError, TypeError):
        return None


def ask(
    *, user: User, home: Home, question: str, conversation: Conversation | None = None, as_of: datetime | None = None
) -> AskResult:
    """Answer ``question`` about ``home`` (the caller checked membership) and store both messages.

    ``conversation`` must be the user's own for this home (ValidationError on "conversation"
    otherwise); None starts a new one titled after the question. ``as_of`` (aware) answers as of
    that instant, never later than now. ValidationError on "question" when it is empty or over
    2,000 characters; on "as_of" when it is naive or in the future.
    """
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": "Ask a question (it was empty)."})
    if len(question) > MAX_QUESTION_CHARS:
        raise ValidationError({"question": f"Keep the question under {MAX_QUESTION_CHARS} characters."})
    now = timezone.now()
    if as_of is not None:
        if as_of.tzinfo is None:
            raise ValidationError({"as_of": "Give as_of with a time zone, e.g. 2026-12-01T10:00:00Z."})
        if as_of > now:
            raise ValidationError({"as_of": "as_of cannot be in the future."})
    moment = as_of or now
    if conversation is not None and (conversation.user_id != user.pk or conversation.home_id != home.pk):
        raise ValidationError({"conversation": "No such conversation."})
    answer = answer_question(question, home=home, now=moment, previous=_previous_plan(conversation))
    if answer.kind == "confirm" and role_in(user, home) not in WRITE_ROLES:
        answer = Answer("declined", "Your role in this home is read-only, so I can't send commands for you.")
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(home=home, user=user, title=question[:TITLE_CHARS])
        asked = Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question, as_of=as_of)
        message = Message.objects.create(
            conversation=conversation, role=Message.Role.ASSISTANT, as_of=as_of, **_fields(answer)
        )
        conversation.save(update_fields=["updated_at"])
    return AskResult(conversation=conversation, question=asked, message=message, answer=answer)


def _fields(answer: Answer) -> dict:
    plan = answer.plan
    fields = {
        "kind": answer.kind,
        "text": answer.text,
        "intent": plan.intent if plan else "",
        "period_start": answer.period.start if answer.period else None,
        "period_end": answer.period.end if answer.period else None,
        "period_label": answer.period.label[:200] if answer.period else "",
        "devices": answer.devices,
        "figures": answer.figures,
        "chart": answer.chart,
        "suggestions": answer.suggestions,
        "plan": plan.as_dict() if plan and plan.kind == "plan" and answer.kind == "answer" else {},
        "computed": answer.computed,
    }
    if answer.kind == "confirm":
        command = plan.command
        fields["pending_command"] = {
            "device": plan.scope.devices[0],
            "command_type": command.command_type,
            "payload": command.payload,
            "at": command.at.isoformat() if command.at else None,
            "description": command.description,
        }
        fields["command_state"] = Message.CommandState.PENDING
    return fields


def _command_service():
    """devices.services.send_command (the control layer's one door), resolved when called."""
    from devices import services

    return getattr(services, "send_command", None)


def _schedule_service():
    from devices import services

    return getattr(services, "create_schedule", None)


def _call_schedule(create_schedule, *, home, device, command_type, payload, at, user):
    """Call the device layer's one-off schedule service with the arguments its signature names (it is
    being built alongside: ``at``/``run_at``/``when`` for the moment, ``issued_by_user``/``created_by``
    for the person). ValidationError when it needs something this card cannot give."""
    import inspect

    offered = {
        "home": home,
        "device": device,
        "command_type": command_type,
        "payload": payload,
        "at": at,
        "run_at": at,
        "when": at,
        "issued_by": "assistant",
        "issued_by_user": user,
        "created_by": user,
    }
    parameters = inspect.signature(create_schedule).parameters
    required = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty and p.kind != p.VAR_KEYWORD]
    if any(name not in offered for name in required) or not {"at", "run_at", "when"} & set(parameters):
        raise ValidationError({"at": "Timed commands are not available yet; ask again without a time."})
    return create_schedule(**{n: v for n, v in offered.items() if n in parameters})


def confirm_command(*, user: User, message: Message) -> Message:
    """Send the command of a pending confirmation card: ``send_command`` now, or a one-off schedule
    for a card with a time. Only the user who asked, with a role that may control the home; a
    card already confirmed, cancelled or failed stays as it is (replays do nothing). A
    ValidationError from the device layer is kept on the card (``command_error``), not raised.
    """
    conversation = message.conversation
    if conversation.user_id != user.pk:
        raise PermissionDenied("Only the person who asked can confirm this command.")
    if role_in(user, conversation.home) not in WRITE_ROLES:
        raise PermissionDenied("Your role in this home is read-only.")
    with transaction.atomic():
        card = Message.objects.select_for_update().get(pk=message.pk)
        if card.command_state != Message.CommandState.PENDING:
            return card
        pending = card.pending_command
        device = Device.objects.filter(pk=pending.get("device"), home=conversation.home).select_related("type").first()
        error = ""
        command_id = None
        try:
            if device is None:
                raise ValidationError({"device": "The device no longer exists."})
            if pending.get("at"):
                create_schedule = _schedule_service()
                if create_schedule is None:
                    raise ValidationError({"at": "Timed commands are not available yet; ask again without a time."})
                scheduled = _call_schedule(
                    create_schedule,
                    home=conversation.home,
                    device=device,
                    command_type=pending["command_type"],
                    payload=pending["payload"],
                    at=datetime.fromisoformat(pending["at"]),
                    user=user,
                )
                command_id = getattr(scheduled, "pk", None)
            else:
                send_command = _command_service()
                if send_command is None:
                    raise ValidationError({"command": "Sending commands is not available yet."})
                command = send_command(
                    device=device,
                    command_type=pending["command_type"],
                    payload=pending["payload"],
                    issued_by="assistant",
                    issued_by_user=user,
                )
                command_id = command.pk
        except ValidationError as exc:
            error = "; ".join(
                f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in getattr(exc, "message_dict", {}).items()
            ) or " ".join(exc.messages)
        card.command_state = Message.CommandState.FAILED if error else Message.CommandState.CONFIRMED
        card.command_error = error[:500]
        card.command_id = command_id
        card.save(update_fields=["command_state", "command_error", "command_id"])
    return card


def cancel_command(*, user: User, message: Message) -> Message:
    """Cancel a pending card (its asker only); anything but a pending card is left as it is."""
    if message.conversation.user_id != user.pk:
        raise PermissionDenied("Only the person who asked can cancel this command.")
    Message.objects.filter(pk=message.pk, command_state=Message.CommandState.PENDING).update(
        command_state=Message.CommandState.CANCELLED
    )
    message.refresh_from_db()
    return message


def rename_conversation(*, conversation: Conversation, title: str) -> Conversation:
    """Rename (1 to 120 characters after trimming); ValidationError on "title" otherwise."""
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationError({"title": "Give a title of 1 to 120 characters."})
    conversation.title = title
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def delete_conversation(*, conversation: Conversation) -> None:
    conversation.delete()


def clear_history(*, user: User, home: Home) -> int:
    """Delete every conversation of ``user`` about ``home``; returns how many."""
    conversations = Conversation.objects.filter(user=user, home=home)
    count = conversations.count()
    conversations.delete()
    return count

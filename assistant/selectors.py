"""Reads of the assistant: a user's conversations about a home, and their messages. Nothing here writes.

A conversation belongs to one user and one home: anybody else (another member of the same home
included) gets Http404, exactly as for a missing one.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Home, User
from assistant.models import Conversation, Message


def conversations_for(user: User, home: Home) -> QuerySet[Conversation]:
    """``user``'s conversations about ``home`` (the caller checked membership), newest first."""
    return Conversation.objects.filter(user=user, home=home).order_by("-updated_at", "-id")


def _pk(raw: object) -> int:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise Http404("No such conversation") from None


def get_conversation_for(user: User, home: Home, conversation_id: object) -> Conversation:
    """The conversation with ``conversation_id`` if it is ``user``'s about ``home``; Http404 otherwise."""
    conversation = conversations_for(user, home).filter(pk=_pk(conversation_id)).first()
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def get_message_for(user: User, home: Home, message_id: object) -> Message:
    """An assistant message of one of ``user``'s conversations about ``home``; Http404 otherwise."""
    message = (
        Message.objects.filter(
            pk=_pk(message_id), conversation__user=user, conversation__home=home, role=Message.Role.ASSISTANT
        )
        .select_related("conversation", "conversation__home")
        .first()
    )
    if message is None:
        raise Http404("No such message")
    return message


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("created_at", "id")

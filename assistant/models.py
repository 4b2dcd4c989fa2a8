"""Conversations with the assistant and their messages, with the structured data each answer came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Home


class Conversation(models.Model):
    """One user's conversation about one home. Only that user sees it."""

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="assistant_conversations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_conversations")
    title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "home", "-updated_at"])]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    """A question (role "user") or an answer (role "assistant").

    An answer keeps what it was computed from: ``intent``, the period ``[period_start,
    period_end)`` (aware UTC), the devices it is about, its figures, its plotly chart, the plan
    (for follow-ups) and the selectors called. A "confirm" answer holds a ``pending_command``
    until the same user confirms or cancels it in the same conversation.
    """

    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        ANSWER = "answer", "Answer"
        CLARIFY = "clarify", "Asks back"
        DECLINED = "declined", "Declined"
        CONFIRM = "confirm", "Needs confirmation"

    class CommandState(models.TextChoices):
        NONE = "", "No command"
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed and sent"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUESTION)
    text = models.TextField()
    intent = models.CharField(max_length=32, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    period_label = models.CharField(max_length=200, blank=True)
    devices = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=list, blank=True)
    chart = models.JSONField(null=True, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    computed = models.JSONField(default=list, blank=True)
    pending_command = models.JSONField(default=dict, blank=True)
    command_state = models.CharField(max_length=16, choices=CommandState.choices, blank=True, default="")
    command_id = models.PositiveIntegerField(null=True, blank=True)
    command_error = models.CharField(max_length=500, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"

    @property
    def chart_id(self) -> str:
        """The id of the json_script element holding this answer's chart."""
        return f"assistant-chart-data-{self.pk}"

"""The assistant's JSON API (issue 8's contract): ask, conversations (list, detail, rename, delete,
clear), and confirming or cancelling a command card. Thin: permission helper, then a service.

A home the user is not a member of, and a conversation or message that is not the user's own,
are 404 (exactly like missing ones). Asking is rate limited per user (ASSISTANT_RATE_PER_MINUTE).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import get_home_for
from assistant import services
from assistant.engine.intents import MAX_QUESTION_CHARS
from assistant.models import Conversation, Message
from assistant.selectors import conversations_for, get_conversation_for, get_message_for, messages_of
from energyhome.api_schema import errors


def rate_limited(user) -> bool:
    """True when ``user`` asked more than ASSISTANT_RATE_PER_MINUTE questions in this minute (any door)."""
    limit = getattr(settings, "ASSISTANT_RATE_PER_MINUTE", 30)
    key = f"assistant:rate:{user.pk}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between add and incr
        return False


class AssistantAskSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=MAX_QUESTION_CHARS, trim_whitespace=True)
    home = serializers.IntegerField()
    conversation = serializers.IntegerField(required=False, allow_null=True)
    as_of = serializers.DateTimeField(required=False, allow_null=True, help_text="Answer as if asked at this instant.")


class AssistantFigureSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField(help_text="kWh, W, %, or a currency code")
    device = serializers.CharField(required=False)
    at = serializers.CharField(required=False, allow_null=True)


class AssistantPeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AssistantAnswerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["answer", "clarify", "declined", "confirm"])
    text = serializers.CharField()
    period = AssistantPeriodSerializer(allow_null=True)
    figures = AssistantFigureSerializer(many=True)
    chart = serializers.JSONField(allow_null=True, help_text="A plotly figure (data and layout), or null")
    suggestions = serializers.ListField(child=serializers.CharField())
    computed = serializers.ListField(child=serializers.CharField(), help_text="The selectors the answer came from")
    command_state = serializers.CharField(allow_blank=True)
    conversation = serializers.IntegerField()
    message = serializers.IntegerField()


def message_data(message: Message) -> dict:
    period = None
    if message.period_start and message.period_end:
        period = {"start": message.period_start.isoformat(), "end": message.period_end.isoformat()}
    return {
        "kind": message.kind,
        "text": message.text,
        "period": period,
        "figures": message.figures,
        "chart": message.chart,
        "suggestions": message.suggestions,
        "computed": message.computed,
        "command_state": message.command_state,
        "conversation": message.conversation_id,
        "message": message.pk,
    }


class AssistantConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=120)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class AskView(APIView):
    """Ask a question about one of your homes; the answer carries its figures, period and chart."""

    @extend_schema(
        summary="Ask the assistant",
        request=AssistantAskSerializer,
        responses={200: AssistantAnswerSerializer, **errors(400, 401, 404, 429)},
        examples=[
            OpenApiExample("Ask", value={"question": "which device used most yesterday?", "home": 1}, request_only=True)
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = AssistantAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        home = get_home_for(request.user, values["home"])
        conversation = None
        if values.get("conversation"):
            conversation = get_conversation_for(request.user, home, values["conversation"])
        if rate_limited(request.user):
            raise exceptions.Throttled(wait=60)
        as_of: datetime | None = values.get("as_of")
        result = services.ask(
            user=request.user, home=home, question=values["question"], conversation=conversation, as_of=as_of
        )
        return Response(message_data(result.message))


class ConversationListView(APIView):
    """Your conversations about a home, newest first. DELETE clears them all."""

    @extend_schema(
        operation_id="assistant_conversations_list",
        summary="My conversations",
        responses={200: AssistantConversationSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, home_id: int) -> Response:
        home = get_home_for(request.user, home_id)
        return Response(AssistantConversationSerializer(conversations_for(request.user, home)[:100], many=True).data)

    @extend_schema(
        operation_id="assistant_history_clear", summary="Clear my history", responses={204: None, **errors(401, 404)}
    )
    def delete(self, request: Request, home_id: int) -> Response:
        services.clear_history(user=request.user, home=get_home_for(request.user, home_id))
        return Response(status=204)


class ConversationDetailView(APIView):
    """One conversation with its messages; PATCH renames it, DELETE deletes it."""

    def _get(self, request: Request, home_id: int, conversation_id: int) -> Conversation:
        return get_conversation_for(request.user, get_home_for(request.user, home_id), conversation_id)

    @extend_schema(
        operation_id="assistant_conversation_detail",
        summary="A conversation",
        responses={200: AssistantAnswerSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, home_id: int, conversation_id: int) -> Response:
        conversation = self._get(request, home_id, conversation_id)
        return Response(
            {
                **AssistantConversationSerializer(conversation).data,
                "messages": [
                    {"role": m.role, **message_data(m)} if m.role == "assistant" else {"role": m.role, "text": m.text}
                    for m in messages_of(conversation)
                ],
            }
        )

    @extend_schema(
        summary="Rename", request=AssistantConversationSerializer, responses={200: AssistantConversationSerializer}
    )
    def patch(self, request: Request, home_id: int, conversation_id: int) -> Response:
        conversation = self._get(request, home_id, conversation_id)
        services.rename_conversation(conversation=conversation, title=str(request.data.get("title", "")))
        return Response(AssistantConversationSerializer(conversation).data)

    @extend_schema(
        operation_id="assistant_conversation_delete", summary="Delete", responses={204: None, **errors(401, 404)}
    )
    def delete(self, request: Request, home_id: int, conversation_id: int) -> Response:
        services.delete_conversation(conversation=self._get(request, home_id, conversation_id))
        return Response(status=204)


class CommandDecisionView(APIView):
    """Confirm or cancel a command card (only its asker; a replay changes nothing)."""

    decision = "confirm"

    @extend_schema(summary="Confirm or cancel a command card", request=None, responses={200: AssistantAnswerSerializer})
    def post(self, request: Request, home_id: int, message_id: int) -> Response:
        message = get_message_for(request.user, get_home_for(request.user, home_id), message_id)
        if message.kind != Message.Kind.CONFIRM:
            raise ValidationError({"message": "This message has no command to confirm."})
        if self.decision == "confirm":
            message = services.confirm_command(user=request.user, message=message)
        else:
            message = services.cancel_command(user=request.user, message=message)
        return Response({**message_data(message), "command_id": message.command_id, "error": message.command_error})

"""The chat page, its htmx fragments, and the JSON ask endpoint. Thin: parse, check, call a service, render."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import get_home_for
from assistant import services
from assistant.api import rate_limited
from assistant.selectors import conversations_for, get_conversation_for, get_message_for, messages_of
from energyhome.navigation import current_home_redirect

chat_current = current_home_redirect("assistant:chat", "The assistant of the current home.")


def _errors(exc: ValidationError) -> dict:
    return getattr(exc, "message_dict", None) or {"__all__": exc.messages}


@login_required
@require_GET
def chat(request: HttpRequest, home_id: int) -> HttpResponse:
    """The chat page: conversation list, the open conversation (?c=id) and the question box."""
    home = get_home_for(request.user, home_id)
    conversation = get_conversation_for(request.user, home, request.GET["c"]) if request.GET.get("c") else None
    context = {
        "home": home,
        "conversation": conversation,
        "conversations": conversations_for(request.user, home)[:50],
        "chat_messages": messages_of(conversation) if conversation else [],
        "examples": [
            "which device used most yesterday?",
            "compare this month with last month",
            "what was the base load last week?",
        ],
    }
    return render(request, "assistant/chat.html", context)


@login_required
@require_POST
def ask(request: HttpRequest, home_id: int) -> HttpResponse:
    """Ask from the chat form; htmx gets the question and answer fragments, others a redirect."""
    home = get_home_for(request.user, home_id)
    conversation = None
    if request.POST.get("conversation"):
        conversation = get_conversation_for(request.user, home, request.POST["conversation"])
    if rate_limited(request.user):
        return HttpResponse("Too many questions; wait a minute.", status=429)
    try:
        result = services.ask(
            user=request.user, home=home, question=request.POST.get("question", ""), conversation=conversation
        )
    except ValidationError as exc:
        return render(request, "assistant/_error.html", {"errors": _errors(exc)}, status=400)
    if not request.htmx:
        return redirect(f"{reverse('assistant:chat', args=[home.pk])}?c={result.conversation.pk}")
    if request.POST.get("panel"):  # the dashboard's compact panel: the answer inline, no conversation list
        context = {"home": home, "m": result.message, "question": result.question, "conversation": result.conversation}
        return render(request, "assistant/_panel_answer.html", context)
    context = {
        "home": home,
        "chat_messages": [result.question, result.message],
        "conversation": result.conversation,
        "conversations": conversations_for(request.user, home)[:50],
    }
    response = render(request, "assistant/_exchange.html", context)
    response["HX-Trigger"] = json.dumps({"assistant:answered": {"conversation": result.conversation.pk}})
    return response


@login_required
@require_POST
def command_decision(request: HttpRequest, home_id: int, message_id: int, decision: str) -> HttpResponse:
    """Confirm or cancel a command card; answers with the updated card."""
    home = get_home_for(request.user, home_id)
    message = get_message_for(request.user, home, message_id)
    try:
        if decision == "confirm":
            message = services.confirm_command(user=request.user, message=message)
        else:
            message = services.cancel_command(user=request.user, message=message)
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return render(request, "assistant/_message.html", {"home": home, "m": message})


@login_required
@require_POST
def conversation_rename(request: HttpRequest, home_id: int, conversation_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    conversation = get_conversation_for(request.user, home, conversation_id)
    try:
        services.rename_conversation(conversation=conversation, title=request.POST.get("title", ""))
    except ValidationError as exc:
        return render(request, "assistant/_error.html", {"errors": _errors(exc)}, status=400)
    return redirect(f"{reverse('assistant:chat', args=[home.pk])}?c={conversation.pk}")


@login_required
@require_POST
def conversation_delete(request: HttpRequest, home_id: int, conversation_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    services.delete_conversation(conversation=get_conversation_for(request.user, home, conversation_id))
    return redirect("assistant:chat", home_id=home.pk)


@login_required
@require_POST
def clear(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    services.clear_history(user=request.user, home=home)
    return redirect("assistant:chat", home_id=home.pk)

"""The dashboard's compact assistant panel: a question box that asks through the ask view and shows
the answer inline, with a link to the full chat; the follow-up stays in the same conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assistant.models import Conversation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def heat_pump(home):
    from devices.services import register_device
    from telemetry.services import ingest_readings

    device = register_device(home=home, type="heat-pump", name="Heat pump", room="Garden", external_id="p-hp").device
    now = timezone.now().replace(microsecond=0)
    ingest_readings(
        device=device,
        items=[{"time": (now - timedelta(minutes=m)).isoformat(), "power_w": 850.0} for m in range(1, 20)],
    )
    return device


def panel_ask(client, home, question, conversation=""):
    data = {"question": question, "panel": "1", "conversation": conversation}
    return client.post(reverse("assistant:ask", args=[home.pk]), data, **HTMX)


def test_the_dashboard_shows_the_panel_posting_to_the_ask_view(owner_client, home, heat_pump):
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert 'id="assistant-panel-form"' in html
    assert f'hx-post="{reverse("assistant:ask", args=[home.pk])}"' in html
    assert 'hx-target="#assistant-panel-answer"' in html
    assert f'href="{reverse("assistant:chat", args=[home.pk])}"' in html


def test_a_panel_question_answers_inline_and_a_follow_up_keeps_the_conversation(owner_client, home, heat_pump):
    response = panel_ask(owner_client, home, "what is the heat pump using right now?")
    assert response.status_code == 200
    html = response.content.decode()
    conversation = Conversation.objects.get()
    assert "850 W" in html and 'data-kind="answer"' in html
    assert f'?c={conversation.pk}"' in html  # the link to the full chat opens this conversation
    assert f'id="assistant-panel-conversation" value="{conversation.pk}" hx-swap-oob="true"' in html
    assert 'id="conversation-list"' not in html  # no chat sidebar swapped into the dashboard
    again = panel_ask(owner_client, home, "is the heat pump online?", conversation=str(conversation.pk))
    assert again.status_code == 200
    assert Conversation.objects.count() == 1 and conversation.messages.count() == 4
    chat = owner_client.get(reverse("assistant:chat", args=[home.pk]) + f"?c={conversation.pk}").content.decode()
    assert chat.count('data-role="question"') == 2
    assert '<div class="messages"' not in chat  # the chat's messages are not shown again as flash messages


def test_the_panel_refuses_bad_input_and_other_homes(owner_client, outsider_client, home, heat_pump):
    empty = panel_ask(owner_client, home, "   ")
    assert empty.status_code == 400 and "question" in empty.content.decode().lower()
    assert panel_ask(outsider_client, home, "how much today?").status_code == 404
    assert Conversation.objects.filter(home=home).count() <= 1

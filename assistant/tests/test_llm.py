"""The optional LLM provider against a fake OpenAI-compatible server: it only restates questions the
local engine did not understand, the figures still come from the selectors, and a failing or slow
server leaves the local engine's answer."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assistant.services import ask

pytestmark = pytest.mark.django_db


class FakeLLM(BaseHTTPRequestHandler):
    reply: dict = {}
    delay_s = 0.0
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLLM.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        time.sleep(FakeLLM.delay_s)
        payload = json.dumps(FakeLLM.reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def tool_call(question: str) -> dict:
    call = {
        "type": "function",
        "function": {"name": "ask_home_energy", "arguments": json.dumps({"question": question})},
    }
    return {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [call]}}]}


@pytest.fixture
def fake_llm(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLLM.requests, FakeLLM.delay_s = [], 0.0
    settings.ASSISTANT_LLM_URL = f"http://127.0.0.1:{server.server_port}/v1/chat/completions"
    settings.ASSISTANT_LLM_MODEL, settings.ASSISTANT_LLM_KEY, settings.ASSISTANT_LLM_TIMEOUT_S = "fake", "k-123", 1
    yield FakeLLM
    server.shutdown()
    server.server_close()


def test_a_question_the_engine_does_not_understand_is_restated_and_answered_by_the_engine(fake_llm, home):
    owner = home.memberships.get().user
    fake_llm.reply = tool_call("what can you do?")
    result = ask(user=owner, home=home, question="yo what's the deal with my electrons")
    assert result.answer.kind == "answer"
    assert result.answer.computed[0] == "LLM restated the question as “what can you do?”"
    sent = fake_llm.requests[0]
    assert sent["auth"] == "Bearer k-123" and sent["body"]["tools"][0]["function"]["name"] == "ask_home_energy"


def test_understood_questions_never_reach_the_model(fake_llm, home):
    ask(user=home.memberships.get().user, home=home, question="how much did we use yesterday?")
    assert fake_llm.requests == []


def test_a_slow_or_empty_model_leaves_the_local_decline(fake_llm, home):
    owner = home.memberships.get().user
    fake_llm.reply = {"choices": [{"message": {"role": "assistant", "content": "42 kWh!"}}]}
    result = ask(user=owner, home=home, question="yo what's the deal with my electrons")
    assert result.answer.kind == "declined" and "42" not in result.answer.text
    fake_llm.delay_s = 1.5
    fake_llm.reply = tool_call("what can you do?")
    result = ask(user=owner, home=home, question="yo what's the deal with my electrons")
    assert result.answer.kind == "declined"

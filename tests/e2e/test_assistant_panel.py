"""Browser check of the dashboard's compact assistant panel: ask from the dashboard, read the answer
inline, follow the link into the full chat (demo-like home from seed_demo, two days of history)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.test_dashboard import ROOT, _DaphneServer, _env, _free_port

pytestmark = pytest.mark.e2e
DEMO_EMAIL, DEMO_PASSWORD = "panel-demo@example.com", "panel-demo-4242"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("e2e-assistant-panel")
    env = {**_env(var_dir), "DEMO_EMAIL": DEMO_EMAIL, "DEMO_PASSWORD": DEMO_PASSWORD}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    seed = [python, "manage.py", "seed_demo", "--days", "2"]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, timeout=600, capture_output=True)
    server = _DaphneServer(var_dir, env, _free_port())
    server.start()
    yield {"url": server.url}
    server.stop()


def test_ask_from_the_dashboard_panel_and_open_the_chat(demo_site, page, shot):
    page.goto(f"{demo_site['url']}/accounts/login/")
    page.fill("input[name=login]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{demo_site['url']}/")

    page.fill("#assistant-panel-question", "which device used most yesterday?")
    page.press("#assistant-panel-question", "Enter")
    answer = page.locator("#assistant-panel-answer .assistant-panel-answer[data-kind=answer]")
    answer.wait_for()
    assert "used the most" in answer.inner_text() and "kWh" in answer.inner_text()
    page.locator("#assistant-panel-title").scroll_into_view_if_needed()
    shot("assistant-panel-01-dashboard-answer")

    page.fill("#assistant-panel-question", "and today?")
    page.press("#assistant-panel-question", "Enter")
    page.wait_for_function(
        "document.querySelector('#assistant-panel-answer [data-role=question]').textContent.includes('today')"
    )
    page.click("#assistant-panel-answer a")
    page.wait_for_selector("#ask-form")
    assert page.locator(".bubble-user").count() == 2  # both panel questions are in the same conversation
    shot("assistant-panel-02-chat")

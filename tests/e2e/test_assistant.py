"""Browser journey: on a demo-like home (seed_demo's devices and two days of simulated history), ask
the assistant a question, see the figure, the period and the chart, then confirm a command card and
find the command in the device's command log."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.e2e.test_dashboard import ROOT, _DaphneServer, _env, _free_port

pytestmark = pytest.mark.e2e
DEMO_EMAIL, DEMO_PASSWORD = "assistant-demo@example.com", "assistant-demo-42"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("e2e-assistant")
    env = {**_env(var_dir), "DEMO_EMAIL": DEMO_EMAIL, "DEMO_PASSWORD": DEMO_PASSWORD}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    seed = [python, "manage.py", "seed_demo", "--days", "2"]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, timeout=600, capture_output=True)
    server = _DaphneServer(var_dir, env, _free_port())
    server.start()
    yield {"url": server.url, "var": var_dir}
    server.stop()


def _database(var_dir):
    found = sorted(var_dir.glob("*.sqlite3"))
    assert found, list(var_dir.iterdir())
    return found[0]


def test_ask_a_question_see_figure_and_chart_then_confirm_a_command(demo_site, page, shot):
    page.goto(f"{demo_site['url']}/accounts/login/")
    page.fill("input[name=login]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{demo_site['url']}/")

    page.click("nav.mainnav a:has-text('Ask')")
    page.wait_for_selector("#ask-form")
    page.fill("#question", "which device used most yesterday?")
    page.press("#question", "Enter")
    answer = page.locator(".bubble-assistant[data-kind=answer]").last
    answer.wait_for()
    text = answer.locator(".answer-text").inner_text()
    assert "used the most" in text and "kWh" in text and "Europe/Berlin" in text
    assert "Period:" in answer.inner_text()
    page.wait_for_selector(".assistant-chart .main-svg")
    assert page.locator(".assistant-chart .barlayer .point").count() > 0
    shot("assistant-01-answer-with-chart")

    page.fill("#question", "switch off the wallbox")
    page.press("#question", "Enter")
    card = page.locator(".bubble-assistant[data-kind=confirm]").last
    card.wait_for()
    assert "Wallbox" in card.inner_text() and "set_power" in card.inner_text()
    shot("assistant-02-confirmation-card")
    card.locator("button:has-text('Confirm')").click()
    page.wait_for_selector(".bubble-assistant[data-kind=confirm] .command-state")
    assert "Sent" in page.locator(".bubble-assistant[data-kind=confirm] .command-state").last.inner_text()
    shot("assistant-03-command-sent")

    with sqlite3.connect(_database(demo_site["var"])) as db:
        rows = db.execute(
            "SELECT c.command_type, c.payload, c.issued_by, d.external_id FROM devices_command c "
            "JOIN devices_device d ON d.id = c.device_id"
        ).fetchall()
    assert rows == [("set_power", '{"on": false}', "assistant", "demo-ev-charger")]

    # The simulated wallbox (the simulator's own code, as `make run` starts it) polls, obeys, acks.
    from telemetry.management.commands.simulate import poll_and_obey
    from telemetry.simulator import HomeSimulator, SimDevice

    env = {**_env(demo_site["var"]), "DEMO_EMAIL": DEMO_EMAIL, "DEMO_PASSWORD": DEMO_PASSWORD}
    code = (
        "from accounts.models import Home; from telemetry.management.commands.simulate import simulator_key; "
        "print('KEY:' + simulator_key(Home.objects.get(name='Demo Home')))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout.decode()
    key = out.split("KEY:")[1].strip()
    sim = HomeSimulator([SimDevice("demo-ev-charger", "ev", rated_power_w=11000)], seed=1)
    handled = poll_and_obey(f"{demo_site['url']}/api/v1/device/commands/", key, sim)
    assert [(c["device"], c["type"], c["payload"]) for c in handled] == [
        ("demo-ev-charger", "set_power", {"on": False})
    ]
    assert "demo-ev-charger" in sim.switched_off
    with sqlite3.connect(_database(demo_site["var"])) as db:
        assert db.execute("SELECT status FROM devices_command").fetchall() == [("acknowledged",)]


def test_the_chat_is_usable_on_a_phone(demo_site, browser):
    from tests.e2e.conftest import SCREENSHOTS

    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    phone = context.new_page()
    try:
        phone.goto(f"{demo_site['url']}/accounts/login/")
        phone.fill("input[name=login]", DEMO_EMAIL)
        phone.fill("input[name=password]", DEMO_PASSWORD)
        phone.click("form.form button[type=submit]")
        phone.wait_for_url(f"{demo_site['url']}/")
        phone.goto(f"{demo_site['url']}/assistant/")
        phone.click("#assistant-empty button[data-question]")  # a suggestion asks its question
        phone.locator(".bubble-assistant").last.wait_for()
        phone.wait_for_selector(".assistant-chart .main-svg")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        phone.screenshot(path=str(SCREENSHOTS / "assistant-04-phone.png"), full_page=True)
    finally:
        context.close()

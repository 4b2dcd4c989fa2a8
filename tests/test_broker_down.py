"""With the Celery broker unreachable, a write that queues work still succeeds and the work is done.

A Celery app of its own points at a port where nothing listens (the project's app and its pool stay
untouched for the other tests); energyhome.queueing.enqueue is what every service uses to queue.
"""

from __future__ import annotations

import pytest
from celery import Celery

from energyhome.queueing import enqueue


@pytest.fixture
def unreachable_app():
    app = Celery("eh-test-no-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    yield app
    app.close()


def test_enqueue_runs_the_fallback_when_the_broker_is_down(unreachable_app, caplog):
    done = []

    @unreachable_app.task(name="eh.test.noop")
    def noop(x):
        return x

    queued = enqueue(noop, 1, fallback=lambda: done.append("ran here"))

    assert queued is False
    assert done == ["ran here"]
    assert any("could not queue eh.test.noop" in r.message for r in caplog.records)


def test_enqueue_without_fallback_only_logs(unreachable_app):
    @unreachable_app.task(name="eh.test.noop2")
    def noop2():
        return None

    assert enqueue(noop2) is False  # no exception reaches the caller

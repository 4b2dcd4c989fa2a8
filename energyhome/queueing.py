"""Queue a Celery task without letting a missing broker break the write that asked for it."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def enqueue(task, *args, fallback: Callable[[], object] | None = None) -> bool:
    """``task.delay(*args)``; True when queued. When the broker cannot be reached (Redis down, or
    not started yet, as while ``make run`` seeds the demo before starting it), log it and run
    ``fallback`` in-process if given, so the work is done rather than lost. Never raises for the
    broker; a fallback's own error propagates."""
    try:
        task.delay(*args)
        return True
    except Exception as exc:  # kombu's OperationalError, redis' ConnectionError, a timeout
        logger.warning("could not queue %s (%s: %s)", getattr(task, "name", task), type(exc).__name__, exc)
    if fallback is not None:
        fallback()
    return False

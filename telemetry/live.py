"""The live layer's entry point. Ingestion calls publish() after commit.

This is the hook only; the live-dashboard feature fills it (channel layer, coalescing).
Publishing must never make ingestion fail.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

logger = logging.getLogger(__name__)


def publish(home_id: int, latest: Mapping[int, dict]) -> None:
    """Hand the newest value per device (``{device_id: {"time": ..., "power_w": ...}}``) to the live layer."""
    return None

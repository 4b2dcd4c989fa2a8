"""The live layer's entry point. Ingestion calls publish() after commit.

publish() sends ONE compact event per call to the home's channel group::

    {"type": "live.readings", "devices": {"<device id>": {"time": "<iso>", "power_w": 123.0}}}

Ids and figures only, never HTML: every socket re-checks its user's membership and renders
its own partials (telemetry.consumers.LiveConsumer). Device ids are strings because the
Redis layer serialises with msgpack, whose decoder only accepts string map keys.

Publishing never raises: the readings are already stored, so a channel layer that is down
(Redis gone) only pauses live updates. Failures are logged and counted in
``failure_count`` (per process) and in the cache key ``live:publish-failures`` (across
processes, best effort).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

EVENT_TYPE = "live.readings"
COMMAND_EVENT_TYPE = "live.command"
ALERT_EVENT_TYPE = "live.alert"
# A channel layer that does not answer within this long is treated as down.
SEND_TIMEOUT_S = 2.0
FAILURE_CACHE_KEY = "live:publish-failures"

failure_count = 0


def group_name(home_id: int) -> str:
    """The channel group every live socket of ``home_id`` joins."""
    return f"home-{int(home_id)}-live"


def build_event(latest: Mapping[int, dict]) -> dict:
    """The event for ``latest`` (``{device_id: {"time": iso, "power_w": x}}``): ids as strings,
    times as ISO strings, power as floats; anything else in the values is dropped."""
    devices = {}
    for device_id, value in latest.items():
        moment = value.get("time")
        devices[str(int(device_id))] = {
            "time": moment.isoformat() if hasattr(moment, "isoformat") else str(moment),
            "power_w": float(value["power_w"]),
        }
    return {"type": EVENT_TYPE, "devices": devices}


async def _send(layer, group: str, event: dict) -> None:
    await asyncio.wait_for(layer.group_send(group, event), timeout=SEND_TIMEOUT_S)


def publish(home_id: int, latest: Mapping[int, dict]) -> None:
    """Hand the newest value per device (``{device_id: {"time": ..., "power_w": ...}}``) to the live layer.

    Sends one event to the home's group. Never raises: any failure (no channel layer, Redis
    down or slow, a malformed value) is logged and counted, and the call returns.
    """
    if not latest:
        return
    try:
        event = build_event(latest)
    except Exception as exc:
        _count_failure()
        logger.warning("live publish to home %s skipped: malformed value (%s: %s)", home_id, type(exc).__name__, exc)
        return
    _publish(home_id, event)


def publish_command(home_id: int, *, device_id: int, command_id: int, created: bool = False) -> None:
    """Tell the home's sockets that command ``command_id`` of ``device_id`` changed (or was ``created``).

    Ids only: each socket re-checks membership and renders the command's current state itself.
    Never raises, like publish().
    """
    _publish(
        home_id,
        {"type": COMMAND_EVENT_TYPE, "device_id": int(device_id), "command_id": int(command_id), "created": created},
    )


def publish_alert(home_id: int, *, alert_id: int) -> None:
    """Tell the home's sockets that alert ``alert_id`` opened (each renders its own toast after
    re-checking membership). Never raises, like publish()."""
    _publish(home_id, {"type": ALERT_EVENT_TYPE, "alert_id": int(alert_id)})


def _publish(home_id: int, event: dict) -> None:
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(_send)(layer, group_name(home_id), event)
    except Exception as exc:
        _count_failure()
        # One line, not a traceback: with Redis down this happens on every batch.
        logger.warning("live publish to home %s failed (%s: %s); live updates pause", home_id, type(exc).__name__, exc)
        logger.debug("live publish failure", exc_info=True)


def _count_failure() -> None:
    global failure_count
    failure_count += 1
    try:
        from django.core.cache import cache

        cache.add(FAILURE_CACHE_KEY, 0, timeout=None)
        cache.incr(FAILURE_CACHE_KEY)
    except Exception:  # the cache may live on the same Redis that just failed
        logger.debug("could not count the live publish failure in the cache", exc_info=True)

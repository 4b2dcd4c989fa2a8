"""The mobile app's JSON live stream: ``/ws/api/v1/stream/?home=<id>[&device=<id>]``.

Authenticated by the access token only (energyhome.api_auth.AccessTokenAuthMiddleware:
``Authorization: Bearer <token>`` on the handshake, or ``?access_token=``); cookies are ignored,
so no Origin check is needed. The same events the web's live layer gets (telemetry.live), with
the same rules as telemetry.consumers.LiveConsumer, which this extends: membership is checked
at connect and on every event (a revoked member's socket closes with 4403), and pushes are
coalesced to at most one per second with the newest values. Messages are JSON::

    {"type": "readings", "home_id": 1, "time": "...Z", "consumption_w": 1830.0, "solar_w": ...,
     "battery_w": ..., "grid_w": ..., "devices": [{"device_id": 7, "power_w": 2150.0, "state": "on", ...}]}
    {"type": "command", "home_id": 1, "device_id": 7, "command_id": 42, "created": false}

``devices`` holds the devices whose readings changed; the figures are those of
``GET /api/v1/homes/{id}/power/``. Refusals are sent as ``{"type": "error", "error": {...}}`` in
the API's error format and the socket closes: 4401 without a valid token, 4404 for a missing
``home`` or a home you are not a member of (exactly like one that does not exist).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.http import Http404

from accounts.selectors import get_home_for
from energyhome.api_errors import error_body
from telemetry.consumers import LiveConsumer, is_member
from telemetry.selectors import LatestPower

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def stream_payload(user, home_id: int, changed: dict[int, LatestPower]) -> dict | None:
    """The ``readings`` message for ``changed`` devices; None if ``user`` is no longer a member."""
    from analytics.selectors import live_update
    from telemetry.api_read import power_body

    try:
        home = get_home_for(user, home_id)
    except Http404:
        return None
    update = live_update(home, changed=changed)
    return {"type": "readings", **power_body(home, update.power, update.tiles)}


class StreamConsumer(LiveConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw_home = (query.get("home") or [""])[0]
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED, "not_authenticated", "Send a valid access token.")
            return
        if not raw_home.isdigit() or not await database_sync_to_async(is_member)(user, int(raw_home)):
            await self._refuse(CLOSE_NOT_FOUND, "not_found", "No such home.")
            return
        self.scope["url_route"] = {"args": (), "kwargs": {"home_id": int(raw_home)}}
        await super().connect()

    async def _refuse(self, code: int, error_code: str, message: str) -> None:
        await self.accept()
        await self.send(text_data=json.dumps({"type": "error", **error_body(error_code, message)}))
        await self.close(code=code)

    async def _flush(self) -> None:
        async with self.flush_lock:
            if not self.pending or not self.joined:
                return
            changed, self.pending = self.pending, {}
            self.last_flush = asyncio.get_running_loop().time()
            payload = await database_sync_to_async(stream_payload)(self.user, self.home_id, changed)
            if payload is None:
                await self._stop()
                return
            await self.send(text_data=json.dumps(payload))

    async def live_command(self, event: dict) -> None:
        """A command of a device changed: ids only; the app reads the command from the API."""
        if not await database_sync_to_async(is_member)(self.user, self.home_id):
            await self._stop()
            return
        try:
            device_id, command_id = int(event["device_id"]), int(event["command_id"])
        except (KeyError, TypeError, ValueError):
            return
        if self.only_device is not None and device_id != self.only_device:
            return
        message = {
            "type": "command",
            "home_id": self.home_id,
            "device_id": device_id,
            "command_id": command_id,
            "created": bool(event.get("created")),
        }
        await self.send(text_data=json.dumps(message))

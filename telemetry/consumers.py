"""Websocket consumers: the homeowner's live view of a home.

``LiveConsumer`` (``/ws/homes/<home id>/live/?view=dashboard|devices[&device=<id>]``) authenticates by the
session (AuthMiddlewareStack; the Origin is checked by AllowedHostsOriginValidator in
asgi.py), refuses anyone who is not a member of the home, joins the home's channel group
and, for each ``live.readings`` event (telemetry.live.publish), re-checks the membership
and pushes the same partial templates the page rendered first, marked ``hx-swap-oob`` for
the htmx websocket extension. A membership revoked while the socket is open stops the
updates and closes the socket.

Coalescing: values are merged per device (newest wins) and a socket gets at most one push
per ``min_interval_s`` (1 s): the first event after a quiet second goes out at once, later
ones wait for a trailing flush (``call_later``) that sends the newest values. So a device
talking ten times a second costs the browser one update a second, and the last value is
never lost.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404
from django.template.loader import render_to_string

from accounts.selectors import get_home_for
from telemetry.live import EVENT_TYPE, group_name
from telemetry.selectors import LatestPower

logger = logging.getLogger(__name__)

VIEWS = ("dashboard", "devices", "commands")
# Close code for "you may not see this home (any more)"; 4000-4999 are for applications.
CLOSE_FORBIDDEN = 4403


def render_live(user, home_id: int, changed: dict[int, LatestPower], view: str) -> str | None:
    """The HTML a socket of ``view`` gets for ``changed`` devices; None if ``user`` is no longer a
    member of the home. Runs in a worker thread (database access)."""
    from analytics.selectors import live_update

    try:
        home = get_home_for(user, home_id)
    except Http404:
        return None
    update = live_update(home, changed=changed)
    parts: list[str] = []
    if view == "dashboard":
        parts.append(
            render_to_string("dashboard/_power_now.html", {"power": update.power, "shape": update.shape, "oob": True})
        )
        from accounts.selectors import can_write as user_can_write

        can_write = user_can_write(user, home)
        parts.extend(
            render_to_string("dashboard/_device_tile.html", {"tile": t, "oob": True, "can_write": can_write})
            for t in update.tiles
        )
        parts.append(
            render_to_string(
                "dashboard/_live_point.html",
                {"power": update.power, "point_time_local": update.point_time_local, "oob": True},
            )
        )
    else:
        parts.extend(render_to_string("devices/_live_power.html", {"tile": t, "oob": True}) for t in update.tiles)
    return "".join(parts)


def render_command(user, home_id: int, device_id: int, command_id: int, created: bool, view: str) -> str | None:
    """The HTML a socket of ``view`` gets when a command changed; None if ``user`` may no longer
    see the home. Dashboards get the tile's control, device pages the controls, the command log
    the command's row (a new row goes on top)."""
    from accounts.selectors import can_write as user_can_write
    from devices.models import Command, Device
    from devices.selectors import control_panel

    try:
        home = get_home_for(user, home_id)
    except Http404:
        return None
    can_write = user_can_write(user, home)
    if view == "commands":
        command = (
            Command.objects.filter(pk=command_id, home=home)
            .select_related("device", "issued_by_user", "run__rule")
            .first()
        )
        if command is None:
            return ""
        oob = "afterbegin:#command-log-rows" if created else "true"
        return render_to_string("devices/_command_row.html", {"c": command, "home": home, "oob": oob})
    device = Device.objects.filter(pk=device_id, home=home).select_related("type", "home").first()
    if device is None:
        return ""
    from devices.templatetags.device_controls import looks_on

    panel = control_panel(device)
    context = {"panel": panel, "can_write": can_write, "oob": True, "looks_on": looks_on(panel)}
    template = "devices/_tile_control.html" if view == "dashboard" else "devices/_controls.html"
    return render_to_string(template, context)


def render_alert(user, home_id: int, alert_id: int) -> str | None:
    """The toast for a newly opened alert (analytics' partial, out-of-band into base.html's
    ``#toasts``); None if ``user`` may no longer see the home, "" for an unknown alert."""
    from analytics.models import Alert

    try:
        home = get_home_for(user, home_id)
    except Http404:
        return None
    alert = Alert.objects.filter(pk=alert_id, home=home).first()
    if alert is None:
        return ""
    return render_to_string("insights/_alert_toast.html", {"alert": alert, "home": home, "oob": True})


def is_member(user, home_id: int) -> bool:
    try:
        get_home_for(user, home_id)
    except Http404:
        return False
    return True


class LiveConsumer(AsyncWebsocketConsumer):
    min_interval_s = 1.0

    async def connect(self) -> None:
        self.home_id = int(self.scope["url_route"]["kwargs"]["home_id"])
        self.user = self.scope.get("user")
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        requested = (query.get("view") or ["dashboard"])[0]
        self.view = requested if requested in VIEWS else "dashboard"
        only = (query.get("device") or [""])[0]
        self.only_device = int(only) if only.isdigit() else None  # a device page follows one device
        self.group = group_name(self.home_id)
        self.joined = False
        self.pending: dict[int, LatestPower] = {}
        self.last_flush = -math.inf
        self.timer: asyncio.TimerHandle | None = None
        self.flush_lock = asyncio.Lock()
        if self.user is None or not await database_sync_to_async(is_member)(self.user, self.home_id):
            await self.close()
            return
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except Exception:
            # Redis down: the page still works; the browser's socket extension retries later.
            logger.warning("live: cannot join %s; channel layer unavailable", self.group, exc_info=True)
            await self.close(code=1011)
            return
        self.joined = True
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The browser has nothing to say on this socket; anything it sends is ignored."""

    async def live_readings(self, event: dict) -> None:
        """A ``live.readings`` event: re-check membership, merge per device, push (coalesced)."""
        if event.get("type") != EVENT_TYPE:
            return
        if not await database_sync_to_async(is_member)(self.user, self.home_id):
            await self._stop()
            return
        for key, value in (event.get("devices") or {}).items():
            try:
                reading = LatestPower(
                    device_id=int(key), time=datetime.fromisoformat(value["time"]), power_w=float(value["power_w"])
                )
            except (KeyError, TypeError, ValueError):
                logger.warning("live: malformed value for device %r ignored", key)
                continue
            if self.only_device is not None and reading.device_id != self.only_device:
                continue
            current = self.pending.get(reading.device_id)
            if current is None or reading.time >= current.time:
                self.pending[reading.device_id] = reading
        if not self.pending or self.timer is not None:
            return  # a trailing flush is already scheduled and will send the newest values
        loop = asyncio.get_running_loop()
        wait = self.last_flush + self.min_interval_s - loop.time()
        if wait <= 0:
            await self._flush()
        else:
            self.timer = loop.call_later(wait, self._trailing_flush)

    async def live_command(self, event: dict) -> None:
        """A ``live.command`` event: a command was created or changed status."""
        try:
            device_id, command_id = int(event["device_id"]), int(event["command_id"])
        except (KeyError, TypeError, ValueError):
            return
        if self.view == "devices" and device_id != self.only_device:
            return
        html = await database_sync_to_async(render_command)(
            self.user, self.home_id, device_id, command_id, bool(event.get("created")), self.view
        )
        if html is None:
            await self._stop()
        elif html.strip():
            await self.send(text_data=html)

    async def live_alert(self, event: dict) -> None:
        """A ``live.alert`` event: an alert opened; every view shows its toast."""
        try:
            alert_id = int(event["alert_id"])
        except (KeyError, TypeError, ValueError):
            return
        html = await database_sync_to_async(render_alert)(self.user, self.home_id, alert_id)
        if html is None:
            await self._stop()
        elif html.strip():
            await self.send(text_data=html)

    def _trailing_flush(self) -> None:
        self.timer = None
        task = asyncio.ensure_future(self._flush())
        task.add_done_callback(_log_task_error)

    async def _flush(self) -> None:
        async with self.flush_lock:
            if not self.pending or not self.joined:
                return
            changed, self.pending = self.pending, {}
            self.last_flush = asyncio.get_running_loop().time()
            html = await database_sync_to_async(render_live)(self.user, self.home_id, changed, self.view)
            if html is None:
                await self._stop()
                return
            await self.send(text_data=html)

    async def _stop(self) -> None:
        await self._leave()
        await self.close(code=CLOSE_FORBIDDEN)

    async def _leave(self) -> None:
        if getattr(self, "timer", None) is not None:
            self.timer.cancel()
            self.timer = None
        if getattr(self, "joined", False):
            self.joined = False
            self.pending = {}
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception:
                logger.debug("live: group_discard failed", exc_info=True)


def _log_task_error(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("live: trailing flush failed", exc_info=task.exception())

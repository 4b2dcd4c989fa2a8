"""A newly opened alert reaches open pages as a toast over the live socket (out-of-band into
base.html's #toasts), for members only, once per alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from analytics import insight_services
from analytics.models import Alert
from analytics.tests.test_cost_fixtures import make_device
from telemetry.consumers import render_alert
from telemetry.tests import test_consumer as live
from telemetry.tests.test_consumer import _communicator, _owner, _receive_all, run

in_memory_layer = live.in_memory_layer
asgi_app = live.application

pytestmark = pytest.mark.django_db(transaction=True)


def offline_rule(home):
    device = make_device(home)
    device.last_seen = timezone.now() - timedelta(hours=2)
    device.save()
    return insight_services.create_alert_rule(
        home=home, kind="device_offline", device_id=device.pk, minutes="30", email=False
    )


def test_an_opened_alert_pops_a_toast_on_the_dashboard_once(asgi_app, home, django_capture_on_commit_callbacks):
    offline_rule(home)
    communicator = _communicator(asgi_app, home, _owner(home), query="view=dashboard")

    def evaluate():
        with django_capture_on_commit_callbacks(execute=True):
            return insight_services.evaluate_alerts(home=home).opened

    async def scenario():
        assert (await communicator.connect())[0]
        first = await database_sync_to_async(evaluate)()
        toast = await communicator.receive_from(timeout=3)
        second = await database_sync_to_async(evaluate)()  # still open: nothing new
        later = await _receive_all(communicator, 0.5)
        await communicator.disconnect()
        return first, toast, second, later

    first, toast, second, later = run(scenario)
    alert = Alert.objects.get()
    assert (first, second) == (1, 0) and later == []
    assert 'hx-swap-oob="beforeend:#toasts"' in toast and f'id="alert-toast-{alert.pk}"' in toast
    assert "Heat pump is offline" in toast and f"/homes/{home.pk}/alerts/" in toast


def test_the_toast_is_rendered_for_members_only(home, other_home):
    offline_rule(home)
    insight_services.evaluate_alerts(home=home)
    alert = Alert.objects.get()
    assert "Heat pump is offline" in render_alert(_owner(home), home.pk, alert.pk)
    assert render_alert(_owner(other_home), home.pk, alert.pk) is None  # not a member: the socket stops
    assert render_alert(_owner(other_home), other_home.pk, alert.pk) == ""  # another home's alert id


def test_the_base_page_has_the_toast_container(owner_client, home):
    assert b'<div id="toasts"' in owner_client.get("/").content

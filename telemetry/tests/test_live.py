"""telemetry.live.publish: one compact event per call, and never a failure for ingestion."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from devices.tests.factories import register
from telemetry import live
from telemetry.models import Reading
from telemetry.services import ingest_readings
from telemetry.tests.factories import reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


def _listen(layer, home_id: int) -> str:
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.group_name(home_id), channel)
    return channel


def test_publish_sends_one_event_with_ids_and_figures_only(in_memory_layer, home):
    channel = _listen(in_memory_layer, home.pk)
    moment = timezone.now()
    live.publish(home.pk, {7: {"time": moment.isoformat(), "power_w": 12}, 8: {"time": moment, "power_w": -3.5}})
    event = async_to_sync(in_memory_layer.receive)(channel)
    assert event == {
        "type": "live.readings",
        "devices": {
            "7": {"time": moment.isoformat(), "power_w": 12.0},
            "8": {"time": moment.isoformat(), "power_w": -3.5},
        },
    }
    with pytest.raises(TimeoutError):  # nothing else was sent
        async_to_sync(_receive_within)(in_memory_layer, channel, 0.2)


async def _receive_within(layer, channel: str, seconds: float):
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), timeout=seconds)


def test_ingest_publishes_the_newest_value_per_device_after_commit(
    in_memory_layer, home, django_capture_on_commit_callbacks
):
    device = register(home).device
    channel = _listen(in_memory_layer, home.pk)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        ingest_readings(
            device=device,
            items=[
                reading(time=now - timedelta(seconds=20), power_w=10),
                reading(time=now - timedelta(seconds=2), power_w=30),
            ],
        )
    event = async_to_sync(in_memory_layer.receive)(channel)
    assert event["devices"][str(device.pk)]["power_w"] == 30.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_down_does_not_break_ingestion(settings, home, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{_closed_port()}/0"], "prefix": "eh-test-down"},
        }
    }
    device = register(home).device
    failures_before = live.failure_count
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_readings(device=device, items=[reading(power_w=100), reading(time=timezone.now(), power_w=200)])
    assert result.stored == 2
    assert Reading.objects.filter(device=device).count() == 2
    assert live.failure_count == failures_before + 1


def test_publish_never_raises_on_a_bad_value(in_memory_layer):
    failures_before = live.failure_count
    live.publish(1, {1: {"time": "x"}})  # no power_w
    assert live.failure_count == failures_before + 1


def test_publish_of_nothing_sends_nothing(in_memory_layer, home):
    channel = _listen(in_memory_layer, home.pk)
    live.publish(home.pk, {})
    with pytest.raises(TimeoutError):
        async_to_sync(_receive_within)(in_memory_layer, channel, 0.2)

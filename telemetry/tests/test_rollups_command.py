"""manage.py rebuild_rollups: marks a home's hours since a local date dirty and recomputes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from devices.models import Device, DeviceType
from telemetry.models import DailyRollup, DirtyHour, HourlyRollup, Reading

pytestmark = pytest.mark.django_db

H10 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def devices(home, other_home):
    kind = DeviceType.objects.create(slug="rebuild-test-plug", name="Test plug")
    mine = Device.objects.create(home=home, type=kind, name="Kettle", external_id="rebuild-kettle")
    theirs = Device.objects.create(home=other_home, type=kind, name="Other", external_id="rebuild-other")
    for device in (mine, theirs):
        # 600 W every 5 min for 3 hours: 1800 Wh, none of it marked dirty (as after a data import).
        Reading.objects.bulk_create(
            [Reading(device=device, time=H10 + timedelta(minutes=5 * i), power_w=600) for i in range(36)]
        )
    return mine, theirs


def test_rebuild_recomputes_the_homes_rollups_and_reports_progress(home, devices):
    mine, theirs = devices
    stale = HourlyRollup.objects.create(
        device=mine, hour=H10 - timedelta(hours=5), energy_wh=1, mean_power_w=1, samples=1
    )
    out = StringIO()
    call_command("rebuild_rollups", home=home.pk, since="2026-04-30", stdout=out)
    text = out.getvalue()
    assert "4 hour(s)" in text  # 3 hours with readings + 1 stale rollup
    assert "hours 4/4" in text
    assert "Done: 4 dirty hour(s) processed" in text
    assert not HourlyRollup.objects.filter(pk=stale.pk).exists()  # no readings: removed
    assert sum(HourlyRollup.objects.filter(device=mine).values_list("energy_wh", flat=True)) == pytest.approx(1800)
    assert DailyRollup.objects.get(device=mine).energy_wh == pytest.approx(1800)
    assert not HourlyRollup.objects.filter(device=theirs).exists()  # another home's device: untouched
    assert not DirtyHour.objects.exists()


def test_rebuild_one_device_and_errors(home, devices):
    mine, theirs = devices
    call_command("rebuild_rollups", home=home.pk, since="2026-05-01", device=mine.pk, stdout=StringIO())
    assert HourlyRollup.objects.filter(device=mine).count() == 3
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", home=home.pk, since="2026-05-01", device=theirs.pk, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", home=999_999, since="2026-05-01", stdout=StringIO())

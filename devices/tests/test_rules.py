"""Schedules and automations: local times across DST, missed runs, conditions, cool-down."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.services import create_home
from devices import rules
from devices.models import Command, Issuer, Rule, RuleRun
from devices.tests.factories import register
from telemetry.services import ingest_readings

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def paris_home(make_user):
    return create_home(
        owner=make_user("paris@example.com"), name="Paris flat", time_zone="Europe/Paris", currency="EUR"
    )


def seen(device, moment: datetime, power_w: float = 100.0, **extra) -> None:
    with time_machine.travel(moment, tick=False):
        ingest_readings(items=[{"time": moment, "power_w": power_w, **extra}], device=device, source="test")


@pytest.mark.parametrize(
    ("after", "time_of_day", "expected_utc"),
    [
        # An ordinary winter day: 23:00 CET is 22:00 UTC.
        (at(2026, 3, 27, 12), time(23, 0), at(2026, 3, 27, 22)),
        # Spring forward (29 March 2026): 07:00 CEST is 05:00 UTC, the day after 07:00 CET was 06:00 UTC.
        (at(2026, 3, 28, 12), time(7, 0), at(2026, 3, 29, 5)),
        # 02:30 does not exist on 29 March: it runs an hour later, at 03:30 CEST (01:30 UTC).
        (at(2026, 3, 28, 12), time(2, 30), at(2026, 3, 29, 1, 30)),
        # Fall back (25 October 2026): 02:30 happens twice; it runs once, at the first (CEST, 00:30 UTC).
        (at(2026, 10, 24, 12), time(2, 30), at(2026, 10, 25, 0, 30)),
        (at(2026, 10, 25, 0, 30), time(2, 30), at(2026, 10, 26, 1, 30)),
        # 07:00 CET after fall back is 06:00 UTC.
        (at(2026, 10, 24, 12), time(7, 0), at(2026, 10, 25, 6)),
    ],
)
def test_next_occurrence_in_local_time_across_dst(after, time_of_day, expected_utc):
    assert (
        rules.next_occurrence(time_of_day=time_of_day, weekdays=list(range(7)), zone=PARIS, after=after) == expected_utc
    )


def test_next_occurrence_respects_weekdays():
    # Friday 27 March 2026 noon -> weekdays only -> Monday 30 March 08:00 CEST = 06:00 UTC.
    friday_noon = at(2026, 3, 27, 11)
    assert rules.next_occurrence(time_of_day=time(8, 0), weekdays=[0, 1, 2, 3, 4], zone=PARIS, after=friday_noon) == at(
        2026, 3, 30, 6
    )


def test_schedule_fires_at_the_local_time_across_spring_forward(paris_home):
    plug = register(paris_home, type="smart-plug", name="Heater plug").device
    with time_machine.travel(at(2026, 3, 28, 12), tick=False):
        rule = rules.create_rule(
            home=paris_home,
            kind="schedule",
            name="Morning heat",
            device=plug,
            command_type="set_power",
            payload={"on": True},
            time_of_day=time(7, 0),
            weekdays=list(range(7)),
        )
    assert rule.next_run_at == at(2026, 3, 29, 5)
    seen(plug, at(2026, 3, 29, 4, 58))

    with time_machine.travel(at(2026, 3, 29, 4, 59), tick=False):
        assert rules.run_due_rules().schedules_fired == 0  # 06:59 local: not yet
    with time_machine.travel(at(2026, 3, 29, 5, 0, 20), tick=False):
        stats = rules.run_due_rules()
        assert rules.run_due_rules().schedules_fired == 0  # a second beat in the same minute: nothing

    assert stats.schedules_fired == 1
    command = Command.objects.get()
    assert command.issued_by == Issuer.SCHEDULE and command.payload == {"on": True}
    assert command.run.rule == rule
    rule.refresh_from_db()
    assert rule.next_run_at == at(2026, 3, 30, 5)


def test_a_schedule_missed_by_more_than_15_minutes_is_recorded_not_sent(paris_home):
    plug = register(paris_home, type="smart-plug").device
    with time_machine.travel(at(2026, 6, 1, 12), tick=False):
        rule = rules.create_rule(
            home=paris_home,
            kind="schedule",
            name="Noon",
            device=plug,
            command_type="set_power",
            payload={"on": False},
            time_of_day=time(15, 0),
            weekdays=list(range(7)),
        )
    with time_machine.travel(at(2026, 6, 1, 14), tick=False):  # 16:00 local, an hour late
        rules.run_due_rules()

    run = RuleRun.objects.get(rule=rule)
    assert run.outcome == RuleRun.Outcome.REFUSED and "Missed" in run.message
    assert not Command.objects.exists()


def test_a_schedule_for_an_offline_device_records_the_refusal(paris_home):
    plug = register(paris_home, type="smart-plug", name="Shed plug").device  # never seen
    with time_machine.travel(at(2026, 6, 1, 12), tick=False):
        rule = rules.create_rule(
            home=paris_home,
            kind="schedule",
            name="Shed",
            device=plug,
            command_type="set_power",
            payload={"on": True},
            time_of_day=time(14, 1),
            weekdays=list(range(7)),
        )
    with time_machine.travel(at(2026, 6, 1, 12, 1, 30), tick=False):
        assert rules.run_due_rules().refused == 1
    assert "offline" in RuleRun.objects.get(rule=rule).message


def test_automation_fires_after_the_duration_and_respects_the_cooldown(home):
    fridge = register(home, type="fridge", name="Fridge").device
    plug = register(home, type="smart-plug", name="Dehumidifier").device
    start = at(2026, 7, 1, 10)
    with time_machine.travel(start, tick=False):
        rule = rules.create_rule(
            home=home,
            kind="automation",
            name="Fridge busy -> dehumidifier off",
            device=plug,
            command_type="set_power",
            payload={"on": False},
            condition="power_above",
            condition_device=fridge,
            threshold=120,
            duration_min=5,
            cooldown_min=30,
        )
    seen(plug, start)
    for minute in range(0, 45):
        moment = start + timedelta(minutes=minute)
        seen(fridge, moment, 150.0)
        seen(plug, moment, 300.0)
        with time_machine.travel(moment + timedelta(seconds=5), tick=False):
            rules.run_due_rules()

    fired = list(RuleRun.objects.filter(rule=rule).order_by("ran_at").values_list("ran_at", flat=True))
    # Holding since 10:00: fires at 10:05 (5 minutes held), then not again until the 30-minute cool-down ends.
    assert [f.replace(second=0) for f in fired] == [at(2026, 7, 1, 10, 5), at(2026, 7, 1, 10, 35)]
    assert Command.objects.filter(issued_by=Issuer.AUTOMATION).count() == 2


def test_automation_resets_when_the_condition_stops_holding(home):
    fridge = register(home, type="fridge").device
    plug = register(home, type="smart-plug").device
    start = at(2026, 7, 1, 10)
    with time_machine.travel(start, tick=False):
        rule = rules.create_rule(
            home=home,
            kind="automation",
            name="x",
            device=plug,
            command_type="set_power",
            payload={"on": False},
            condition="power_above",
            condition_device=fridge,
            threshold=120,
            duration_min=3,
        )
    pattern = [150, 150, 50, 150, 150, 50]  # never 3 minutes in a row
    for minute, watts in enumerate(pattern):
        moment = start + timedelta(minutes=minute)
        seen(fridge, moment, watts)
        seen(plug, moment)
        with time_machine.travel(moment + timedelta(seconds=5), tick=False):
            rules.run_due_rules()
    assert not RuleRun.objects.filter(rule=rule).exists()


def test_solar_surplus_and_battery_level_conditions(home):
    solar = register(home, type="solar-inverter", name="Roof").device
    grid = register(home, type="grid-meter", name="Meter").device
    battery = register(home, type="home-battery", name="Battery").device
    charger = register(home, type="ev-charger", name="Wallbox").device
    moment = at(2026, 7, 1, 12)
    with time_machine.travel(moment, tick=False):
        surplus = rules.create_rule(
            home=home,
            kind="automation",
            name="Charge on sun",
            device=charger,
            command_type="set_power",
            payload={"on": True},
            condition="solar_surplus_above",
            threshold=2000,
            duration_min=0,
        )
        full = rules.create_rule(
            home=home,
            kind="automation",
            name="Battery full",
            device=charger,
            command_type="set_charge_limit",
            payload={"limit_pct": 100},
            condition="battery_above",
            threshold=90,
            duration_min=0,
        )
    seen(solar, moment, 4500)
    seen(grid, moment, -2500)  # exporting 2.5 kW
    seen(battery, moment, 0, soc_pct=95.0)
    seen(charger, moment, 0)
    with time_machine.travel(moment + timedelta(seconds=10), tick=False):
        stats = rules.run_due_rules()

    assert stats.automations_fired == 2
    assert set(Command.objects.values_list("run__rule", flat=True)) == {surplus.pk, full.pk}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "schedule", "time_of_day": None, "weekdays": [0]}, "time_of_day"),
        ({"kind": "schedule", "time_of_day": time(7), "weekdays": []}, "weekdays"),
        ({"kind": "schedule", "time_of_day": time(7), "weekdays": [7]}, "weekdays"),
        ({"kind": "automation", "condition": "moon_phase", "threshold": 1}, "condition"),
        ({"kind": "automation", "condition": "price_above", "threshold": None}, "threshold"),
        ({"kind": "automation", "condition": "battery_below", "threshold": 150}, "threshold"),
        ({"kind": "automation", "condition": "power_above", "threshold": 5}, "condition_device"),
        ({"kind": "automation", "condition": "price_above", "threshold": 0.3, "duration_min": -1}, "duration_min"),
        ({"kind": "automation", "condition": "solar_surplus_above", "threshold": 100}, "condition"),  # no solar
        ({"kind": "schedule", "time_of_day": time(7), "weekdays": [0], "payload": {"on": "yes"}}, "on"),
        ({"kind": "schedule", "time_of_day": time(7), "weekdays": [0], "name": " "}, "name"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(home, kwargs, field):
    plug = register(home, type="smart-plug").device
    arguments = {"home": home, "name": "Rule", "device": plug, "command_type": "set_power", "payload": {"on": True}}
    with pytest.raises(ValidationError) as caught:
        rules.create_rule(**(arguments | kwargs))
    assert field in caught.value.message_dict
    assert not Rule.objects.exists()


def test_a_rule_cannot_target_another_homes_device(home, other_home):
    foreign = register(other_home, type="smart-plug").device
    with pytest.raises(ValidationError) as caught:
        rules.create_rule(
            home=home,
            kind="schedule",
            name="x",
            device=foreign,
            command_type="set_power",
            payload={"on": True},
            time_of_day=time(7),
            weekdays=[0],
        )
    assert "device" in caught.value.message_dict


def test_a_one_off_schedule_fires_once_then_disables_itself(paris_home):
    from devices.services import create_schedule

    plug = register(paris_home, type="smart-plug", name="EV plug").device
    with time_machine.travel(at(2026, 6, 1, 12), tick=False):
        rule = create_schedule(
            device=plug,
            command_type="set_power",
            payload={"on": False},
            run_at=at(2026, 6, 1, 21),
            issued_by="assistant",
        )
    assert rule.once and rule.next_run_at == at(2026, 6, 1, 21) and "23:00" in rule.name  # 23:00 in Paris
    seen(plug, at(2026, 6, 1, 20, 59))
    with time_machine.travel(at(2026, 6, 1, 21, 0, 10), tick=False):
        assert rules.run_due_rules().schedules_fired == 1
    rule.refresh_from_db()
    assert not rule.enabled and rule.next_run_at is None
    with time_machine.travel(at(2026, 6, 8, 21, 0, 10), tick=False):
        assert rules.run_due_rules().schedules_fired == 0  # not a week later either
    assert Command.objects.count() == 1


def test_a_one_off_schedule_must_be_in_the_next_seven_days(paris_home):
    from devices.services import create_schedule

    plug = register(paris_home, type="smart-plug").device
    with time_machine.travel(at(2026, 6, 1, 12), tick=False), pytest.raises(ValidationError) as caught:
        create_schedule(device=plug, command_type="set_power", payload={"on": False}, run_at=at(2026, 5, 1, 12))
    assert "run_at" in caught.value.message_dict

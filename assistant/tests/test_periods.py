"""Period words -> half-open [start, end) in the home's zone, DST-correct, leaning to the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.engine.moments import resolve_moment
from assistant.engine.periods import find_periods, normalise, previous_of

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 4, 10, 30, tzinfo=UTC)  # Wednesday 11:30 in Berlin


def at(y, m, d, h=0, minute=0, zone=BERLIN):
    return datetime(y, m, d, h, minute, tzinfo=zone).astimezone(UTC)


def one(text, now=NOW, zone=BERLIN):
    matches = find_periods(normalise(text), now=now, zone=zone)
    assert len(matches) == 1, matches
    assert matches[0].period is not None, matches[0].error
    return matches[0].period


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("today", at(2026, 11, 4), NOW),
        ("yesterday", at(2026, 11, 3), at(2026, 11, 4)),
        ("the day before yesterday", at(2026, 11, 2), at(2026, 11, 3)),
        ("this week", at(2026, 11, 2), NOW),
        ("last week", at(2026, 10, 26), at(2026, 11, 2)),
        ("this month", at(2026, 11, 1), NOW),
        ("so far this month", at(2026, 11, 1), NOW),
        ("last month", at(2026, 10, 1), at(2026, 11, 1)),
        ("this year", at(2026, 1, 1), NOW),
        ("last year", at(2025, 1, 1), at(2026, 1, 1)),
        ("the last 24 hours", NOW - timedelta(hours=24), NOW),
        ("the last 7 days", at(2026, 10, 28), at(2026, 11, 4)),
        ("past 2 weeks", at(2026, 10, 21), at(2026, 11, 4)),
        ("on Monday", at(2026, 11, 2), at(2026, 11, 3)),
        ("on Wednesday", at(2026, 11, 4), NOW),  # today is a Wednesday: today so far
        ("last Wednesday", at(2026, 10, 28), at(2026, 10, 29)),
        ("last Saturday", at(2026, 10, 31), at(2026, 11, 1)),
        ("on 3 November", at(2026, 11, 3), at(2026, 11, 4)),
        ("November 3rd", at(2026, 11, 3), at(2026, 11, 4)),
        ("on 5 November", at(2025, 11, 5), at(2025, 11, 6)),  # the past one, not tomorrow
        ("in October", at(2026, 10, 1), at(2026, 11, 1)),
        ("in December", at(2025, 12, 1), at(2026, 1, 1)),  # the latest December that began
        ("between 1 and 7 October", at(2026, 10, 1), at(2026, 10, 8)),
        ("from 28 September to 3 October", at(2026, 9, 28), at(2026, 10, 4)),
        ("yesterday between 6 pm and 10 pm", at(2026, 11, 3, 18), at(2026, 11, 3, 22)),
        ("yesterday between 6 and 10 pm", at(2026, 11, 3, 18), at(2026, 11, 3, 22)),
        ("this morning", at(2026, 11, 4, 6), NOW),
        ("last night", at(2026, 11, 3, 22), at(2026, 11, 4, 6)),
        ("this time last year", at(2025, 11, 4), at(2025, 11, 5)),
        ("in 2025", at(2025, 1, 1), at(2026, 1, 1)),
        ("2026-10-25", at(2026, 10, 25), at(2026, 10, 26)),
    ],
)
def test_phrases_resolve_to_half_open_local_periods(phrase, start, end):
    period = one(f"how much did we use {phrase}")
    assert (period.start, period.end) == (start, end)
    assert period.start.tzinfo is not None


def test_the_autumn_dst_day_has_25_hours_and_the_spring_day_23():
    autumn = one("on 25 October")
    assert autumn.end - autumn.start == timedelta(hours=25)
    spring = one("on 29 March")
    assert spring.end - spring.start == timedelta(hours=23)
    october = one("in October")
    assert october.end - october.start == timedelta(days=31, hours=1)


def test_an_evening_span_across_the_dst_change_keeps_local_clock_times():
    now = at(2026, 10, 26, 12)
    period = one("yesterday between 6 pm and 10 pm", now=now)
    assert period.start.astimezone(BERLIN).hour == 18 and period.end.astimezone(BERLIN).hour == 22
    assert period.start == datetime(2026, 10, 25, 17, tzinfo=UTC)  # CET (UTC+1) after the change


def test_month_and_year_boundaries():
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)  # 01:30 on 1 January in Berlin
    assert (one("last month", now=new_year).start, one("last month", now=new_year).end) == (
        at(2026, 12, 1),
        at(2027, 1, 1),
    )
    assert one("yesterday", now=new_year).start == at(2026, 12, 31)
    assert one("last year", now=new_year).start == at(2026, 1, 1)
    assert one("last week", now=new_year).start == at(2026, 12, 21)
    march = datetime(2027, 3, 31, 12, tzinfo=UTC)
    previous = previous_of(one("this month", now=march), now=march, zone=BERLIN)
    assert previous.start == at(2027, 2, 1)
    assert previous.end <= at(2027, 3, 1)  # February never runs into March


def test_previous_of_a_running_month_stops_at_the_same_elapsed_point():
    this_month = one("this month")
    before = previous_of(this_month, now=NOW, zone=BERLIN)
    assert before.start == at(2026, 10, 1)
    assert before.end - before.start == this_month.end - this_month.start


def test_two_periods_in_a_comparison_come_back_in_order():
    matches = find_periods(normalise("compare this month with last month"), now=NOW, zone=BERLIN)
    assert [m.period.start for m in matches] == [at(2026, 11, 1), at(2026, 10, 1)]


def test_impossible_dates_and_future_periods_are_errors_not_guesses():
    (bad,) = find_periods(normalise("on 31 February"), now=NOW, zone=BERLIN)
    assert bad.period is None and "31 february" in bad.error
    (future,) = find_periods(normalise("in 2030"), now=NOW, zone=BERLIN)
    assert future.period is None and "not begun" in future.error


def test_other_time_zones_use_their_own_midnight():
    tokyo = ZoneInfo("Asia/Tokyo")
    period = one("yesterday", zone=tokyo)
    assert period.start == datetime(2026, 11, 2, 15, tzinfo=UTC)


def test_command_times_lean_to_the_future():
    assert resolve_moment("turn off the ev charger at 11 pm", now=NOW, zone=BERLIN)[0] == at(2026, 11, 4, 23)
    assert resolve_moment("at 9 am", now=NOW, zone=BERLIN)[0] == at(2026, 11, 5, 9)  # 9 am has passed today
    assert resolve_moment("in 2 hours", now=NOW, zone=BERLIN)[0] == NOW + timedelta(hours=2)
    assert resolve_moment("switch off the heat pump", now=NOW, zone=BERLIN) == (None, "")
    with pytest.raises(ValueError):
        resolve_moment("today at 8 am", now=NOW, zone=BERLIN)

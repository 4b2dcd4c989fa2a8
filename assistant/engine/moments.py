"""Moments and spans ahead: when a command should run, and what a forecast question is about.

Both lean to the future (questions about the past live in periods.py): "at 11 pm" is the next
23:00, "tomorrow" and "next week" are the home's local days ahead.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.engine.periods import _NUM, _TIME, Calendar, Period, _clock, _number, add_months


def resolve_moment(text: str, *, now: datetime, zone: ZoneInfo) -> tuple[datetime | None, str]:
    """When a command should run: "at 11 pm", "at 23:30", "tomorrow at 7 am", "in 2 hours", "in 30 minutes".

    Leans to the future: a clock time already past today means tomorrow. Returns (aware UTC
    instant or None for "now", the matched text). ValueError for a time that is not a time.
    """
    cal = Calendar(zone, now)
    m = re.search(rf"\bin\s+(?P<n>{_NUM})\s+(?P<unit>minutes?|mins?|hours?)\b", text)
    if m:
        count = _number(m.group("n"))
        delta = timedelta(hours=count) if m.group("unit").startswith("h") else timedelta(minutes=count)
        return cal.now + delta, m.group(0)
    m = re.search(
        rf"\b(?:(?P<day>tomorrow|today|tonight)\s+)?at\s+(?P<t>{_TIME})(?:\s+(?P<day2>tomorrow|today|tonight))?", text
    )
    if not m:
        return None, ""
    hour, minute = _clock(m.group("t"))
    day_word = m.group("day") or m.group("day2")
    if day_word == "tonight" and hour < 12:
        hour += 12
    day = cal.today + timedelta(days=1) if day_word == "tomorrow" else cal.today
    moment = cal.at(day, hour, minute)
    if moment <= cal.now:
        if day_word in {"today", "tonight"}:
            raise ValueError(f"{m.group(0)} has already passed")
        moment = cal.at(day + timedelta(days=1), hour, minute)
    return moment, m.group(0)


def future_period(text: str, *, now: datetime, zone: ZoneInfo) -> Period:
    """The future span a forecast question is about: "tomorrow", "next week" (Monday to Sunday),
    "the next N days" (whole local days from tomorrow), "next month", "the rest of the month";
    anything else means the next 7 days from tomorrow."""
    cal = Calendar(zone, now)
    tomorrow = cal.today + timedelta(days=1)

    def span(first: date, last: date, label: str, kind: str) -> Period:
        return Period(
            cal.at(first), cal.at(last + timedelta(days=1)), label, kind, full_end=cal.at(last + timedelta(days=1))
        )

    if re.search(r"\btomorrow\b", text):
        return span(tomorrow, tomorrow, "tomorrow", "day")
    if re.search(r"\bnext week\b", text):
        monday = cal.today + timedelta(days=7 - cal.today.weekday())
        return span(monday, monday + timedelta(days=6), "next week", "week")
    if re.search(r"\bnext month\b", text):
        first = add_months(cal.today, 1)
        return span(first, add_months(first, 1) - timedelta(days=1), f"next month ({first:%B %Y})", "month")
    if re.search(r"\b(?:rest|end) of (?:the |this )?month\b", text):
        last = add_months(cal.today, 1) - timedelta(days=1)
        return span(tomorrow, last, "the rest of the month", "days")
    m = re.search(rf"\bnext\s+(?P<n>{_NUM})\s+days?\b", text)
    count = min(_number(m.group("n")), 30) if m else 7
    return span(tomorrow, tomorrow + timedelta(days=count - 1), f"the next {count} days", "days")

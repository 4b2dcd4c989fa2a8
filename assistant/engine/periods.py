"""Periods from words: "yesterday", "last week", "between 1 and 7 October", "yesterday between 6 pm and 10 pm".

Rules, stated once (the README's Assistant section repeats them):

* Every period is half-open ``[start, end)`` in aware UTC, built from the home's local calendar
  (``zone``), so a daylight-saving day has 23 or 25 hours and "yesterday" is the home's yesterday.
* Questions lean to the past: "on Monday" is the latest Monday up to today, "in October" the
  latest October that has begun, "3 November" without a year the latest one not in the future.
  Commands lean to the future ("at 11 pm" is the next 23:00; see moments.py).
* A period never runs past ``now`` (the question's ``as_of``): "this month" is the month so far
  and ``to_date`` says so. A period that starts after ``now`` is refused (``future``).
* "the last N days" is the N whole local days before today (today is not included);
  "the last N hours" is the N × 60 minutes up to now; "the last N weeks" is 7 × N whole days
  before today. Weeks run Monday to Sunday. Night is 22:00–06:00, morning 06:00–12:00,
  afternoon 12:00–18:00, evening 18:00–22:00. "this time last year" is the same local day a
  year ago.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_ALIASES = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5}
_WEEKDAY_ALIASES.update({"sun": 6, **{name: index for index, name in enumerate(WEEKDAYS)}})
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ALIASES = {name: index + 1 for index, name in enumerate(MONTHS)}
_MONTH_ALIASES.update({name[:3]: index + 1 for index, name in enumerate(MONTHS)})
_MONTH_ALIASES["sept"] = 9
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
}
# Chat spellings people type ("kwh last wk", "yday"): replaced before any rule reads the text.
ABBREVIATIONS = {
    "wk": "week",
    "wks": "weeks",
    "yday": "yesterday",
    "yest": "yesterday",
    "yesterdy": "yesterday",
    "ytd": "this year",
    "mtd": "this month",
    "tdy": "today",
    "2day": "today",
    "mth": "month",
    "mths": "months",
    "mo": "month",
    "hrs": "hours",
    "hr": "hour",
    "avg": "average",
    "b/w": "between",
    "lst": "last",
    "b4": "before",
    "mornin": "morning",
    "nite": "night",
    "yr": "year",
    "yrs": "years",
    "mnth": "month",
    "rn": "right now",
    "pls": "please",
    "wat": "what",
    "wot": "what",
    "wots": "what is",
    "fortnight": "2 weeks",
    "overnight": "last night",
}
PARTS_OF_DAY = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 22), "night": (22, 30)}
MAX_HOURS = 24 * 400

_WD = r"(?:" + "|".join(sorted(_WEEKDAY_ALIASES, key=len, reverse=True)) + r")"
# "may" only counts as a month next to a day number or after "in" (it is also a verb).
_MO = r"(?:" + "|".join(sorted(_MONTH_ALIASES, key=len, reverse=True)) + r")"
_NUM = r"(?:\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_ORD = r"(?:\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?:19|20)\d{2}"
_TIME = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midnight)"
_DATE = (
    rf"(?:(?:the\s+)?{_ORD}\s+(?:of\s+)?{_MO}(?:,?\s+{_YEAR})?"
    rf"|{_MO}\s+(?:the\s+)?{_ORD}(?:,?\s+{_YEAR})?"
    r"|\d{4}-\d{2}-\d{2})"
)
_DAYWORD = (
    rf"(?:the\s+day\s+before\s+yesterday|yesterday|today|(?:on\s+|last\s+|this\s+past\s+)?{_WD}\b|(?:on\s+)?{_DATE})"
)


@dataclass(frozen=True)
class Period:
    """A resolved period: aware UTC ``[start, end)``, what it was called, and its kind.

    ``kind`` is "day", "week", "month", "year", "days" (several whole days), "hours", or
    "span" (part of a day, a time range); it decides what "the one before" means. ``to_date``
    is True when the period was cut at ``now``; ``full_end`` is where it would have ended.
    """

    start: datetime
    end: datetime
    label: str
    kind: str
    to_date: bool = False
    full_end: datetime | None = None

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class PeriodMatch:
    """A period found in a question, and where (``span`` is the character range in the normalised text)."""

    period: Period | None
    span: tuple[int, int]
    text: str
    error: str = ""


class Calendar:
    """The home's local calendar at one instant: turns local days and clock times into UTC instants."""

    def __init__(self, zone: ZoneInfo, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be aware")
        self.zone = zone
        self.now = now.astimezone(UTC)
        self.local_now = now.astimezone(zone)
        self.today = self.local_now.date()

    def at(self, day: date, hour: int = 0, minute: int = 0) -> datetime:
        """The UTC instant of local ``day`` at ``hour:minute`` (hour 24+ rolls into the next days)."""
        extra, hour = divmod(hour, 24)
        local = datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=self.zone)
        return local.astimezone(UTC)

    def days(self, first: date, last: date, label: str, kind: str) -> Period:
        """Local days ``first``..``last`` inclusive, cut at now."""
        return self.period(self.at(first), self.at(last + timedelta(days=1)), label, kind)

    def period(self, start: datetime, end: datetime, label: str, kind: str) -> Period:
        if end > self.now:
            return Period(start, max(self.now, start), label, kind, to_date=True, full_end=end)
        return Period(start, end, label, kind, full_end=end)


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else NUMBER_WORDS[raw]


def _clock(raw: str, *, meridiem: str | None = None) -> tuple[int, int]:
    """(hour, minute) of "6 pm", "18:30", "noon"; ``meridiem`` borrowed from the other end of a range."""
    raw = raw.strip().replace(".", "")
    if raw == "noon":
        return 12, 0
    if raw == "midnight":
        return 0, 0
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", raw)
    if not match:
        raise ValueError(raw)
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3) or meridiem
    if hour > 24 or minute > 59:
        raise ValueError(raw)
    if suffix == "pm" and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    return hour, minute


def _meridiem(raw: str) -> str | None:
    found = re.search(r"(am|pm|a\.m\.|p\.m\.)", raw)
    return found.group(1).replace(".", "") if found else None


def parse_date(raw: str, cal: Calendar, *, default_month: int | None = None, future: bool = False) -> date:
    """A calendar date from "3 November", "November 3rd, 2025", "the 3rd of nov", "2026-11-03", or a bare
    day number with ``default_month``. Without a year: the latest such date not after today
    (``future``: the next one from today). ValueError when there is no such date."""
    raw = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return date.fromisoformat(raw)
    year_match = re.search(rf"\b({_YEAR})\b", raw)
    year = int(year_match.group(1)) if year_match else None
    rest = raw[: year_match.start()] if year_match else raw
    day_match = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest)
    month_match = re.search(rf"\b({_MO})\b", rest)
    if not day_match:
        raise ValueError(raw)
    day = int(day_match.group(1))
    month = _MONTH_ALIASES[month_match.group(1)] if month_match else default_month
    if month is None:
        raise ValueError(raw)
    if year is not None:
        return date(year, month, day)
    candidate = date(cal.today.year, month, day)
    if future and candidate < cal.today:
        return date(cal.today.year + 1, month, day)
    if not future and candidate > cal.today:
        return date(cal.today.year - 1, month, day)
    return candidate


def _weekday(raw: str, cal: Calendar, *, strictly_before: bool) -> date:
    name = re.search(_WD, raw).group(0)
    target = _WEEKDAY_ALIASES[name]
    back = (cal.today.weekday() - target) % 7
    if back == 0 and strictly_before:
        back = 7
    return cal.today - timedelta(days=back)


def day_of(raw: str, cal: Calendar) -> tuple[date, str]:
    """The local date a day word names ("today", "last saturday", "on 3 november") and its label."""
    raw = raw.strip()
    if raw == "today":
        return cal.today, "today"
    if raw == "yesterday":
        return cal.today - timedelta(days=1), "yesterday"
    if raw.startswith("the day before yesterday"):
        return cal.today - timedelta(days=2), "the day before yesterday"
    if re.fullmatch(rf"(?:on\s+|last\s+|this\s+past\s+)?{_WD}", raw):
        day = _weekday(raw, cal, strictly_before=raw.startswith(("last", "this past")))
        return day, f"{day:%A}"
    day = parse_date(re.sub(r"^on\s+", "", raw), cal)
    return day, f"{day:%-d %B %Y}"


def _day_period(raw: str, cal: Calendar) -> Period:
    day, label = day_of(raw, cal)
    return cal.days(day, day, label, "day")


def _with_hours(day: date, start_hm: tuple[int, int], end_hm: tuple[int, int], label: str, cal: Calendar) -> Period:
    start = cal.at(day, *start_hm)
    end_hour, end_minute = end_hm
    if (end_hour, end_minute) <= start_hm:  # "from 10 pm to 2 am" runs past midnight
        end_hour += 24
    return cal.period(start, cal.at(day, end_hour, end_minute), label, "span")


def _h_time_range(m: re.Match, cal: Calendar) -> Period:
    day, label = day_of(m.group("day"), cal)
    first, second = m.group("t1"), m.group("t2")
    end_hm = _clock(second)
    start_hm = _clock(first, meridiem=None if _meridiem(first) else _meridiem(second))
    text = f"{label} between {start_hm[0]:02d}:{start_hm[1]:02d} and {end_hm[0]:02d}:{end_hm[1]:02d}"
    return _with_hours(day, start_hm, end_hm, text, cal)


def _h_day_part(m: re.Match, cal: Calendar) -> Period:
    day, label = day_of(m.group("day"), cal)
    part = m.group("part")
    begin, finish = PARTS_OF_DAY[part]
    return cal.period(cal.at(day, begin), cal.at(day, finish), f"{label} {part}", "span")


def _h_part_word(m: re.Match, cal: Calendar) -> Period:
    word = m.group(0)
    if word in {"last night", "overnight"}:
        day = cal.today - timedelta(days=1)
        return cal.period(cal.at(day, 22), cal.at(day, 30), "last night", "span")
    part = "evening" if word == "tonight" else word.split()[-1]
    begin, finish = PARTS_OF_DAY[part]
    if word == "tonight":
        finish = 30
    return cal.period(cal.at(cal.today, begin), cal.at(cal.today, finish), word, "span")


def _h_day(m: re.Match, cal: Calendar) -> Period:
    return _day_period(m.group("day"), cal)


def _h_this_last(m: re.Match, cal: Calendar) -> Period:
    which, unit = m.group("which"), m.group("unit")
    back = 0 if which in {"this", "current"} else 2 if which == "before last" else 1
    if unit == "week":
        monday = cal.today - timedelta(days=cal.today.weekday() + 7 * back)
        label = {0: "this week", 1: "last week", 2: "the week before last"}[back]
        return cal.days(monday, monday + timedelta(days=6), label, "week")
    if unit == "weekend":
        saturday = cal.today - timedelta(days=cal.today.weekday() + 7 * back) + timedelta(days=5)
        return cal.days(saturday, saturday + timedelta(days=1), f"{'this' if not back else 'last'} weekend", "days")
    if unit == "month":
        first = add_months(cal.today, -back)
        label = {0: "this month", 1: "last month", 2: "the month before last"}[back]
        return cal.days(first, add_months(first, 1) - timedelta(days=1), f"{label} ({first:%B %Y})", "month")
    year = cal.today.year - back
    label = {0: "this year", 1: "last year", 2: "the year before last"}[back]
    return cal.days(date(year, 1, 1), date(year, 12, 31), f"{label} ({year})", "year")


def _h_last_n(m: re.Match, cal: Calendar) -> Period:
    count = _number(m.group("n")) if m.group("n") else 1
    unit = m.group("unit").rstrip("s")
    if count <= 0:
        raise ValueError("a period of zero length")
    if unit == "hour":
        count = min(count, MAX_HOURS)
        label = "the last hour" if count == 1 else f"the last {count} hours"
        return cal.period(cal.now - timedelta(hours=count), cal.now, label, "hours")
    if unit == "month":
        first = add_months(cal.today, -count)
        last = cal.today.replace(day=1) - timedelta(days=1)
        return cal.days(first, last, f"the last {count} whole months", "days")
    days = count * 7 if unit == "week" else count
    first, last = cal.today - timedelta(days=days), cal.today - timedelta(days=1)
    label = f"the last {count} {unit}{'s' if count != 1 else ''} (whole days, today not included)"
    return cal.days(first, last, label, "days")


def _h_range(m: re.Match, cal: Calendar) -> Period:
    second = parse_date(m.group("b"), cal)
    first = parse_date(m.group("a"), cal, default_month=second.month)
    if not re.search(_YEAR, m.group("a")) and first > second:
        first = first.replace(year=first.year - 1)
    if first > second:
        first, second = second, first
    return cal.days(first, second, f"{first:%-d %B %Y} to {second:%-d %B %Y}", "days")


def _h_month(m: re.Match, cal: Calendar) -> Period:
    month = _MONTH_ALIASES[m.group("month")]
    year = int(m.group("year")) if m.group("year") else None
    if year is None:
        year = cal.today.year if month <= cal.today.month else cal.today.year - 1
        if m.group("last") and month == cal.today.month:
            year -= 1
    first = date(year, month, 1)
    return cal.days(first, add_months(first, 1) - timedelta(days=1), f"{first:%B %Y}", "month")


def _h_year(m: re.Match, cal: Calendar) -> Period:
    year = int(m.group("year"))
    return cal.days(date(year, 1, 1), date(year, 12, 31), str(year), "year")


def _h_time_last_year(m: re.Match, cal: Calendar) -> Period:
    try:
        day = cal.today.replace(year=cal.today.year - 1)
    except ValueError:  # 29 February
        day = cal.today.replace(year=cal.today.year - 1, day=28)
    return cal.days(day, day, f"this time last year ({day:%-d %B %Y})", "day")


def _h_since(m: re.Match, cal: Calendar) -> Period:
    day, label = day_of(m.group("day"), cal)
    return cal.period(cal.at(day), cal.now, f"since {label}", "days")


# (pattern, handler): earlier and longer matches win; see find_periods.
_PATTERNS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"(?:\bthis time last year\b|\bsame day last year\b)"), _h_time_last_year),
    (
        re.compile(
            rf"\b(?P<day>{_DAYWORD})\s+(?:between|from)\s+(?P<t1>{_TIME})\s+(?:and|to|until|till|-)\s+(?P<t2>{_TIME})"
        ),
        _h_time_range,
    ),
    (
        re.compile(
            rf"\b(?:between|from)\s+(?P<t1>{_TIME})\s+(?:and|to|until|till|-)\s+(?P<t2>{_TIME})\s+(?P<day>{_DAYWORD})"
        ),
        _h_time_range,
    ),
    (re.compile(rf"\b(?P<day>{_DAYWORD})\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night)\b"), _h_day_part),
    (re.compile(r"\b(?:this morning|this afternoon|this evening|tonight|last night|overnight)\b"), _h_part_word),
    (
        re.compile(
            rf"\b(?:between|from)\s+(?P<a>{_DATE}|{_ORD}|the\s+{_ORD})\s+(?:and|to|until|till|-)\s+(?P<b>{_DATE})"
        ),
        _h_range,
    ),
    (re.compile(r"\bsince\s+(?P<day>" + _DAYWORD + r")"), _h_since),
    (
        re.compile(r"\b(?:so\s+far\s+)?(?P<which>this|current)\s+(?P<unit>week|weekend|month|year)\b(?:\s+so\s+far)?"),
        _h_this_last,
    ),
    (re.compile(r"\b(?:the\s+)?(?P<unit>week|month|year)\s+(?P<which>before last)\b"), _h_this_last),
    (re.compile(r"\b(?P<which>last|previous|past)\s+(?P<unit>week|weekend|month|year)\b"), _h_this_last),
    (
        re.compile(
            rf"\b(?:in\s+|during\s+|over\s+|for\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>{_NUM})?\s*(?P<unit>hours?|days?|weeks?|months?)\b"
        ),
        _h_last_n,
    ),
    (
        re.compile(rf"\b(?:in|during|for|over)\s+(?P<last>last\s+)?(?P<month>{_MO})(?:\s+(?P<year>{_YEAR}))?\b"),
        _h_month,
    ),
    (re.compile(rf"\b(?P<last>last\s+)(?P<month>{_MO})(?:\s+(?P<year>{_YEAR}))?\b"), _h_month),
    (re.compile(rf"\b(?P<last>)(?P<month>(?!may\b){_MO})\s+(?P<year>{_YEAR})\b"), _h_month),
    (re.compile(rf"\b(?:in\s+)(?P<year>{_YEAR})\b"), _h_year),
    (re.compile(rf"\b(?P<day>{_DAYWORD})"), _h_day),
]


def normalise(text: str) -> str:
    """Lower case, dashes and punctuation simplified (what every engine module matches against)."""
    text = text.lower().replace("–", " - ").replace("—", " - ").replace("’", "'")
    text = re.sub(r"[?!;\"“”]", " ", text)
    for short, word in ABBREVIATIONS.items():
        text = re.sub(rf"\b{short}\b", word, text)
    text = re.sub(r"(?<!\d)[.,](?!\d)", " ", text)
    text = re.sub(r"(?<!\bthe )\bday before yesterday\b", "the day before yesterday", text)
    return re.sub(r"\s+", " ", text).strip()


def find_periods(text: str, *, now: datetime, zone: ZoneInfo) -> list[PeriodMatch]:
    """Every period phrase in normalised ``text``, left to right, non-overlapping (longest first at
    a position). A phrase that names an impossible date ("31 February") comes back with ``error``."""
    cal = Calendar(zone, now)
    candidates = []
    for order, (pattern, handler) in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            if m.end() > m.start():
                candidates.append((m.start(), -(m.end() - m.start()), order, m, handler))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    chosen: list[PeriodMatch] = []
    taken_until = -1
    for start, _neg_len, _order, m, handler in candidates:
        if start < taken_until:
            continue
        try:
            period = handler(m, cal)
            error = ""
            if period.start >= cal.now:
                period, error = None, f"“{m.group(0)}” has not begun yet"
        except (ValueError, KeyError, OverflowError):
            period, error = None, f"“{m.group(0)}” is not a date I can place"
        chosen.append(PeriodMatch(period=period, span=(m.start(), m.end()), text=m.group(0), error=error))
        taken_until = m.end()
    return chosen


def default_period(*, now: datetime, zone: ZoneInfo) -> Period:
    """Today so far: what a question without a period is about."""
    cal = Calendar(zone, now)
    return cal.days(cal.today, cal.today, "today", "day")


def previous_of(period: Period, *, now: datetime, zone: ZoneInfo) -> Period:
    """The period just before ``period`` of the same kind: the calendar month/year/week before, the
    same number of days before, or the same clock span one day earlier. A running period's
    predecessor is cut to the same elapsed time ("this month so far" vs "last month to the same point")."""
    cal = Calendar(zone, now)
    first = period.start.astimezone(zone).date()
    if period.kind == "month":
        prev_first = add_months(first, -1)
        result = cal.days(prev_first, first - timedelta(days=1), f"{prev_first:%B %Y}", "month")
    elif period.kind == "year":
        result = cal.days(date(first.year - 1, 1, 1), date(first.year - 1, 12, 31), str(first.year - 1), "year")
    elif period.kind in {"day", "week", "days"}:
        full_end = (period.full_end or period.end).astimezone(zone).date()
        length = max((full_end - first).days, 1)
        prev_first = first - timedelta(days=length)
        label = {"day": f"{prev_first:%A %-d %B}", "week": f"the week of {prev_first:%-d %B}"}.get(
            period.kind, f"{prev_first:%-d %B} to {first - timedelta(days=1):%-d %B %Y}"
        )
        result = cal.days(prev_first, first - timedelta(days=1), label, period.kind)
    elif period.kind == "hours":
        length = period.end - period.start
        result = cal.period(period.start - length, period.start, f"the {length} before", "hours")
    else:  # a clock span: the same local clock times one day earlier
        local_start, local_end = period.start.astimezone(zone), (period.full_end or period.end).astimezone(zone)
        day = local_start.date() - timedelta(days=1)
        hours_end = local_end.hour + 24 * (local_end.date() - local_start.date()).days
        result = cal.period(
            cal.at(day, local_start.hour, local_start.minute),
            cal.at(day, hours_end, local_end.minute),
            "the day before, same hours",
            "span",
        )
    if period.to_date and not result.to_date:
        elapsed = period.end - period.start
        return replace(
            result, end=min(result.end, result.start + elapsed), to_date=True, label=result.label + " (same point)"
        )
    return result


def describe(period: Period, zone: ZoneInfo) -> str:
    """People's words for the exact period: "yesterday (Mon 30 Nov 2026, 00:00 – Tue 1 Dec 00:00, Europe/Berlin)"."""
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    end_text = "now" if period.to_date else f"{end:%a %-d %b %H:%M}"
    return f"{period.label} ({start:%a %-d %b %Y %H:%M} – {end_text}, {zone.key})"

"""Question -> plan: which measure, about what (scope), over which period(s), with which options.

Intents are ordered rules over the normalised question (the first that fits wins), in the
spirit of hassil's templates: each rule names the words that signal it. Slots come from the
home's catalogue (entities.py) and the period resolver (periods.py). A question without an
intent word that names a period or a device is a follow-up of the previous plan ("and the week
before?", "what about the kitchen?"). Nothing here reads the database or computes a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.engine import fallback
from assistant.engine.entities import HOME, Catalogue, Mention, Scope, device_choices, find_mentions
from assistant.engine.moments import future_period, resolve_moment
from assistant.engine.periods import Period, find_periods, normalise, previous_of

MAX_QUESTION_CHARS = 2000

# (intent, pattern) in order of precedence.
RULES: list[tuple[str, re.Pattern]] = [
    (
        "command",
        re.compile(
            r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:turn|switch|power|set|put|start|stop|pause|resume|charge)\b"
            r"|\b(?:turn|switch)\s+(?:on|off)\b|\b(?:turn|switch)\b.*\b(?:on|off)\b(?:\s+at\b.*)?$"
        ),
    ),
    (
        "out_of_scope",
        re.compile(
            r"\bgas\b|(?<!hot )\bwater\s+(?:usage|use|consumption|bill|meter)\b|\bhow much water\b"
            r"|\bweather\b|\bpetrol\b|\bdiesel\b|\bstock\b|\bjoke\b|\brecipe\b|\bnews\b|\bfootball\b"
            r"|\bignore (?:all |previous |the )"
        ),
    ),
    ("help", re.compile(r"^(?:hi|hello|hey|help|what can you do|what can i ask)\b")),
    ("alerts", re.compile(r"\balerts?\b|\balarms?\b|\bwarnings?\b")),
    (
        "forecast",
        re.compile(
            r"\bforecast|\bpredict|\bprojec(?:ted|tion)\b|\bwill (?:i|we|it)\b|\bend of (?:the )?month\b"
            r"|\bwhat will\b|\bgoing to cost\b|\bnext (?:week|month|\d+ days|few days)\b|\btomorrow\b|\bexpected\b"
        ),
    ),
    ("why", re.compile(r"^(?:and\s+)?why\b|\bexplain\b|\bhow (?:was|is) (?:this|that) computed\b")),
    (
        "base_load",
        re.compile(
            r"\bbase ?load\b|\bbaseline\b|\bstandby\b|\bstand-by\b|\bidle\b|\balways[- ]on\b|\bbackground\b|\bphantom\b"
            r"|\bvampire\b|\bminimum (?:load|power|draw)\b"
        ),
    ),
    (
        "extreme",
        re.compile(
            r"\b(?:which|what) (?:day|hour)\b|\b(?:highest|biggest|busiest|worst|heaviest|lowest|quietest|least|"
            r"best|cheapest|most expensive|peak) (?:\w+ )?(?:day|hour)\b"
            r"|\b(?:day|hour) with the (?:most|least|highest|lowest)\b"
        ),
    ),
    (
        "peak",
        re.compile(
            r"\bpeak\b|\bmax(?:imum)? (?:power|load|draw|demand|watts?)\b|\bhighest (?:power|load|draw|demand)\b"
            r"|\bmost power at once\b"
        ),
    ),
    (
        "average_per_day",
        re.compile(
            r"\b(?:average|avg|mean|typical) (?:per )?(?:day|daily)\b|\bper day\b|\ba day on average\b"
            r"|\bdaily average\b|\baverage daily\b|\beach day on average\b"
        ),
    ),
    ("average_power", re.compile(r"\b(?:average|avg|mean) (?:power|load|draw|watts?|demand)\b")),
    ("share", re.compile(r"\bshare\b|\bpercent(?:age)?\b|%|\bwhat (?:part|fraction|proportion)\b|\bhow much of\b")),
    (
        "compare",
        re.compile(
            r"\bcompare|\bcompared?\b|\bvs\b|\bversus\b|\bdifference\b|\b(?:more|less)\b.*\bthan\b|\bagainst\b"
            r"|\bstack up\b|\brelative to\b"
        ),
    ),
    (
        "ranking",
        re.compile(
            r"\bwhich (?:device|appliance|room|type|thing)s?\b|\bwhat (?:device|appliance|room)s?\b|\btop\b"
            r"|\b(?:used|uses|use|using|consumed?|costs?|costed|draws?) (?:the )?most\b|\bbiggest\b|\blargest\b"
            r"|\bhungriest\b|\brank|\bbreakdown\b|\bby (?:device|room|type)\b|\bapart from\b|\bexcept\b|\bbesides\b"
            r"|\bother than\b|\bmost (?:energy|electricity|power)\b"
        ),
    ),
    (
        "status",
        re.compile(
            r"\bstatus\b|\blast seen\b|\bonline\b|\boffline\b|\bconnected\b"
            r"|^is (?:the |my )?.+ (?:on|off|running|working|charging)$"
        ),
    ),
    (
        "current_power",
        re.compile(r"\bright now\b|\bcurrently\b|\bat the moment\b|\bcurrent (?:power|load|draw)\b|\bnow\b"),
    ),
    (
        "energy",
        re.compile(
            r"\bhow much\b|\bkwh\b|\buse[ds]?\b|\busing\b|\busage\b|\bconsum|\benergy\b|\belectricity\b|\bpower\b"
            r"|\bdraw\b|\btotal\b|\bcost|\bspen[dt]\b|\bpa(?:y|id)\b|\bbill\b"
        ),
    ),
]
COST_WORDS = re.compile(
    r"\bcost|\bspen[dt]\b|\bpa(?:y|id)\b|\bbill\b|\bprice\b|\bexpensive\b|\bcheapest\b|\bmoney\b|€|\$|£|\beuros?\b"
)
FOLLOW_UP = re.compile(r"^(?:and|what about|how about|same for|and for|and what about|and in|and on|now)\b")
RELATIVE = re.compile(r"\bthe (?P<unit>day|week|month|year|period|one) before\b|\bthe previous (?:one|period)\b")
EXCLUDE = re.compile(r"\b(?:apart from|except(?: for)?|besides|other than|not counting|excluding|without)\b")
NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# Words that may follow "the"/"my" without naming a device.
_NOT_DEVICE_TEXT = (
    "most total house home whole week month year day night morning evening afternoon weekend hour time "
    "same previous last first rest difference one other bill cost price average peak share base energy "
    "electricity power consumption usage use period kitchen devices device appliances figures answer "
    "chart highest lowest biggest top standby load grid solar battery best worst cheapest max maximum min "
    "minimum baseline peak consumers"
)
NOT_DEVICE_NOUNS = frozenset(_NOT_DEVICE_TEXT.split())


@dataclass(frozen=True)
class Command:
    """A command the user asked for: type and payload as devices.services.send_command takes them,
    and when (None: now)."""

    command_type: str
    payload: dict
    at: datetime | None = None
    description: str = ""


@dataclass(frozen=True)
class Plan:
    """What to compute. ``kind`` is "plan" (run it), "clarify" (ask back), or "declined".

    ``intent``: energy, cost-as-measure via ``measure``, ranking, compare, peak, base_load,
    average_power, average_per_day, extreme, share, current_power, status, forecast, alerts,
    why, help, command. ``periods`` has one period, or two for a comparison of periods.
    """

    kind: str
    intent: str
    measure: str = "energy"  # or "cost"
    scope: Scope = HOME
    scopes: tuple[Scope, ...] = ()  # a comparison of devices / rooms
    periods: tuple[Period, ...] = ()
    options: dict = field(default_factory=dict)
    command: Command | None = None
    message: str = ""  # what to say for clarify / declined
    choices: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "measure": self.measure,
            "scope": self.scope.as_dict(),
            "scopes": [s.as_dict() for s in self.scopes],
            "periods": [_period_dict(p) for p in self.periods],
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        return cls(
            kind="plan",
            intent=data["intent"],
            measure=data.get("measure", "energy"),
            scope=Scope.from_dict(data["scope"]),
            scopes=tuple(Scope.from_dict(s) for s in data.get("scopes", ())),
            periods=tuple(_period_from(p) for p in data.get("periods", ())),
            options=data.get("options", {}),
        )


def _period_dict(p: Period) -> dict:
    return {
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "label": p.label,
        "kind": p.kind,
        "to_date": p.to_date,
        "full_end": (p.full_end or p.end).isoformat(),
    }


def _period_from(d: dict) -> Period:
    return Period(
        start=datetime.fromisoformat(d["start"]),
        end=datetime.fromisoformat(d["end"]),
        label=d["label"],
        kind=d["kind"],
        to_date=d.get("to_date", False),
        full_end=datetime.fromisoformat(d["full_end"]),
    )


def detect_intent(text: str) -> str | None:
    """The first rule that fits normalised ``text``, or None."""
    for intent, pattern in RULES:
        if pattern.search(text):
            return intent
    return None


OUT_OF_SCOPE = (
    "I only know this home's electricity: energy, power, costs and device status. "
    "Gas, water and anything outside the home's energy I can't answer."
)


def _two_readings(guess: fallback.Guess, mentions: list[Mention], period_texts: list[str]) -> Plan:
    """Ask back when the paraphrase fallback finds two intents too close to choose between."""
    what = mentions[0].choices[0].label if mentions and not mentions[0].ambiguous else "the home"
    what = what if what.lower().startswith(("the ", "all ")) else f"the {what}"
    when = f" {period_texts[0]}" if period_texts else ""
    readings = tuple(fallback.READINGS[i].format(what=what) + when + "?" for i in (guess.intent, guess.second))
    return Plan(
        kind="clarify",
        intent="clarify",
        message=f"I'm not sure what you mean. Do you mean “{readings[0]}” or “{readings[1]}”?",
        choices=readings,
        options={"fallback": [list(s) for s in guess.scores]},
    )


def _declined(message: str, intent: str = "declined") -> Plan:
    return Plan(kind="declined", intent=intent, message=message)


def _strip(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def plan_question(
    question: str, *, catalogue: Catalogue, now: datetime, zone: ZoneInfo, previous: Plan | None = None
) -> Plan:
    """The plan for ``question`` (see module docstring); ``previous`` is the conversation's last plan."""
    question = (question or "").strip()
    if not question:
        return _declined("Ask me something about this home's electricity, for example “how much did we use today?”")
    if len(question) > MAX_QUESTION_CHARS:
        return _declined(f"That question is longer than {MAX_QUESTION_CHARS} characters; please shorten it.")
    text = normalise(question)
    matches = find_periods(text, now=now, zone=zone)
    for match in matches:
        if match.error:
            return _declined(f"I can't answer for that period: {match.error}.")
    periods = [m.period for m in matches if m.period is not None]
    without_periods = _strip(text, [m.span for m in matches])
    intent = detect_intent(text)
    mentions = find_mentions(without_periods, catalogue)
    measure = "cost" if COST_WORDS.search(text) else "energy"

    if intent == "command":
        return _command_plan(text, mentions, catalogue, now=now, zone=zone)
    if intent == "out_of_scope":
        return _declined(OUT_OF_SCOPE, "out_of_scope")
    if intent in {"help", "alerts"}:
        return Plan(kind="plan", intent=intent)
    if intent == "forecast":
        clarify = _ambiguous(mentions, catalogue, text)
        if clarify:
            return clarify
        scope = mentions[0].choices[0] if mentions else HOME
        if measure == "cost":
            return Plan(kind="plan", intent="forecast", measure="cost", scope=scope, periods=tuple(periods[:1]))
        ahead = future_period(text, now=now, zone=zone)
        return Plan(kind="plan", intent="forecast", scope=scope, periods=(ahead,), options={"future": True})

    follow_up = previous is not None and (
        intent in {None, "why"} or FOLLOW_UP.search(text) or (RELATIVE.search(text) and intent == "energy")
    )
    if follow_up and intent != "why":
        return _follow_up(previous, text, periods, mentions, catalogue, now=now, zone=zone, measure=measure)
    if intent == "why":
        if previous is None:
            return _declined("Ask a question first; then I can say how its answer came about.")
        return replace(previous, kind="plan", intent="why", options={**previous.options, "of": previous.intent})
    guessed = intent is None
    if intent is None:
        guess = fallback.classify(without_periods, catalogue)
        if guess.kind == "intent" and guess.intent == "out_of_scope":
            return _declined(OUT_OF_SCOPE, "out_of_scope")
        if guess.kind == "intent":
            intent = guess.intent
        elif guess.kind == "close":
            return _two_readings(guess, mentions, [text[m.span[0] : m.span[1]] for m in matches if m.period])
    if intent is None:
        if not mentions and not periods:
            return _declined(
                "I didn't understand that. I answer questions about this home's electricity use, costs, "
                "power and devices, for example “which device used most yesterday?”",
                "unknown",
            )
        intent = "energy"

    unknown = _unknown_device(without_periods, mentions, fallback.vocabulary() if guessed else frozenset())
    excluded, mentions = _excluded(without_periods, mentions)
    if unknown:
        return _declined(
            f"This home has no device called “{unknown}”. Its devices are: {', '.join(catalogue.names())}.", intent
        )
    clarify = _ambiguous(mentions, catalogue, text)
    if clarify:
        return clarify
    scopes = [m.choices[0] for m in mentions]
    options: dict = {}
    if excluded:
        options["exclude"] = sorted({i for s in excluded for i in s.devices})
        options["exclude_label"] = ", ".join(s.label for s in excluded)
    if intent == "ranking":
        options["by"] = (
            "room" if re.search(r"\brooms?\b", text) else "type" if re.search(r"\btypes?\b", text) else "device"
        )
        top = re.search(r"\btop\s*(\d+|" + "|".join(NUMBER) + r")\b", text)
        options["top"] = (int(top.group(1)) if top.group(1).isdigit() else NUMBER[top.group(1)]) if top else None
    if intent == "extreme":
        options["unit"] = "hour" if re.search(r"\bhours?\b", text) else "day"
        options["lowest"] = bool(re.search(r"\b(?:lowest|quietest|least|best|cheapest|min)\b", text))
    if intent == "compare":
        if len(scopes) >= 2 and len(periods) <= 1:
            return Plan(
                kind="plan", intent="compare", measure=measure, scopes=tuple(scopes), periods=tuple(periods[:1])
            )
        if len(periods) == 1:
            periods.append(previous_of(periods[0], now=now, zone=zone))
        if not periods:
            return _declined("Compare what with what? Name two periods (“this month with last month”) or two devices.")
    scope = scopes[0] if scopes else HOME
    return Plan(kind="plan", intent=intent, measure=measure, scope=scope, periods=tuple(periods[:2]), options=options)


def _follow_up(previous, text, periods, mentions, catalogue, *, now, zone, measure) -> Plan:
    clarify = _ambiguous(mentions, catalogue, text)
    if clarify:
        return clarify
    plan = replace(previous, kind="plan")
    if RELATIVE.search(text) and previous.periods:
        plan = replace(plan, periods=(previous_of(previous.periods[0], now=now, zone=zone),))
    elif periods:
        plan = replace(plan, periods=tuple(periods[:2]) if previous.intent == "compare" else (periods[0],))
    if mentions:
        plan = replace(plan, scope=mentions[0].choices[0], scopes=())
        if previous.intent == "compare" and len(previous.periods) < 2:
            plan = replace(plan, intent="energy")
    if COST_WORDS.search(text):
        plan = replace(plan, measure="cost")
    elif re.search(r"\b(?:energy|kwh|use|used|usage)\b", text):
        plan = replace(plan, measure="energy")
    if plan.intent == "compare" and len(plan.periods) == 1:
        plan = replace(plan, periods=(plan.periods[0], previous_of(plan.periods[0], now=now, zone=zone)))
    return plan


def _excluded(text: str, mentions: list[Mention]) -> tuple[list[Scope], list[Mention]]:
    """Mentions after "apart from" / "except" are exclusions, not the subject."""
    marker = EXCLUDE.search(text)
    if not marker:
        return [], mentions
    words_before = len(text[: marker.end()].split())
    excluded = [m.choices[0] for m in mentions if m.start >= words_before - 0 and not m.ambiguous]
    kept = [m for m in mentions if m.start < words_before]
    return excluded, kept


def _unknown_device(text: str, mentions: list[Mention], known: frozenset[str] = frozenset()) -> str | None:
    """A "the <word>" / "my <word>" that names no device, room or type of the home (None when all fit);
    ``known`` are more words that name no device (the fallback's vocabulary when it chose the intent)."""
    if mentions:
        return None
    for m in re.finditer(r"\b(?:the|my|our)\s+([a-z][a-z-]{1,30})\b", text):
        word = m.group(1)
        if word in known:
            continue
        if word.rstrip("s") not in NOT_DEVICE_NOUNS and word not in NOT_DEVICE_NOUNS:
            return word
    return None


def _singular_type(mention: Mention, text: str) -> bool:
    """ "the AC" (one of several air conditioners) rather than "the ACs" / "all air conditioners"."""
    if mention.choices[0].kind != "type" or len(mention.choices) != 1:
        return False
    last = re.escape(mention.text.split()[-1])
    plural = re.search(rf"\b{last}(?:s|es)\b|\ball\b|\bevery\b|\bboth\b", text)
    return plural is None


def _ambiguous(mentions: list[Mention], catalogue: Catalogue, text: str = "") -> Plan | None:
    for mention in mentions:
        if mention.ambiguous or (text and _singular_type(mention, text)):
            names = [s.label for s in device_choices(mention, catalogue)]
            return Plan(
                kind="clarify",
                intent="clarify",
                message=f"“{mention.text}” fits several devices: {', '.join(names)}. Which one do you mean?",
                choices=tuple(names),
                options={"mention": mention.text},
            )
    return None


# --- commands --------------------------------------------------------------------------------

MODES = r"(eco|comfort|away|auto|boost|heat|heating|cool|cooling|night|holiday|standby|normal|off-peak)"


def _command(text: str) -> Command | None:
    temperature = re.search(r"(-?\d+(?:\.\d+)?)\s*(?:degrees?|°\s*c?|celsius|c\b)", text)
    if temperature:
        value = float(temperature.group(1))
        return Command("set_temperature", {"temperature_c": value}, description=f"set {{device}} to {value:g} °C")
    limit = re.search(r"(\d{1,3})\s*(?:%|percent)", text)
    if limit and re.search(r"\blimit\b|\bcharge\b", text):
        value = int(limit.group(1))
        return Command(
            "set_charge_limit", {"limit_pct": value}, description=f"set the charge limit of {{device}} to {value} %"
        )
    mode = re.search(rf"\b{MODES}\s+mode\b|\bmode\s+(?:to\s+)?{MODES}\b", text)
    if mode:
        value = mode.group(1) or mode.group(2)
        return Command("set_mode", {"mode": value}, description=f"switch {{device}} to {value} mode")
    power = re.search(r"\b(?:turn|switch|power)\b(?:.*?)\b(on|off)\b", text)
    if power:
        on = power.group(1) == "on"
        return Command("set_power", {"on": on}, description=f"switch {{device}} {'on' if on else 'off'}")
    charging = re.search(r"\b(start|resume|stop|pause)\s+charging\b", text)
    if charging:
        on = charging.group(1) in {"start", "resume"}
        return Command("set_power", {"on": on}, description=f"{'start' if on else 'stop'} charging {{device}}")
    return None


def _command_plan(text: str, mentions: list[Mention], catalogue: Catalogue, *, now: datetime, zone: ZoneInfo) -> Plan:
    command = _command(text)
    if command is None:
        return _declined(
            "I can switch devices on or off, set a temperature, a mode or a charge limit, e.g. "
            "“turn off the EV charger at 11 pm”.",
            "command",
        )
    try:
        at, _matched = resolve_moment(text, now=now, zone=zone)
    except ValueError as exc:
        return _declined(f"I can't schedule that: {exc}.", "command")
    command = replace(command, at=at)
    clarify = _ambiguous(mentions, catalogue)
    if clarify:
        return clarify
    if not mentions:
        return _declined(f"Which device? This home has: {', '.join(catalogue.names())}.", "command")
    scope = mentions[0].choices[0]
    candidates = [catalogue.by_id(i) for i in scope.devices]
    able = [d for d in candidates if command.command_type in d.commands]
    if len(able) > 1:
        names = [d.name for d in able]
        return Plan(
            kind="clarify",
            intent="clarify",
            message=f"Several devices can do that: {', '.join(names)}. Which one do you mean?",
            choices=tuple(names),
            options={"mention": mentions[0].text},
        )
    if not able:
        what = candidates[0].name if len(candidates) == 1 else scope.label
        return _declined(f"{what} does not accept that command ({command.command_type}).", "command")
    device = able[0]
    target = Scope("device", device.name, (device.id,), str(device.id))
    return Plan(kind="plan", intent="command", scope=target, command=command)

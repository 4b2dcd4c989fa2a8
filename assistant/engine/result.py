"""What the engine answers: the Answer record and the rounding every answer uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assistant.engine.intents import Plan
from assistant.engine.periods import Period


@dataclass
class Answer:
    """What the engine says: ``kind`` answer | clarify | declined | confirm, the text, the exact
    period(s), figures, a plotly figure (or None), follow-up suggestions, and how it was computed."""

    kind: str
    text: str
    period: Period | None = None
    figures: list[dict] = field(default_factory=list)
    chart: dict | None = None
    suggestions: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    plan: Plan | None = None
    devices: list[int] = field(default_factory=list)


def kwh(wh: float) -> float:
    return round(wh / 1000, 3)


def money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))

"""Paraphrase fallback: which intent a question means when no rule of intents.py fits.

A small TF-IDF model in pure Python (no numpy/scipy/scikit-learn: the current wheels of scipy and
numpy need Python >= 3.12, this project runs 3.11, and ~60 MB of wheels for a few hundred training
sentences is not worth it). Features are word unigrams and bigrams plus character 3- to 5-grams inside
word boundaries (they carry typos: "consumtion" shares most 3-grams with "consumption"), weighted
with sublinear tf and smoothed idf, L2-normalised. The classifier is nearest centroid by cosine; the
cosines, scaled by ``SCALE``, go through a softmax to give one probability per intent.

Training sentences are generated from the per-intent example templates below (hassil-style test
sentences, written for this model and never taken from assistant/eval/cases.py) with their
``{device}`` / ``{room}`` / ``{type}`` slots filled from the home's catalogue. The model is built at
first use and cached per process per catalogue (deterministic: fixed order, no randomness).

``classify`` answers "intent" only when the top probability is at least ``THRESHOLD`` and beats the
second by ``MARGIN`` (``out_of_scope``, a decline, needs only ``OUT_OF_SCOPE_THRESHOLD``); "close"
when the top two are both plausible but too near to choose (the engine asks back with both
readings); otherwise "unsure" (the engine goes on as it did without the model: the default energy
question when a device or period is named, else it declines).
The class ``out_of_scope`` (weather, gas, water, anything outside the home's electricity) is
learnt too, so such questions are declined rather than forced into an energy intent.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from assistant.engine.entities import Catalogue, fold

THRESHOLD = 0.5  # the top intent's probability must reach this ...
MARGIN = 0.2  # ... and beat the second by this much, else no answer from the model
OUT_OF_SCOPE_THRESHOLD = 0.25  # declining is the safe side: out_of_scope needs less (same MARGIN)
CLOSE_FLOOR = 0.3  # both of the top two at least this (and within MARGIN): ask back with both
SCALE = 12.0  # softmax temperature over cosines (cosines lie in [0, 1])

# Example sentences per intent. Slots: {device} (a device name), {room}, {type} (a device type).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "energy": (
        "how many kilowatt hours did {device} eat",
        "what did {device} burn through",
        "how much juice did {device} take",
        "kilowatt hours for {device}",
        "what did we get through",
        "how heavy was {device} on the meter",
        "electric for {device}",
        "what did the {room} draw from the grid",
        "meter reading for {device}",
        "how many units did {device} go through",
        "what was our consumption",
        "how much did the house swallow",
        "what did {type} chew through",
    ),
    "ranking": (
        "which gadget hogged the most juice",
        "who is the greediest appliance",
        "what is eating all our electricity",
        "which thing in the house guzzles most",
        "list the appliances from hungriest to lightest",
        "who ate the most kilowatt hours",
        "worst offender for electricity",
        "which room burns the most",
        "the heaviest consumers in order",
        "what hogs the juice",
    ),
    "compare": (
        "is {device} hungrier than before",
        "did {device} go up or down",
        "{device} or the {room} who ate more",
        "how does {device} measure up to last time",
        "were we better or worse than the month before",
        "did we improve on the previous week",
        "up or down on last year",
        "side by side {device} and the rest",
    ),
    "peak": (
        "what was the spike in kw",
        "highest wattage of {device}",
        "the top wattage {device} hit",
        "maximum kw we pulled",
        "what was the biggest surge",
        "when did {device} spike",
        "largest instantaneous draw of {device}",
        "how many watts at the highest point",
    ),
    "base_load": (
        "what does the house pull when nothing is on",
        "what is the floor of our consumption",
        "power when everything is asleep",
        "how much trickles away when nothing runs",
        "what do we burn with everything switched off",
        "constant draw in the background of the house",
        "the watts that never go away",
        "what is running all the time even at night",
    ),
    "average_power": (
        "mean wattage of {device}",
        "typical wattage {device}",
        "average kw of {device}",
        "on average how many watts does {device} pull",
        "usual watts of the house",
        "average watts for the {room}",
    ),
    "average_per_day": (
        "what is a normal day like in kilowatt hours",
        "daily mean of {device}",
        "kilowatt hours on a typical day",
        "usual daily amount for {device}",
        "how much on an ordinary day",
        "per diem consumption of {device}",
        "each day roughly how much",
    ),
    "extreme": (
        "when was our heaviest date",
        "which date was the highest",
        "what date did we burn the most",
        "the worst 24 hours",
        "our calmest date",
        "on what date was {device} busiest",
        "the date with the biggest bill",
        "the single worst hour of the week",
    ),
    "share": (
        "what slice of everything is {device}",
        "what chunk of our consumption is {device}",
        "how big a piece is {device}",
        "portion of the house total that {device} takes",
        "{device} as a part of the whole",
        "what fraction goes to the {room}",
        "how much of the pie is {device}",
    ),
    "current_power": (
        "what is {device} pulling",
        "live wattage of {device}",
        "what's the draw this instant",
        "how many watts is the house pulling this second",
        "what are we drawing as we speak",
        "watts right this minute",
        "instant reading of {device}",
    ),
    "status": (
        "is {device} alive",
        "when did we last hear from {device}",
        "is {device} reporting",
        "has {device} dropped off",
        "is {device} still sending data",
        "did {device} go quiet",
        "health of {device}",
        "is {device} up",
    ),
    "alerts": (
        "anything wrong",
        "any problems with {device}",
        "any issues",
        "anything i should worry about",
        "is something broken",
        "has anything gone wrong in the house",
        "what needs my attention",
    ),
    "help": (
        "what are you able to answer",
        "what questions work",
        "how do i use you",
        "what sort of things do you know",
        "what are your skills",
        "give me some examples of questions",
    ),
    "out_of_scope": (
        "what is the weather",
        "what's the temperature outside",
        "will it rain",
        "how much gas did we burn",
        "how much water did we use",
        "tell me a story",
        "who won the match",
        "book a table for two",
        "what time is it in tokyo",
        "play some music",
        "translate hello into french",
        "what is the capital of france",
        "order a pizza",
        "how tall is mount everest",
        "what's on tv tonight",
        "set an alarm",
        "how are the markets doing",
        "write me a poem",
        "who made {device}",
        "how old is {device}",
        "what colour is {device}",
        "how tall is {device}",
        "tell me a joke about {device}",
        "play a song in the {room}",
    ),
}

# What a clarify offers per intent: a question the rules of intents.py answer ({what}: a scope label).
READINGS: dict[str, str] = {
    "energy": "how much energy did {what} use",
    "ranking": "which device used most",
    "compare": "compare {what} with the period before",
    "peak": "what was the peak power of {what}",
    "base_load": "what is the base load of {what}",
    "average_power": "what was the average power of {what}",
    "average_per_day": "how much did {what} use per day",
    "extreme": "which day had the highest use",
    "share": "what share of the total was {what}",
    "current_power": "how much power is {what} using right now",
    "status": "what is the status of {what}",
    "alerts": "any open alerts",
    "help": "what can you do",
}

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Guess:
    """The model's reading: ``kind`` "intent" (use ``intent``), "close" (``intent`` and ``second``
    both plausible) or "unsure"; ``scores`` are the top probabilities, best first."""

    kind: str
    intent: str | None
    second: str | None
    scores: tuple[tuple[str, float], ...]


def features(text: str) -> Counter:
    """Term counts of ``text`` (folded): words, word bigrams, char 3-5-grams of each padded word."""
    words = _WORD.findall(fold(text).lower())
    terms: Counter = Counter(f"w:{w}" for w in words)
    terms.update(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    for w in words:
        padded = f" {w} "
        for n in (3, 4, 5):
            terms.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return terms


@dataclass(frozen=True)
class Model:
    """idf per term and one L2-normalised centroid (term -> weight) per intent, in EXAMPLES order."""

    idf: dict[str, float]
    centroids: tuple[tuple[str, dict[str, float]], ...]

    def vector(self, terms: Counter) -> dict[str, float]:
        vec = {t: (1.0 + math.log(c)) * self.idf[t] for t, c in terms.items() if t in self.idf}
        return _normalised(vec)

    def probabilities(self, text: str) -> list[tuple[str, float]]:
        """(intent, probability) for every intent, best first (ties in EXAMPLES order)."""
        vec = self.vector(features(text))
        cosines = [(intent, sum(w * c.get(t, 0.0) for t, w in vec.items())) for intent, c in self.centroids]
        top = max(s for _i, s in cosines)
        exps = [(intent, math.exp(SCALE * (s - top))) for intent, s in cosines]
        total = sum(e for _i, e in exps)
        return sorted(((i, e / total) for i, e in exps), key=lambda p: -p[1])


def _normalised(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def training_sentences(
    devices: tuple[str, ...], rooms: tuple[str, ...], types: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(intent, sentence) for every example, once per slot value (the first three of each kind;
    "the heat pump" when the home has none), in a fixed order."""
    fill = {
        "device": [f"the {d}" for d in devices[:3]] or ["the heat pump"],
        "room": list(rooms[:3]) or ["kitchen"],
        "type": [f"the {t}s" for t in types[:3]] or ["the heaters"],
    }
    out: list[tuple[str, str]] = []
    for intent, examples in EXAMPLES.items():
        for example in examples:
            slots = [s for s in fill if "{" + s + "}" in example]
            if not slots:
                out.append((intent, example))
                continue
            for k in range(max(len(fill[s]) for s in slots)):
                out.append((intent, example.format(**{s: fill[s][k % len(fill[s])] for s in fill})))
    return out


@lru_cache(maxsize=32)
def _model(devices: tuple[str, ...], rooms: tuple[str, ...], types: tuple[str, ...]) -> Model:
    sentences = training_sentences(devices, rooms, types)
    docs = [(intent, features(s)) for intent, s in sentences]
    df: Counter = Counter()
    for _intent, terms in docs:
        df.update(terms.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in sorted(df.items())}
    sums: dict[str, dict[str, float]] = {intent: {} for intent in EXAMPLES}
    for intent, terms in docs:
        vec = _normalised({t: (1.0 + math.log(c)) * idf[t] for t, c in terms.items()})
        acc = sums[intent]
        for t, w in vec.items():
            acc[t] = acc.get(t, 0.0) + w
    return Model(idf=idf, centroids=tuple((intent, _normalised(sums[intent])) for intent in EXAMPLES))


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Every word of the examples (slots left out): words that name no device."""
    return frozenset(w for examples in EXAMPLES.values() for e in examples for w in _WORD.findall(e))


def model_for(catalogue: Catalogue) -> Model:
    """The model trained on this catalogue's names (cached per process per set of names)."""
    devices = tuple(d.name.lower() for d in catalogue.devices)
    rooms = tuple(sorted({d.room.lower() for d in catalogue.devices if d.room}))
    types = tuple(sorted({d.type_name.lower() for d in catalogue.devices if d.type_name}))
    return _model(devices, rooms, types)


def classify(text: str, catalogue: Catalogue) -> Guess:
    """The intent ``text`` (a question no rule fitted, periods taken out) most likely means."""
    ranked = model_for(catalogue).probabilities(text)
    (first, p1), (second, p2) = ranked[0], ranked[1]
    scores = tuple((i, round(p, 3)) for i, p in ranked[:3])
    if p1 >= (OUT_OF_SCOPE_THRESHOLD if first == "out_of_scope" else THRESHOLD) and p1 - p2 >= MARGIN:
        return Guess("intent", first, second, scores)
    if p2 >= CLOSE_FLOOR and first != "out_of_scope" and second != "out_of_scope":
        return Guess("close", first, second, scores)
    return Guess("unsure", None, None, scores)

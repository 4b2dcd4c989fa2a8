"""Which devices, rooms or device types a question is about, matched against the home's own catalogue.

Names are matched on normalised words (lower case, simple plurals folded) with rapidfuzz, so
"the fridge", "refrigerator", "frige", "heat pumps", "AC" and "wallbox" all find their device.
A name that fits several devices of one home comes back as ambiguous with the choices; the
engine then asks back. Device names are data: they are compared, never executed or obeyed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

if TYPE_CHECKING:
    from devices.models import Device

# Words people use for a device type (type slug -> phrases). "heater" fits two types on purpose:
# with both in a home, "the heater" is ambiguous and the engine asks which one.
TYPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "fridge": ("fridge", "refrigerator", "fridge freezer"),
    "freezer": ("freezer", "chest freezer", "deep freezer"),
    "air-conditioner": ("ac", "a/c", "air con", "aircon", "air conditioner", "air conditioning", "cooling"),
    "heat-pump": ("heat pump", "heatpump", "heating", "heater"),
    "water-heater": ("water heater", "boiler", "hot water", "immersion", "heater"),
    "ev-charger": ("ev charger", "ev", "car charger", "wallbox", "wall box", "charger", "electric car", "car"),
    "washing-machine": ("washing machine", "washer", "laundry"),
    "dryer": ("dryer", "tumble dryer", "drier"),
    "dishwasher": ("dishwasher", "dish washer"),
    "oven": ("oven", "cooker", "stove"),
    "tv": ("tv", "television", "telly"),
    "computer": ("computer", "pc", "laptop"),
    "lighting": ("lighting", "light", "lamp"),
    "solar-inverter": ("solar", "pv", "solar panel", "panel", "inverter", "solar roof"),
    "home-battery": ("battery", "home battery", "powerwall"),
    "grid-meter": ("grid meter", "meter", "grid", "smart meter"),
    "smart-plug": ("smart plug", "plug", "socket"),
}
# Words never taken for a device name, however close they look.
_STOP_TEXT = (
    "a an and at by did do does for from had has have how i in is it me my of on or our the this that to "
    "us was we what when which who why with you your use used much many most more less least cost costs "
    "energy power kwh kw watt watts all total home house day days week weeks month months year years "
    "last past today yesterday now than vs versus compare between apart except besides other top rank "
    "turn switch set off please can could would tell show give average peak base load share per device appliance "
    "thing room hour minute so far same time about one"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
MIN_FUZZY_SCORE = 86


def fold(text: str) -> str:
    """Normalised words: lower case, "'s" dropped, simple plurals folded ("pumps" -> "pump")."""
    text = re.sub(r"'s\b", "", text.lower())
    words = re.findall(r"[a-z0-9/]+", text)
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if word in STOP_WORDS:
        return word
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class DeviceRef:
    """What the engine knows of a device: identity, room, type and what commands it accepts."""

    id: int
    name: str
    room: str
    type_slug: str
    type_name: str
    category: str
    external_id: str
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """What a question is about: the whole home, one device, a room, or a device type.

    ``kind`` is "home", "device", "room" or "type"; ``devices`` the ids it covers (empty for the
    home); ``label`` the name to say in the answer ("the Heat pump", "the Kitchen", "all heat pumps").
    """

    kind: str
    label: str
    devices: tuple[int, ...] = ()
    key: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "devices": list(self.devices), "key": self.key}

    @classmethod
    def from_dict(cls, data: dict) -> Scope:
        return cls(data["kind"], data["label"], tuple(data.get("devices", ())), data.get("key", ""))


HOME = Scope("home", "the whole home")


@dataclass(frozen=True)
class Mention:
    """One name found in the question: its words, and the scopes it could mean (several: ambiguous)."""

    text: str
    start: int
    end: int
    score: float
    choices: tuple[Scope, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.choices) > 1


@dataclass
class Catalogue:
    """The home's devices, rooms and types, with every phrase that names them (folded)."""

    devices: list[DeviceRef]
    phrases: dict[str, list[Scope]] = field(default_factory=dict)

    @classmethod
    def of(cls, devices: Iterable[Device]) -> Catalogue:
        refs = [
            DeviceRef(
                id=d.pk,
                name=d.name,
                room=d.room,
                type_slug=d.type.slug,
                type_name=d.type.name,
                category=d.type.category,
                external_id=d.external_id,
                commands=tuple(d.type.commands or ()),
            )
            for d in devices
        ]
        catalogue = cls(devices=refs)
        catalogue._index()
        return catalogue

    def by_id(self, device_id: int) -> DeviceRef | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def _add(self, phrase: str, scope: Scope) -> None:
        phrase = fold(phrase)
        if not phrase or phrase in STOP_WORDS:
            return
        scopes = self.phrases.setdefault(phrase, [])
        if scope not in scopes:
            scopes.append(scope)

    def _index(self) -> None:
        by_type: dict[str, list[DeviceRef]] = {}
        for device in self.devices:
            by_type.setdefault(device.type_slug, []).append(device)
            scope = Scope("device", device.name, (device.id,), str(device.id))
            self._add(device.name, scope)
            # "Solar roof (8 kWp)" is also just "solar roof"
            self._add(re.sub(r"\(.*?\)", "", device.name), scope)
        for room in sorted({d.room for d in self.devices if d.room}):
            ids = tuple(d.id for d in self.devices if d.room == room)
            scope = Scope("room", room, ids, room)
            self._add(room, scope)
            self._add(room + " room", scope)
        for slug, members in by_type.items():
            if len(members) == 1:
                only = members[0]
                type_scope = Scope("device", only.name, (only.id,), str(only.id))
            else:
                type_scope = Scope("type", f"all {members[0].type_name.lower()}s", tuple(d.id for d in members), slug)
            for phrase in (members[0].type_name, *TYPE_SYNONYMS.get(slug, ())):
                self._add(phrase, type_scope)

    def names(self) -> list[str]:
        return [d.name for d in self.devices]

    def rooms(self) -> list[str]:
        return sorted({d.room for d in self.devices if d.room})


def find_mentions(text: str, catalogue: Catalogue) -> list[Mention]:
    """Device, room and type names in ``text`` (any case), best and longest first, non-overlapping.

    Exact phrases win over fuzzy ones; a fuzzy match needs a score of MIN_FUZZY_SCORE and at
    least 4 letters (so "tv" must be exact). Words inside a longer matched phrase are not
    matched again ("kitchen lights" is one device, not the kitchen plus the lights).
    """
    words = fold(text).split()
    found: list[tuple[float, int, int, str]] = []
    for size in range(min(5, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            gram_words = words[i : i + size]
            if size == 1 and gram_words[0] in STOP_WORDS:
                continue
            gram = " ".join(gram_words)
            if gram in catalogue.phrases:
                found.append((100.0, i, i + size, gram))
                continue
            if len(gram) < 4:
                continue
            best, best_score = None, 0.0
            for phrase in catalogue.phrases:
                if abs(len(phrase.split()) - size) > 0 or len(phrase) < 4:
                    continue
                score = fuzz.ratio(gram, phrase)
                if score > best_score:
                    best, best_score = phrase, score
            if best is not None and best_score >= MIN_FUZZY_SCORE:
                found.append((best_score, i, i + size, best))
    found.sort(key=lambda f: (-(f[2] - f[1]), -f[0], f[1]))
    used: set[int] = set()
    mentions: list[Mention] = []
    for score, i, j, phrase in found:
        if used & set(range(i, j)):
            continue
        used.update(range(i, j))
        choices = _merge(catalogue.phrases[phrase])
        mentions.append(Mention(text=" ".join(words[i:j]), start=i, end=j, score=score, choices=tuple(choices)))
    mentions.sort(key=lambda m: m.start)
    return mentions


def _merge(scopes: list[Scope]) -> list[Scope]:
    """Scopes of one phrase: a device and the room named alike count once (the device); a phrase
    that fits several types ("heater") becomes the choice of their devices."""
    devices = [s for s in scopes if s.kind == "device"]
    types = [s for s in scopes if s.kind == "type"]
    rooms = [s for s in scopes if s.kind == "room"]
    return devices + types if devices or types else rooms


def device_choices(mention: Mention, catalogue: Catalogue) -> list[Scope]:
    """The single devices behind an ambiguous mention (for "which one?" buttons)."""
    seen: list[Scope] = []
    for scope in mention.choices:
        for device_id in scope.devices:
            ref = catalogue.by_id(device_id)
            single = Scope("device", ref.name, (ref.id,), str(ref.id))
            if single not in seen:
                seen.append(single)
    return seen

"""Prices: which tariff is in force at an instant, and what a kWh costs then.

Rules, stated once:

* A tariff is in force from local midnight (home's zone) of its ``effective_from`` until
  the next tariff's, so history keeps the prices of its time.
* Time-of-use windows are evaluated on the home's **local** clock at each instant, so a
  daylight-saving day has 23 or 25 priced hours and every UTC hour gets the window its
  local time falls in. Windows are quarter-hour aligned.
* A dynamic price point holds from its ``start`` for the tariff's interval (15 or 60
  minutes). A missing point is a missing price (``None``), never zero; negative prices are
  valid.
* An hour's price is the mean of the prices at its four quarter-hours (the energy is only
  known per hour, so it is weighted evenly inside the hour). Any missing quarter makes the
  hour's price missing.
* Where an hour's four quarter prices differ (:func:`uneven_quarter_prices`), costs are
  priced per quarter instead, when the raw readings allow (analytics.services): each
  quarter's energy at that quarter's price; the mean above is then only the fallback.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.models import Home
from analytics.models import QUARTER_MINUTES, PricePoint, Tariff, TimeOfUseWindow

QUARTER = timedelta(minutes=QUARTER_MINUTES)
SLOTS_PER_DAY = 24 * 60 // QUARTER_MINUTES
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAY_TYPES = {"weekdays": TimeOfUseWindow.Days.WEEKDAYS, "weekends": TimeOfUseWindow.Days.WEEKENDS}


@dataclass(frozen=True)
class Price:
    """Prices per kWh at one instant; ``None`` where the price is missing."""

    tariff_id: int
    import_per_kwh: Decimal | None
    export_per_kwh: Decimal | None
    window: str = ""


@dataclass(frozen=True)
class HourPrice:
    """Mean prices per kWh of one UTC hour (see module docstring); ``None`` where missing."""

    tariff_id: int | None
    import_per_kwh: Decimal | None
    export_per_kwh: Decimal | None
    window: str = ""


# --- time-of-use windows -------------------------------------------------------------------------


def _slot(value: time) -> int:
    return (value.hour * 60 + value.minute) // QUARTER_MINUTES


def _window_slots(window) -> range | list[int]:
    start, end = _slot(window.start_time), _slot(window.end_time)
    if end <= start:  # wraps past midnight (00:00 as end means the end of the day)
        return [*range(start, SLOTS_PER_DAY), *range(0, end)]
    return range(start, end)


def _applies(window, day_type: str, month: int) -> bool:
    if window.days not in (TimeOfUseWindow.Days.ALL, day_type):
        return False
    return not window.months or month in window.months


def _clock(slot: int) -> str:
    minutes = slot * QUARTER_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span_text(slots: list[int]) -> str:
    """The first run of consecutive slots as 'HH:MM–HH:MM'."""
    first = last = slots[0]
    for slot in slots[1:]:
        if slot != last + 1:
            break
        last = slot
    return f"{_clock(first)}–{_clock(last + 1)}"


def _months_text(months: set[int]) -> str:
    if len(months) == 12:
        return ""
    return " in " + ", ".join(MONTH_NAMES[m - 1] for m in sorted(months))


def validate_windows(windows: Sequence) -> None:
    """Check that ``windows`` cover each local day exactly once; ValidationError on ``windows``.

    ``windows`` are TimeOfUseWindow instances (saved or not) or anything with the same
    attributes. Each (weekday or weekend) × month must be covered by exactly one window at
    every quarter-hour: overlaps and gaps are reported with the window names and times.
    """
    errors: list[str] = []
    if not windows:
        raise ValidationError({"windows": "A time-of-use tariff needs at least one window covering the whole day."})
    for window in windows:
        label = window.name or "(unnamed)"
        for field in ("start_time", "end_time"):
            value = getattr(window, field)
            if value is None:
                errors.append(f"Window {label!r} needs a start and an end time.")
            elif value.minute % QUARTER_MINUTES or value.second or value.microsecond:
                errors.append(f"Window {label!r}: times must be on the quarter hour (e.g. 17:00, 17:15).")
        bad_months = [m for m in window.months or [] if not isinstance(m, int) or not 1 <= m <= 12]
        if bad_months:
            errors.append(f"Window {label!r}: months must be 1 to 12.")
    if errors:
        raise ValidationError({"windows": sorted(set(errors), key=errors.index)})

    # issue text -> day type -> months it occurs in, so an all-year, every-day problem is reported once
    issues: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for day_label, day_type in DAY_TYPES.items():
        for month in range(1, 13):
            owners: list[list[str]] = [[] for _ in range(SLOTS_PER_DAY)]
            for window in windows:
                if _applies(window, day_type, month):
                    for slot in _window_slots(window):
                        owners[slot].append(window.name)
            overlaps = [s for s in range(SLOTS_PER_DAY) if len(owners[s]) > 1]
            gaps = [s for s in range(SLOTS_PER_DAY) if not owners[s]]
            if overlaps:
                names = " and ".join(repr(n) for n in owners[overlaps[0]])
                issues[f"Windows {names} overlap at {_span_text(overlaps)}"][day_label].add(month)
            if gaps:
                issues[f"No window covers {_span_text(gaps)}"][day_label].add(month)
    messages = []
    for text, by_day in issues.items():
        if len(by_day) == len(DAY_TYPES) and len({frozenset(m) for m in by_day.values()}) == 1:
            messages.append(f"{text} on every day{_months_text(next(iter(by_day.values())))}.")
        else:
            messages.extend(f"{text} on {day}{_months_text(months)}." for day, months in by_day.items())
    if messages:
        raise ValidationError({"windows": messages})


# --- tariff sets ---------------------------------------------------------------------------------


class TariffSet:
    """A home's tariffs with their windows and the price points of a period, for fast lookups."""

    def __init__(self, home: Home, tariffs: Iterable[Tariff], points: Iterable[PricePoint] = ()) -> None:
        self.home = home
        self.zone = home.zone
        self.tariffs = sorted(tariffs, key=lambda t: t.effective_from)
        self._from_days = [t.effective_from for t in self.tariffs]
        self._points: dict[tuple[int, str], tuple[list[datetime], list[Decimal]]] = {}
        grouped: dict[tuple[int, str], list[tuple[datetime, Decimal]]] = defaultdict(list)
        for point in points:
            grouped[(point.tariff_id, point.direction)].append((point.start.astimezone(UTC), point.price_per_kwh))
        for key, rows in grouped.items():
            rows.sort()
            self._points[key] = ([r[0] for r in rows], [r[1] for r in rows])
        self._tou: dict[int, dict[tuple[str, int], list[TimeOfUseWindow | None]]] = {}

    @classmethod
    def load(cls, home: Home, start: datetime, end: datetime) -> TariffSet:
        """Tariffs of ``home`` and their price points for instants in ``[start, end)`` (aware)."""
        tariffs = list(Tariff.objects.filter(home=home).prefetch_related("windows"))
        dynamic_ids = [t.pk for t in tariffs if t.kind == Tariff.Kind.DYNAMIC]
        points: list[PricePoint] = []
        if dynamic_ids:
            # a point that starts up to one interval before ``start`` still holds at ``start``
            points = list(
                PricePoint.objects.filter(
                    tariff_id__in=dynamic_ids, start__gte=start - timedelta(hours=1), start__lt=end
                ).only("tariff_id", "direction", "start", "price_per_kwh")
            )
        return cls(home, tariffs, points)

    def tariff_on(self, day: date) -> Tariff | None:
        """The tariff in force on the local ``day``."""
        index = bisect.bisect_right(self._from_days, day) - 1
        return self.tariffs[index] if index >= 0 else None

    def tariff_at(self, moment: datetime) -> Tariff | None:
        return self.tariff_on(moment.astimezone(self.zone).date())

    def window_at(self, tariff: Tariff, local: datetime) -> TimeOfUseWindow | None:
        table = self._tou.get(tariff.pk)
        if table is None:
            table = self._tou[tariff.pk] = {}
        day_type = TimeOfUseWindow.Days.WEEKENDS if local.weekday() >= 5 else TimeOfUseWindow.Days.WEEKDAYS
        key = (day_type, local.month)
        slots = table.get(key)
        if slots is None:
            slots = table[key] = [None] * SLOTS_PER_DAY
            for window in tariff.windows.all():
                if _applies(window, day_type, local.month):
                    for slot in _window_slots(window):
                        slots[slot] = window
        return slots[(local.hour * 60 + local.minute) // QUARTER_MINUTES]

    def point_at(self, tariff: Tariff, direction: str, moment: datetime) -> Decimal | None:
        starts, prices = self._points.get((tariff.pk, direction), ([], []))
        index = bisect.bisect_right(starts, moment) - 1
        if index < 0 or moment >= starts[index] + timedelta(minutes=tariff.price_interval_minutes):
            return None
        return prices[index]


def price_at(tariff_set: TariffSet, moment: datetime) -> Price | None:
    """Prices per kWh at the aware instant ``moment``; None when no tariff is in force.

    Missing prices (a dynamic point not known, or a gap in time-of-use windows saved
    before validation existed) are ``None`` fields of the result, never zero.
    """
    if moment.tzinfo is None:
        raise ValueError("price_at needs an aware datetime")
    moment = moment.astimezone(UTC)
    tariff = tariff_set.tariff_at(moment)
    if tariff is None:
        return None
    window = ""
    if tariff.kind == Tariff.Kind.FLAT:
        import_price = tariff.import_price_per_kwh
    elif tariff.kind == Tariff.Kind.TIME_OF_USE:
        tou = tariff_set.window_at(tariff, moment.astimezone(tariff_set.zone))
        import_price = tou.price_per_kwh if tou else None
        window = tou.name if tou else ""
    else:
        import_price = tariff_set.point_at(tariff, PricePoint.Direction.IMPORT, moment)
    if tariff.export_kind == Tariff.ExportKind.DYNAMIC:
        export_price = tariff_set.point_at(tariff, PricePoint.Direction.EXPORT, moment)
    else:
        export_price = tariff.export_price_per_kwh
    return Price(tariff_id=tariff.pk, import_per_kwh=import_price, export_per_kwh=export_price, window=window)


def hour_price(tariff_set: TariffSet, hour: datetime) -> HourPrice:
    """The mean prices of the UTC hour starting at ``hour`` (module docstring)."""
    quarters = quarter_prices(tariff_set, hour)
    first = quarters[0]
    if first is None or any(q is None for q in quarters):
        return HourPrice(tariff_id=first.tariff_id if first else None, import_per_kwh=None, export_per_kwh=None)
    return HourPrice(
        tariff_id=first.tariff_id,
        import_per_kwh=_mean([q.import_per_kwh for q in quarters]),
        export_per_kwh=_mean([q.export_per_kwh for q in quarters]),
        window=first.window,
    )


def quarter_prices(tariff_set: TariffSet, hour: datetime) -> list[Price | None]:
    """The prices at the four quarter-hours of the UTC hour starting at ``hour`` (aware), in order."""
    return [price_at(tariff_set, hour + QUARTER * i) for i in range(4)]


def uneven_quarter_prices(tariff_set: TariffSet, hour: datetime) -> list[Price] | None:
    """The four quarter prices of the UTC hour at ``hour`` when they differ (import or export), else None.

    None also when a quarter has no tariff in force at all (nothing to price per quarter).
    A quarter whose price is missing (``None`` field) counts as different from a known one,
    so that a quarter without energy need not make the hour's cost missing.
    """
    quarters = quarter_prices(tariff_set, hour)
    if any(q is None for q in quarters):
        return None
    first = quarters[0]
    if all(q.import_per_kwh == first.import_per_kwh and q.export_per_kwh == first.export_per_kwh for q in quarters):
        return None
    return quarters  # type: ignore[return-value]


def prices_for_hours(home: Home, hours: Iterable[datetime]) -> dict[datetime, HourPrice]:
    """Mean prices of each aware UTC hour start in ``hours``, keyed by that hour (UTC).

    Loads the home's tariffs once and the price points of the span once (two queries).
    """
    hour_list = sorted({h.astimezone(UTC) for h in hours})
    if not hour_list:
        return {}
    tariff_set = TariffSet.load(home, hour_list[0], hour_list[-1] + timedelta(hours=1))
    return {hour: hour_price(tariff_set, hour) for hour in hour_list}


def _mean(values: list[Decimal | None]) -> Decimal | None:
    if any(v is None for v in values):
        return None
    if all(v == values[0] for v in values):
        return values[0]
    return sum(values, Decimal(0)) / len(values)

"""Closing the loop on advice: a "move this load to off-peak hours" recommendation offers one
click that creates a daily schedule (devices.rules.create_rule) switching the device on at the
start of the cheapest hours, and once acted on, its realised saving is measured against the
device's own baseline.

Baseline and after come from the summary layer's hourly costs of the device (HourlyCost, at the
import price): the mean price its energy paid and its kWh a day in the BASELINE_DAYS before the
action, against the same from the local day after the action on (at most BASELINE_DAYS, at
least MEASURE_MIN_DAYS before a figure is given). Realised saving a 30-day month =
(baseline price - after price) x after kWh a day x 30, in the home's currency. A device that
does not accept ``set_power`` gets no action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Home
from analytics.forecasts import local_midnight_before
from analytics.models import HourlyCost, Recommendation, RecommendationAction
from analytics.tariffs import prices_for_hours
from devices.models import Device, Rule
from devices.rules import create_rule

BASELINE_DAYS = 28
MEASURE_MIN_DAYS = 7
PRICE_DAYS = 7  # the cheapest hour of the day is read from the last week's prices
MONTH_DAYS = 30
CENT = Decimal("0.01")
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


@dataclass(frozen=True)
class ActionOffer:
    """What the one click would do: switch ``device`` on at local ``time_of_day`` every day."""

    device: Device
    time_of_day: time

    @property
    def label(self) -> str:
        return f"Schedule it at {self.time_of_day:%H:%M} every day"


def cheapest_start(home: Home, *, now: datetime | None = None) -> time | None:
    """The local hour that starts the longest run of the cheapest hours of the day (mean import
    price per local hour over the last PRICE_DAYS days), e.g. 22:00 for a 22:00-07:00 off-peak
    window; None when every hour costs the same or no price is known."""
    now = now or timezone.now()
    end = local_midnight_before(now, home.zone)
    hours = [end - timedelta(hours=i + 1) for i in range(PRICE_DAYS * 24)]
    by_hour: dict[int, list[Decimal]] = {}
    for moment, price in prices_for_hours(home, hours).items():
        if price.import_per_kwh is not None:
            by_hour.setdefault(moment.astimezone(home.zone).hour, []).append(price.import_per_kwh)
    means = {hour: sum(values) / len(values) for hour, values in by_hour.items()}
    if len(set(means.values())) < 2:
        return None
    cheapest = {hour for hour, mean in means.items() if mean == min(means.values())}

    def run_length(start: int) -> int:
        length = 0
        while (start + length) % 24 in cheapest and length < 24:
            length += 1
        return length

    starts = [h for h in sorted(cheapest) if (h - 1) % 24 not in cheapest]
    return time(max(starts, key=lambda h: (run_length(h), -h)))


def action_offer(recommendation: Recommendation, *, now: datetime | None = None) -> ActionOffer | None:
    """The one-click action ``recommendation`` offers, or None (not a shiftable-load advice, no
    device, a device that does not take ``set_power``, already acted on, no cheaper hours)."""
    device = recommendation.device
    if recommendation.kind != Recommendation.Kind.SHIFT_LOAD or device is None or not device.is_active:
        return None
    if "set_power" not in (device.type.commands or []):
        return None
    if RecommendationAction.objects.filter(recommendation=recommendation).exists():
        return None
    start = cheapest_start(recommendation.home, now=now)
    return ActionOffer(device=device, time_of_day=start) if start is not None else None


def _device_figures(device: Device, start: datetime, end: datetime) -> tuple[float, Decimal | None, int]:
    """(kWh a day, mean import price, whole days) of ``device``'s priced hours in ``[start, end)``."""
    sums = HourlyCost.objects.filter(device=device, hour__gte=start, hour__lt=end, import_cost__isnull=False).aggregate(
        wh=Sum("import_wh"), cost=Sum("import_cost")
    )
    days = max(int((end - start) / timedelta(days=1)), 0)
    wh, cost = sums["wh"] or 0.0, sums["cost"]
    price = (cost / Decimal(repr(wh / 1000))) if wh and cost is not None else None
    return (wh / 1000 / days if days else 0.0), price, days


def act_on_recommendation(
    *, recommendation: Recommendation, user=None, now: datetime | None = None
) -> RecommendationAction:
    """Create the offered schedule and record the device's baseline. ValidationError naming
    ``recommendation`` when there is nothing to do in one click; the rule's own ValidationError
    (devices.rules) passes through. The caller checked write rights on the home."""
    now = now or timezone.now()
    offer = action_offer(recommendation, now=now)
    if offer is None:
        raise ValidationError({"recommendation": "This recommendation has no one-click action (or it was taken)."})
    home = recommendation.home
    with transaction.atomic():
        # Lock the advice: two clicks at once make one schedule.
        Recommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
        if RecommendationAction.objects.filter(recommendation=recommendation).exists():
            raise ValidationError({"recommendation": "This recommendation was acted on already."})
        rule = create_rule(
            home=home,
            kind=Rule.Kind.SCHEDULE,
            name=f"Off-peak: {offer.device.name}"[:80],
            device=offer.device,
            command_type="set_power",
            payload={"on": True},
            time_of_day=offer.time_of_day,
            weekdays=EVERY_DAY,
            created_by=user,
            now=now,
        )
        end = local_midnight_before(now, home.zone)
        kwh_day, price, _ = _device_figures(offer.device, end - timedelta(days=BASELINE_DAYS), end)
        return RecommendationAction.objects.create(
            recommendation=recommendation,
            rule=rule,
            acted_by=user if getattr(user, "is_authenticated", False) else None,
            acted_at=now,
            baseline_kwh_day=kwh_day,
            baseline_price=price.quantize(Decimal("0.00001")) if price is not None else None,
        )


def measure_realised(*, action: RecommendationAction, now: datetime | None = None) -> RecommendationAction:
    """Measure the days since the action (from the local midnight after it, whole days, at most
    BASELINE_DAYS); stores the figures, and ``realised_month`` once MEASURE_MIN_DAYS have passed
    and both prices are known. Idempotent."""
    now = now or timezone.now()
    recommendation = action.recommendation
    home, device = recommendation.home, recommendation.device
    if device is None:
        return action
    start = local_midnight_before(action.acted_at, home.zone) + timedelta(days=1)
    start = local_midnight_before(start + timedelta(hours=3), home.zone)  # a DST day is 23 or 25 h
    end = min(local_midnight_before(now, home.zone), start + timedelta(days=BASELINE_DAYS))
    if end <= start:
        action.after_days = 0
        action.save(update_fields=["after_days"])
        return action
    kwh_day, price, days = _device_figures(device, start, end)
    action.after_days, action.after_kwh_day = days, kwh_day
    action.after_price = price.quantize(Decimal("0.00001")) if price is not None else None
    action.measured_at = now
    if days >= MEASURE_MIN_DAYS and price is not None and action.baseline_price is not None:
        saved = (action.baseline_price - price) * Decimal(repr(kwh_day)) * MONTH_DAYS
        action.realised_month = saved.quantize(CENT)
    action.save()
    return action


def measure_home(*, home: Home, now: datetime | None = None) -> int:
    """Measure every acted-on recommendation of ``home`` (nightly). Returns how many."""
    actions = RecommendationAction.objects.filter(recommendation__home=home).select_related(
        "recommendation__home", "recommendation__device"
    )
    for action in actions:
        measure_realised(action=action, now=now)
    return len(actions)

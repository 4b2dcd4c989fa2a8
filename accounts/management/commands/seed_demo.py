"""Create the demo user, the demo home, its devices and 30 days of simulated history.

Idempotent: a second run changes nothing. Devices are found by their external ids, and
history is only simulated when the demo home has no readings at all (a home that already
has data, from an earlier seed or from the live simulator, is left as it is).
"""

from __future__ import annotations

import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Home, Membership, Role, User
from accounts.services import create_home

DEMO_HOME_NAME = "Demo Home"
# Forty days: enough for the forecasts' 14-day minimum and for "last month, same point" early in a month.
HISTORY_DAYS = 40
# Readings every minute for the last two days (what charts show in detail), every 2 minutes
# before: 30 days at 60 s would be ~520k readings (~55 s on SQLite); this is ~280k (about half).
# Both are under the energy rule's 5-minute maximum gap, so the older history has no holes.
RECENT_STEP_S = 60
OLDER_STEP_S = 120

# (external id, type slug, name, room, rated power in W)
DEMO_DEVICES = [
    ("demo-grid-meter", "grid-meter", "Grid meter", "Utility room", None),
    ("demo-solar", "solar-inverter", "Solar roof (8 kWp)", "Roof", 8000.0),
    ("demo-battery", "home-battery", "Home battery (10 kWh)", "Utility room", 5000.0),
    ("demo-ev-charger", "ev-charger", "Wallbox", "Garage", 11000.0),
    ("demo-heat-pump", "heat-pump", "Heat pump", "Garden", 3500.0),
    ("demo-fridge", "fridge", "Fridge", "Kitchen", 150.0),
    ("demo-freezer", "freezer", "Chest freezer", "Basement", 120.0),
    ("demo-washing-machine", "washing-machine", "Washing machine", "Basement", 2200.0),
    ("demo-dishwasher", "dishwasher", "Dishwasher", "Kitchen", 2000.0),
    ("demo-oven", "oven", "Oven", "Kitchen", 2800.0),
    ("demo-tv", "tv", "TV", "Living room", 110.0),
    ("demo-lighting", "lighting", "Lighting", "Whole house", 300.0),
]


def seed_demo_home(*, email: str, password: str) -> tuple[User, Home, bool]:
    """Return the demo user and home, creating what is missing. ``created`` says if anything was new."""
    created = False
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=password, full_name="Demo Homeowner", time_zone="Europe/Berlin"
            )
            created = True
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        home = Home.objects.filter(name=DEMO_HOME_NAME, memberships__user=user, memberships__role=Role.OWNER).first()
        if home is None:
            home = create_home(
                owner=user,
                name=DEMO_HOME_NAME,
                address="12 Example Street, Berlin",
                time_zone="Europe/Berlin",
                currency="EUR",
            )
            created = True
        Membership.objects.get_or_create(user=user, home=home, defaults={"role": Role.OWNER})
    return user, home, created


def seed_demo_devices(*, home: Home) -> int:
    """Register the demo devices ``home`` does not have yet (by external id). Returns how many were added."""
    from devices.models import Device
    from devices.services import register_device

    existing = set(Device.objects.filter(home=home).values_list("external_id", flat=True))
    added = 0
    with transaction.atomic():
        for external_id, slug, name, room, rated_power_w in DEMO_DEVICES:
            if external_id in existing:
                continue
            register_device(
                home=home, type=slug, name=name, room=room, external_id=external_id, rated_power_w=rated_power_w
            )
            added += 1
    return added


def seed_demo_tariff(home: Home) -> bool:
    """Give the demo home a time-of-use tariff with feed-in, unless it has a tariff. True if added."""
    from decimal import Decimal

    from analytics.models import Tariff
    from analytics.services import save_tariff

    if Tariff.objects.filter(home=home).exists():
        return False
    windows = [
        ("Night", "00:00", "07:00", "0.2200"),
        ("Day", "07:00", "17:00", "0.3000"),
        ("Peak", "17:00", "21:00", "0.4200"),
        ("Evening", "21:00", "00:00", "0.3000"),
    ]
    save_tariff(
        home=home,
        name="Demo time-of-use",
        kind=Tariff.Kind.TIME_OF_USE,
        effective_from=(timezone.now() - timedelta(days=90)).date(),
        export_kind=Tariff.ExportKind.FLAT,
        export_price_per_kwh=Decimal("0.0800"),
        standing_charge_per_day=Decimal("0.4500"),
        windows=[
            {"name": name, "start_time": start, "end_time": end, "price_per_kwh": Decimal(price)}
            for name, start, end, price in windows
        ],
    )
    return True


def seed_demo_rules(home: Home) -> int:
    """A schedule (Wallbox on at 23:00 on weekdays) and an automation (heat pump to eco while the
    import price is above 0.30), unless the home has rules. Returns how many were added."""
    from datetime import time as clock_time

    from devices.models import Device, Rule
    from devices.rules import create_rule

    if Rule.objects.filter(home=home).exists():
        return 0
    devices = {d.external_id: d for d in Device.objects.filter(home=home)}
    create_rule(
        home=home,
        kind=Rule.Kind.SCHEDULE,
        name="Charge the car overnight",
        device=devices["demo-ev-charger"],
        command_type="set_power",
        payload={"on": True},
        time_of_day=clock_time(23, 0),
        weekdays=[0, 1, 2, 3, 4],
    )
    create_rule(
        home=home,
        kind=Rule.Kind.AUTOMATION,
        name="Heat pump to eco at peak prices",
        device=devices["demo-heat-pump"],
        command_type="set_mode",
        payload={"mode": "eco"},
        condition=Rule.Condition.PRICE_ABOVE,
        threshold=0.30,
        duration_min=0,
        cooldown_min=240,
    )
    return 2


class Command(BaseCommand):
    help = "Create the demo user, home, devices and 30 days of history (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-history", action="store_true", help="Skip the simulated history")
        parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="Days of history to simulate")

    def handle(self, *args, **options) -> None:
        user, home, created = seed_demo_home(email=settings.DEMO_EMAIL, password=settings.DEMO_PASSWORD)
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} demo home {home.name!r} (id {home.pk}) for {user.email}")
        added = seed_demo_devices(home=home)
        self.stdout.write(f"Devices: {added} added, {len(DEMO_DEVICES) - added} already there")
        self.stdout.write("Tariff: " + ("time-of-use demo tariff added" if seed_demo_tariff(home) else "kept"))
        self.stdout.write(f"Schedules and automations: {seed_demo_rules(home)} added")
        if not options["no_history"]:
            self.seed_history(home, days=options["days"])
            self.seed_insights(home)
        self.stdout.write(f"Demo login: {settings.DEMO_EMAIL} / {settings.DEMO_PASSWORD}")

    def seed_insights(self, home: Home) -> None:
        """Forecasts, anomalies and recommendations now, rather than at the first night (idempotent)."""
        from analytics.insight_services import evaluate_recommendations, run_nightly

        stats = run_nightly(home=home)
        recommended = evaluate_recommendations(home=home)
        self.stdout.write(
            f"Insights: {stats.forecasts} forecasts, {stats.anomalies} anomalies, "
            f"{recommended.recommendations} recommendations"
        )

    def seed_history(self, home: Home, *, days: int) -> None:
        from telemetry.backfill import BackfillProgress, backfill_history, drain_rollups, history_exists

        if history_exists(home):
            self.stdout.write("History: the demo home already has readings, left as it is")
            return
        began = time.monotonic()
        end = timezone.now()

        def show(p: BackfillProgress) -> None:
            self.stderr.write(f"\r  simulating {days} days: {p.fraction * 100:5.1f}% ({p.sent:,} readings)", ending="")
            self.stderr.flush()

        result = backfill_history(
            home=home,
            start=end - timedelta(days=days),
            end=end,
            step_s=RECENT_STEP_S,
            coarse_step_s=OLDER_STEP_S,
            seed=home.pk,
            progress=show,
        )
        self.stderr.write("")
        rollups_began = time.monotonic()
        try:
            drain_rollups()
        except RuntimeError as exc:
            self.stderr.write(f"Rollups skipped: {exc}")
        self.stdout.write(
            f"History: {result.stored:,} readings over {days} days ({result.rejected} rejected) "
            f"in {time.monotonic() - began:.1f} s (rollups {time.monotonic() - rollups_began:.1f} s)"
        )

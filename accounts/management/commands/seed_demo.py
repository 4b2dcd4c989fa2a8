"""Create the demo user and demo home. Idempotent: a second run changes nothing."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Home, Membership, Role, User
from accounts.services import create_home

DEMO_HOME_NAME = "Demo Home"


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


class Command(BaseCommand):
    help = "Create the demo user and home (safe to run again)."

    def handle(self, *args, **options):
        user, home, created = seed_demo_home(email=settings.DEMO_EMAIL, password=settings.DEMO_PASSWORD)
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} demo home {home.name!r} (id {home.pk}) for {user.email}")
        self.stdout.write(f"Demo login: {settings.DEMO_EMAIL} / {settings.DEMO_PASSWORD}")

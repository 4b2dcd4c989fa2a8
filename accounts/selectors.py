"""Who may see and change which home: the one permission helper every surface uses.

A home the user is not a member of answers exactly like a home that does not exist
(404); a member without the needed role gets 403 on writes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import ADMIN_ROLES, WRITE_ROLES, Home, Invitation, Membership, User


def homes_for(user: User) -> QuerySet[Home]:
    """Homes ``user`` is a member of (any role), ordered by name. Anonymous: none."""
    if not user.is_authenticated:
        return Home.objects.none()
    return Home.objects.filter(memberships__user=user).distinct().order_by("name", "id")


def role_in(user: User, home: Home) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, home=home).values_list("role", flat=True).first()


def get_home_for(user: User, home_id: object) -> Home:
    """The home with ``home_id`` if ``user`` is a member; Http404 otherwise (also for bad ids)."""
    try:
        home_pk = int(str(home_id))
    except (TypeError, ValueError):
        raise Http404("No such home") from None
    home = homes_for(user).filter(pk=home_pk).first()
    if home is None:
        raise Http404("No such home")
    return home


def can_write(user: User, home: Home) -> bool:
    """True when ``user``'s role in ``home`` may control devices and change data (not a viewer)."""
    return role_in(user, home) in WRITE_ROLES


def require_write(user: User, home: Home) -> None:
    """PermissionDenied (403) unless ``user`` may write in ``home`` (membership already checked)."""
    if not can_write(user, home):
        raise PermissionDenied("Your role in this home is read-only.")


def get_home_for_write(user: User, home_id: object) -> Home:
    """As get_home_for, and PermissionDenied (403) unless the role may control and write."""
    home = get_home_for(user, home_id)
    require_write(user, home)
    return home


def get_home_for_admin(user: User, home_id: object) -> Home:
    """As get_home_for, and PermissionDenied (403) unless owner or manager of the home."""
    home = get_home_for(user, home_id)
    if role_in(user, home) not in ADMIN_ROLES:
        raise PermissionDenied("Only the home's owners can change this.")
    return home


def can_administer(user: User, home: Home) -> bool:
    return role_in(user, home) in ADMIN_ROLES


def memberships_of(home: Home) -> QuerySet[Membership]:
    return Membership.objects.filter(home=home).select_related("user").order_by("role", "user__email")


def open_invitations_of(home: Home) -> QuerySet[Invitation]:
    return Invitation.objects.filter(home=home, accepted_at__isnull=True)


def managed_homes_for(user: User) -> QuerySet[Home]:
    """Homes a property manager manages; superusers manage every home."""
    if user.is_superuser:
        return Home.objects.all()
    return Home.objects.filter(memberships__user=user, memberships__role="manager").distinct()

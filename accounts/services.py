"""Writes for users, homes and memberships. Each service owns its transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ADMIN_ROLES, Home, Invitation, Membership, Role, User
from accounts.selectors import role_in


@transaction.atomic
def create_home(
    *, owner: User, name: str, address: str = "", time_zone: str, currency: str, role: str = Role.OWNER
) -> Home:
    """Create a home and make ``owner`` a member with ``role`` (the owner; a property manager
    creating a tenant's home passes ``Role.MANAGER``). Validates every field (ValidationError)."""
    if role not in {Role.OWNER, Role.MANAGER}:
        raise ValidationError({"role": "The creator of a home is its owner or its manager."})
    home = Home(name=name.strip(), address=address.strip(), time_zone=time_zone, currency=currency)
    home.full_clean()
    home.save()
    Membership.objects.create(user=owner, home=home, role=role)
    return home


@transaction.atomic
def update_home(*, home: Home, by: User, **fields: str) -> Home:
    """Change name, address, time zone or currency. Owners and managers only (PermissionDenied)."""
    if role_in(by, home) not in ADMIN_ROLES:
        raise PermissionDenied("Only the home's owners can change its settings.")
    allowed = {"name", "address", "time_zone", "currency"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    for name, value in fields.items():
        setattr(home, name, value.strip() if isinstance(value, str) else value)
    home.full_clean()
    home.save()
    return home


def invite_member(*, home: Home, by: User, email: str, role: str = Role.MEMBER) -> Invitation | Membership:
    """Invite ``email`` to ``home``.

    An existing member is refused (ValidationError). A person who already has an account is
    still sent an invitation to accept, so nobody is added to a home without saying yes.
    The email goes out after commit.
    """
    if role_in(by, home) not in ADMIN_ROLES:
        raise PermissionDenied("Only the home's owners can invite people.")
    if role not in {Role.MEMBER, Role.VIEWER, Role.OWNER}:
        raise ValidationError({"role": "Choose owner, member or viewer."})
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(home=home, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {home.name}."})
    with transaction.atomic():
        invitation = Invitation.objects.filter(home=home, email__iexact=email, accepted_at__isnull=True).first()
        if invitation is not None and invitation.is_expired:
            invitation.delete()  # a fresh link and a fresh expiry
            invitation = None
        if invitation is None:
            invitation = Invitation(home=home, email=email)
        invitation.role = role
        invitation.invited_by = by
        invitation.full_clean(exclude=["token"])
        invitation.save()
        transaction.on_commit(lambda: _send_invitation_email(invitation))
    return invitation


def _send_invitation_email(invitation: Invitation) -> None:
    from django.conf import settings

    url = settings.SITE_URL + reverse("accounts:invitation-accept", args=[invitation.token])
    context = {"invitation": invitation, "url": url}
    send_mail(
        subject=f"[EnergyHome] You are invited to {invitation.home.name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Turn an open invitation into a membership for ``user``. Idempotent for the same user."""
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise ValidationError("This invitation link is not valid.")
    if invitation.accepted_at is not None and invitation.accepted_by_id != user.pk:
        raise ValidationError("This invitation has already been used.")
    if invitation.accepted_at is None and invitation.is_expired:
        raise ValidationError("This invitation has expired; ask for a new one.")
    membership, created = Membership.objects.get_or_create(
        user=user, home=invitation.home, defaults={"role": invitation.role}
    )
    if invitation.accepted_at is None:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def remove_member(*, home: Home, by: User, membership_id: int) -> None:
    """Remove a membership. Owners may remove anyone; anyone may leave; the last owner stays."""
    membership = Membership.objects.select_for_update().filter(home=home, pk=membership_id).first()
    if membership is None:
        raise ValidationError("No such member.")
    if membership.user_id != by.pk and role_in(by, home) not in ADMIN_ROLES:
        raise PermissionDenied("Only the home's owners can remove people.")
    if membership.role == Role.OWNER and home.memberships.filter(role=Role.OWNER).count() == 1:
        raise ValidationError("A home needs at least one owner: make someone else owner first.")
    membership.delete()


@transaction.atomic
def cancel_invitation(*, home: Home, by: User, invitation_id: int) -> None:
    if role_in(by, home) not in ADMIN_ROLES:
        raise PermissionDenied("Only the home's owners can cancel invitations.")
    Invitation.objects.filter(home=home, pk=invitation_id, accepted_at__isnull=True).delete()


@transaction.atomic
def update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone"])
    return user

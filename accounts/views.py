"""Pages for homes, people and the profile. Thin: parse, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import HomeForm, InviteForm, ProfileForm
from accounts.middleware import SESSION_KEY
from accounts.models import Invitation
from accounts.selectors import (
    can_administer,
    get_home_for,
    get_home_for_admin,
    memberships_of,
    open_invitations_of,
    role_in,
)
from energyhome.forms import apply_validation_errors

_apply_errors = apply_validation_errors


@login_required
@require_http_methods(["GET", "POST"])
def home_create(request: HttpRequest) -> HttpResponse:
    form = HomeForm(request.POST or None, initial={"time_zone": request.user.time_zone or "Europe/Berlin"})
    if request.method == "POST" and form.is_valid():
        try:
            home = services.create_home(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            request.session[SESSION_KEY] = home.pk
            messages.success(request, f"{home.name} is ready. Add a device to start measuring.")
            return redirect("dashboard")
    first = not request.user.homes.exists()
    return render(request, "accounts/home_create.html", {"form": form, "first_home": first})


@login_required
@require_POST
def home_switch(request: HttpRequest) -> HttpResponse:
    home = get_home_for(request.user, request.POST.get("home"))
    request.session[SESSION_KEY] = home.pk
    target = request.POST.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if request.htmx:
        response = HttpResponse(status=204, headers={"HX-Redirect": target})
    return response


@login_required
@require_http_methods(["GET", "POST"])
def home_settings(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for_admin(request.user, home_id)
    form = HomeForm(request.POST or None, instance=home)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_home(home=home, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("accounts:home-settings", home_id=home.pk)
    return render(request, "accounts/home_settings.html", {"home": home, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def home_members(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    is_admin = can_administer(request.user, home)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        home = get_home_for_admin(request.user, home_id)
        if form.is_valid():
            try:
                services.invite_member(home=home, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("accounts:home-members", home_id=home.pk)
    context = {
        "home": home,
        "form": form,
        "is_admin": is_admin,
        "my_role": role_in(request.user, home),
        "memberships": memberships_of(home),
        "invitations": open_invitations_of(home) if is_admin else [],
    }
    return render(request, "accounts/home_members.html", context)


@login_required
@require_POST
def member_remove(request: HttpRequest, home_id: int, membership_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    try:
        services.remove_member(home=home, by=request.user, membership_id=membership_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Member removed.")
    if role_in(request.user, home) is None:
        return redirect("dashboard")
    return redirect("accounts:home-members", home_id=home.pk)


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, home_id: int, invitation_id: int) -> HttpResponse:
    home = get_home_for_admin(request.user, home_id)
    services.cancel_invitation(home=home, by=request.user, invitation_id=invitation_id)
    messages.success(request, "Invitation cancelled.")
    return redirect("accounts:home-members", home_id=home.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("home", "invited_by").filter(token=token).first()
    if request.method == "POST" and invitation is not None:
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            request.session[SESSION_KEY] = membership.home_id
            messages.success(request, f"Welcome to {membership.home.name}.")
            return redirect("dashboard")
    status = 200 if invitation is not None else 404
    return render(request, "accounts/invitation.html", {"invitation": invitation}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})

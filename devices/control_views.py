"""Web pages for device control: send a command from a device's controls, the command log, and
schedules and automations.

Thin views: permission through the selectors (another home's device, command or rule is a 404;
a viewer gets 403 on writes), writes through devices.commands / devices.rules. htmx writes answer
with the updated fragment (the controls, a rule row), never a redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import can_write, get_home_for, require_write
from devices import commands, rules
from devices.control_forms import RuleForm, payload_from
from devices.models import Command, Issuer, Rule
from devices.selectors import commands_for, control_panel, devices_for, get_device_for, get_rule_for, rules_for
from devices.templatetags.device_controls import looks_on
from energyhome.forms import apply_validation_errors

COMMANDS_PER_PAGE = 25


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for errors in exc.message_dict.values() for m in errors]
    return [str(m) for m in exc.messages]


@login_required
@require_POST
def device_command(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a command from a device's controls. htmx gets the controls back (pending, or the error)."""
    device = get_device_for(request.user, pk)
    require_write(request.user, device.home)
    command_type = request.POST.get("command_type", "")
    errors: list[str] = []
    try:
        commands.send_command(
            device=device,
            command_type=command_type,
            payload=payload_from(command_type, request.POST),
            issued_by=Issuer.USER,
            issued_by_user=request.user,
            queue_if_offline=request.POST.get("queue_if_offline") in {"1", "on", "true"},
        )
    except ValidationError as exc:
        errors = _messages_of(exc)
    panel = control_panel(device)
    context = {
        "panel": panel,
        "errors": errors,
        "can_write": True,
        "where": request.POST.get("where"),
        "looks_on": looks_on(panel),
    }
    if request.htmx:
        template = "devices/_tile_control.html" if context["where"] == "tile" else "devices/_controls.html"
        return render(request, template, context)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, "Command sent; it shows as pending until the device confirms.")
    return redirect("devices:device-detail", pk=device.pk)


@login_required
@require_GET
def command_log(request: HttpRequest) -> HttpResponse:
    """The current home's commands, filtered by ?device=&status=&issued_by=, 25 a page."""
    if not request.home:
        return redirect("accounts:home-create")
    home = get_home_for(request.user, request.home.pk)
    device_id = request.GET.get("device") or ""
    status = request.GET.get("status") or ""
    issued_by = request.GET.get("issued_by") or ""
    commands_qs = commands_for(
        home,
        device_id=int(device_id) if device_id.isdigit() else None,
        status=status if status in Command.Status.values else None,
        issued_by=issued_by if issued_by in Issuer.values else None,
    )
    page = Paginator(commands_qs, COMMANDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "home": home,
        "page": page,
        "commands": page.object_list,
        "devices": devices_for(home),
        "statuses": Command.Status.choices,
        "issuers": Issuer.choices,
        "device_id": device_id,
        "status": status,
        "issued_by": issued_by,
        "live_url": f"/ws/homes/{home.pk}/live/?view=commands",
    }
    if request.htmx and request.htmx.target == "command-log":
        return render(request, "devices/_command_log.html", context)
    return render(request, "devices/commands.html", context)


def _rules_context(request: HttpRequest, home, form: RuleForm | None = None) -> dict:
    return {
        "home": home,
        "rules": rules_for(home),
        "form": form or RuleForm(home=home, initial={"kind": request.GET.get("kind") or Rule.Kind.SCHEDULE}),
        "can_write": can_write(request.user, home),
        "conditions": Rule.Condition.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def rule_list(request: HttpRequest) -> HttpResponse:
    """Schedules and automations of the current home, and the form to add one."""
    if not request.home:
        return redirect("accounts:home-create")
    home = get_home_for(request.user, request.home.pk)
    if request.method == "GET":
        return render(request, "devices/rules.html", _rules_context(request, home))
    require_write(request.user, home)
    form = RuleForm(request.POST, home=home)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rules.create_rule(
                home=home,
                kind=data["kind"],
                name=data["name"],
                device=data["device"],
                command_type=data["command_type"],
                payload=payload_from(data["command_type"], request.POST),
                time_of_day=data.get("time_of_day"),
                weekdays=data.get("weekdays") or [],
                condition=data.get("condition") or "",
                condition_device=data.get("condition_device"),
                threshold=data.get("threshold"),
                duration_min=data.get("duration_min") or 0,
                cooldown_min=data["cooldown_min"] if data.get("cooldown_min") is not None else 30,
                created_by=request.user,
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, f"“{data['name']}” saved.")
            return redirect("devices:rule-list")
    return render(request, "devices/rules.html", _rules_context(request, home, form), status=400)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable or disable a rule (htmx gets its row back)."""
    rule = get_rule_for(request.user, pk)
    require_write(request.user, rule.home)
    rules.set_rule_enabled(rule=rule, enabled=request.POST.get("enabled") in {"1", "true", "on"})
    if request.htmx:
        rule = rules_for(rule.home).get(pk=rule.pk)
        return render(request, "devices/_rule_row.html", {"rule": rule, "can_write": True})
    return redirect("devices:rule-list")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule_for(request.user, pk)
    require_write(request.user, rule.home)
    name = rule.name
    rules.delete_rule(rule=rule)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, f"“{name}” deleted.")
    return redirect("devices:rule-list")

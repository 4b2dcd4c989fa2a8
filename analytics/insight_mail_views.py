"""Pages behind the emails: the printable weekly report, the unsubscribe link, and each user's
notification settings. Thin: permission (accounts.selectors), then analytics.reports or
analytics.insight_notify."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import get_home_for
from analytics import reports
from analytics.insight_notify import preference_for, save_preferences
from energyhome.forms import apply_validation_errors
from energyhome.navigation import current_home_redirect

weekly_report_current = current_home_redirect("insights:home-weekly-report", "The current home's weekly report.")


@login_required
@require_GET
def weekly_report_page(request: HttpRequest, home_id: int) -> HttpResponse:
    """?week=YYYY-MM-DD (any day of the week; default the last whole week). A bad date: 400."""
    home = get_home_for(request.user, home_id)
    now = timezone.now()
    last = reports.last_week_start(home, now)
    raw = request.GET.get("week")
    try:
        week = date.fromisoformat(raw) if raw else last
    except ValueError:
        return HttpResponse("week: give a date as YYYY-MM-DD", status=400, content_type="text/plain")
    report = reports.weekly_report(home, week_start=week, now=now)
    following = report.week_start + timedelta(days=7)
    context = {
        "home": home,
        "report": report,
        "previous_week": report.week_start - timedelta(days=7),
        "next_week": following if following <= last else None,
    }
    return render(request, "reports/weekly.html", context)


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST carries no CSRF cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners prefetch GETs), POST unsubscribes (also RFC 8058 one-click)."""
    user = reports.user_for_unsubscribe(token)
    if user is None:
        return render(request, "reports/unsubscribe.html", {"user_found": False}, status=404)
    done = request.method == "POST"
    if done:
        reports.unsubscribe(user=user)
    return render(request, "reports/unsubscribe.html", {"user_found": True, "done": done, "email": user.email})


class NotificationForm(forms.Form):
    """Renders the fields; analytics.insight_notify.save_preferences decides what is valid."""

    alert_email = forms.BooleanField(required=False, label="Email me my homes' alerts")
    weekly_report = forms.BooleanField(required=False, label="Email me the weekly report (Monday morning)")
    quiet_start = forms.CharField(
        required=False, label="Quiet hours from", widget=forms.TimeInput(attrs={"type": "time"}), help_text="HH:MM"
    )
    quiet_end = forms.CharField(
        required=False, label="Quiet hours until", widget=forms.TimeInput(attrs={"type": "time"}), help_text="HH:MM"
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    preference = preference_for(request.user)
    if request.method == "GET":
        initial = {
            "alert_email": preference.alert_email,
            "weekly_report": preference.weekly_report,
            "quiet_start": preference.quiet_start.strftime("%H:%M") if preference.quiet_start else "",
            "quiet_end": preference.quiet_end.strftime("%H:%M") if preference.quiet_end else "",
        }
        return render(request, "insights/notifications.html", {"form": NotificationForm(initial=initial)})
    form = NotificationForm(request.POST)
    form.is_valid()
    try:
        save_preferences(
            user=request.user,
            alert_email=request.POST.get("alert_email") in {"on", "true", "1"},
            weekly_report=request.POST.get("weekly_report") in {"on", "true", "1"},
            quiet_start=request.POST.get("quiet_start"),
            quiet_end=request.POST.get("quiet_end"),
        )
    except ValidationError as exc:
        apply_validation_errors(form, exc)
        return render(request, "insights/notifications.html", {"form": form}, status=400)
    return render(request, "insights/notifications.html", {"form": form, "saved": True})

"""Web pages of the telemetry app: CSV import (in the background, with live progress) and export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.models import WRITE_ROLES, Home
from accounts.selectors import get_home_for, get_home_for_write, role_in
from energyhome.navigation import current_home_redirect
from telemetry.csv_io import export_readings_csv, local_period
from telemetry.csv_tasks import import_job, start_csv_import
from telemetry.forms import CsvExportForm, CsvImportForm


def _page(request: HttpRequest, home: Home, **context) -> dict:
    today = timezone.now().astimezone(home.zone).date()
    return {
        "home": home,
        "can_write": role_in(request.user, home) in WRITE_ROLES,
        "import_form": CsvImportForm(),
        "export_form": CsvExportForm(initial=CsvExportForm.initial_for(today)),
        "job": None,
        **context,
    }


csv_current = current_home_redirect("telemetry:home-csv", "The CSV page of the current home.")


@login_required
@require_GET
def csv_page(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    job = import_job(request.GET.get("job", ""))
    if job is not None and job.home_id != home.pk:
        job = None
    return render(request, "telemetry/csv.html", _page(request, home, job=job))


@login_required
@require_POST
def csv_import(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for_write(request.user, home_id)
    form = CsvImportForm(request.POST, request.FILES)
    if not form.is_valid():
        if request.htmx:
            return render(request, "telemetry/csv.html#import-card", _page(request, home, import_form=form))
        return render(request, "telemetry/csv.html", _page(request, home, import_form=form), status=400)
    zone = home.time_zone if form.cleaned_data["naive_times"] == "home" else "UTC"
    job = start_csv_import(home=home, upload=form.cleaned_data["file"], by=request.user, time_zone=zone)
    if request.htmx:
        return render(request, "telemetry/csv.html#import-card", _page(request, home, job=import_job(job.id)))
    return redirect(reverse("telemetry:home-csv", args=[home.pk]) + f"?job={job.id}")


@login_required
@require_GET
def csv_import_progress(request: HttpRequest, home_id: int, job_id: str) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    job = import_job(job_id)
    if job is None or job.home_id != home.pk:
        raise Http404("No such import")
    return render(request, "telemetry/_import_progress.html", {"home": home, "job": job})


@login_required
@require_GET
def csv_export(request: HttpRequest, home_id: int) -> HttpResponse:
    home = get_home_for(request.user, home_id)
    form = CsvExportForm(request.GET)
    if not form.is_valid():
        return render(request, "telemetry/csv.html", _page(request, home, export_form=form), status=400)
    first, last, kind = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["kind"]
    start, end = local_period(home, first, last)
    response = StreamingHttpResponse(
        export_readings_csv(home=home, start=start, end=end, kind=kind), content_type="text/csv; charset=utf-8"
    )
    filename = f"{slugify(home.name) or 'home'}-{kind}-{first.isoformat()}-to-{last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""The CSV page: upload (imported by a Celery task, progress polled by htmx) and download."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from devices.services import register_device
from telemetry.csv_tasks import import_job, start_csv_import
from telemetry.models import Reading

UPLOAD = b"""timestamp,device,power_w
2026-01-05T12:00:00Z,fridge-1,120
2026-01-05T12:01:00Z,fridge-1,not-a-number
2026-01-05T12:02:00Z,Fridge,119
2026-01-05T12:03:00Z,ghost,50
"""


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def fridge(home):
    return register_device(home=home, type="fridge", name="Fridge", external_id="fridge-1").device


def upload(client, home, content: bytes = UPLOAD, **headers):
    file = SimpleUploadedFile("readings.csv", content, content_type="text/csv")
    url = reverse("telemetry:csv-import", args=[home.pk])
    return client.post(url, {"file": file, "naive_times": "utc"}, **headers)


def test_the_page_shows_both_forms_to_a_member(owner_client, home):
    response = owner_client.get(reverse("telemetry:home-csv", args=[home.pk]))
    assert response.status_code == 200
    assert b"Upload and import" in response.content
    assert b"Download CSV" in response.content


def test_the_nav_link_leads_to_the_current_home(owner_client, home):
    response = owner_client.get(reverse("telemetry:csv"))
    assert response.status_code == 302
    assert response.url == reverse("telemetry:home-csv", args=[home.pk])


def test_upload_imports_in_the_background_and_shows_the_result(
    owner_client, home, fridge, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, home)
    assert response.status_code == 302
    job_id = response.url.split("job=")[1]

    page = owner_client.get(response.url)
    assert page.status_code == 200
    progress = owner_client.get(reverse("telemetry:csv-import-progress", args=[home.pk, job_id]))
    html = progress.content.decode()
    assert "Done" in html
    assert "every 1s" not in html  # finished: polling stops
    assert ">3</td>" in html and ">5</td>" in html  # line numbers of the rejected rows
    assert "not a number" in html and "ghost" in html
    job = import_job(job_id)
    assert (job.rows, job.stored, job.rejected) == (4, 2, 2)
    assert list(Reading.objects.filter(device=fridge).order_by("time").values_list("time", flat=True)) == [
        datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 12, 2, tzinfo=UTC),
    ]
    assert not list((tmp_path / "imports").glob("*.csv"))  # the upload is removed once imported


def test_htmx_upload_answers_with_the_import_card(owner_client, home, fridge, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, home, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-progress"' in html
    assert "<html" not in html
    assert Reading.objects.count() == 2


def test_a_running_import_is_polled_every_second(owner_client, home, fridge):
    file = SimpleUploadedFile("big.csv", UPLOAD)
    job = start_csv_import(home=home, upload=file, by=owner_client.user)  # queued; not run yet
    response = owner_client.get(reverse("telemetry:csv-import-progress", args=[home.pk, job.id]))
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_a_bad_file_is_reported_on_the_progress_not_as_an_error_page(
    owner_client, home, fridge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, home, b"when,what\n1,2\n")
    job_id = response.url.split("job=")[1]
    html = owner_client.get(reverse("telemetry:csv-import-progress", args=[home.pk, job_id])).content.decode()
    assert "Failed" in html and "timestamp" in html


def test_an_empty_upload_is_a_form_error(owner_client, home):
    response = upload(owner_client, home, b"")
    assert response.status_code == 400
    assert b"empty" in response.content


def test_export_downloads_a_csv_of_the_chosen_local_days(
    owner_client, home, fridge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner_client, home)
    url = reverse("telemetry:csv-export", args=[home.pk])
    response = owner_client.get(url, {"start": "2026-01-05", "end": "2026-01-05", "kind": "readings"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="home-a-readings-2026-01-05-to-2026-01-05.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(b"".join(response.streaming_content).decode().splitlines()))
    assert [r["power_w"] for r in rows] == ["120.0", "119.0"]


def test_export_with_bad_dates_shows_the_form_again(owner_client, home):
    url = reverse("telemetry:csv-export", args=[home.pk])
    response = owner_client.get(url, {"start": "2026-01-05", "end": "2026-01-01", "kind": "hourly"})
    assert response.status_code == 400
    assert b"The end is before the start" in response.content


def test_a_viewer_may_export_but_not_import(readonly_client, home, fridge):
    assert readonly_client.get(reverse("telemetry:home-csv", args=[home.pk])).status_code == 200
    assert upload(readonly_client, home).status_code == 403
    url = reverse("telemetry:csv-export", args=[home.pk])
    assert readonly_client.get(url, {"start": "2026-01-05", "end": "2026-01-05", "kind": "daily"}).status_code == 200
    assert not Reading.objects.exists()


def test_a_member_may_import(member_client, home, fridge, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(member_client, home).status_code == 302
    assert Reading.objects.count() == 2


def test_a_non_member_gets_404_everywhere(outsider_client, owner_client, home, fridge):
    job = start_csv_import(home=home, upload=SimpleUploadedFile("a.csv", UPLOAD), by=owner_client.user)
    assert outsider_client.get(reverse("telemetry:home-csv", args=[home.pk])).status_code == 404
    assert upload(outsider_client, home).status_code == 404
    export = reverse("telemetry:csv-export", args=[home.pk])
    assert outsider_client.get(export, {"start": "2026-01-05", "end": "2026-01-05"}).status_code == 404
    progress = reverse("telemetry:csv-import-progress", args=[home.pk, job.id])
    assert outsider_client.get(progress).status_code == 404
    assert not Reading.objects.exists()


def test_an_import_of_another_home_is_not_found_under_yours(outsider_client, owner_client, home, other_home):
    job = start_csv_import(home=home, upload=SimpleUploadedFile("a.csv", UPLOAD), by=owner_client.user)
    progress = reverse("telemetry:csv-import-progress", args=[other_home.pk, job.id])
    assert outsider_client.get(progress).status_code == 404
    page = outsider_client.get(reverse("telemetry:home-csv", args=[other_home.pk]), {"job": job.id})
    assert b"import-progress" not in page.content


def test_anonymous_visitors_are_sent_to_sign_in(client, home):
    response = client.get(reverse("telemetry:home-csv", args=[home.pk]))
    assert response.status_code == 302
    assert "login" in response.url

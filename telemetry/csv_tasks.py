"""CSV imports that run in the background: the upload is saved under var/imports/, a Celery task
imports it, and its progress is kept in a small JSON file next to it (readable by any process,
and it survives a Redis restart, which an in-cache status would not).

The worker finds the task only when this module is imported: settings need
``CELERY_IMPORTS = ["telemetry.csv_tasks"]`` (or telemetry/tasks.py imports it).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Home, User
from telemetry.csv_io import CsvFormatError, CsvProgress, import_readings_csv

logger = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")
ERRORS_SHOWN = 20


@dataclass(frozen=True)
class ImportJob:
    """The state of one CSV import: "queued", "running", "done" or "failed", with counts so far."""

    id: str
    home_id: int
    user_id: int | None
    filename: str
    time_zone: str = "UTC"
    state: str = "queued"
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    bytes_read: int = 0
    total_bytes: int | None = None
    errors: list[dict] = field(default_factory=list)
    message: str = ""
    created_at: str = ""
    finished_at: str = ""

    @property
    def finished(self) -> bool:
        return self.state in {"done", "failed"}

    @property
    def percent(self) -> int | None:
        if self.state == "done":
            return 100
        if not self.total_bytes:
            return None
        return min(99, int(100 * self.bytes_read / self.total_bytes))

    @property
    def errors_truncated(self) -> bool:
        return self.rejected > len(self.errors)


def imports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(job_id: str) -> Path:
    return imports_dir() / f"{job_id}.csv"


def _status_path(job_id: str) -> Path:
    return imports_dir() / f"{job_id}.json"


def _save(job: ImportJob) -> None:
    # Write then rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=imports_dir(), prefix=".job-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(job), handle)
    os.replace(tmp, _status_path(job.id))


def import_job(job_id: str) -> ImportJob | None:
    """The job with ``job_id``, or None (also for a malformed id). No permission check: see callers."""
    if not JOB_ID_RE.fullmatch(job_id or ""):
        return None
    try:
        data = json.loads(_status_path(job_id).read_text())
    except (OSError, ValueError):
        return None
    return ImportJob(**data)


def start_csv_import(*, home: Home, upload: UploadedFile, by: User, time_zone: str = "UTC") -> ImportJob:
    """Save ``upload`` under var/imports/ and queue its import into ``home`` (after commit).

    The caller has checked that ``by`` may write to ``home``. ``time_zone`` is the zone of
    timestamps without an offset. Returns the queued job; follow it with :func:`import_job`.
    """
    job = ImportJob(
        id=uuid.uuid4().hex,
        home_id=home.pk,
        user_id=by.pk,
        filename=os.path.basename(upload.name or "readings.csv")[:120],
        time_zone=time_zone,
        total_bytes=upload.size,
        created_at=timezone.now().isoformat(),
    )
    with open(_upload_path(job.id), "wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    _save(job)
    from energyhome.queueing import enqueue

    # No broker (no worker either): import here rather than leave the job queued for ever.
    transaction.on_commit(lambda: enqueue(import_csv_file, job.id, fallback=lambda: import_csv_file(job.id)))
    return job


@shared_task(name="telemetry.csv_tasks.import_csv_file", acks_late=True, reject_on_worker_lost=True)
def import_csv_file(job_id: str) -> str:
    """Import the saved file of job ``job_id``; idempotent (a finished job is left alone, and a
    re-run after a lost worker stores nothing twice because duplicates are recognised)."""
    job = import_job(job_id)
    if job is None or job.finished:
        return "missing" if job is None else job.state
    home = Home.objects.filter(pk=job.home_id).first()
    path = _upload_path(job_id)
    if home is None or not path.exists():
        _save(_replace(job, state="failed", message="The home or the uploaded file is gone."))
        return "failed"
    job = _replace(job, state="running")
    _save(job)

    def progress(p: CsvProgress) -> None:
        nonlocal job
        job = _replace(
            job,
            rows=p.rows,
            stored=p.stored,
            duplicates=p.duplicates,
            rejected=p.rejected,
            bytes_read=p.bytes_read,
            errors=[asdict(e) for e in p.errors[:ERRORS_SHOWN]],
        )
        _save(job)

    try:
        result = import_readings_csv(home=home, file=path, progress=progress, assume_time_zone=job.time_zone)
    except CsvFormatError as exc:
        job = _replace(job, state="failed", message=str(exc))
    except Exception:
        logger.exception("CSV import %s failed", job_id)
        job = _replace(job, state="failed", message="The import failed unexpectedly; the rows stored so far are kept.")
    else:
        job = _replace(
            job,
            state="done",
            rows=result.rows,
            stored=result.stored,
            duplicates=result.duplicates,
            rejected=result.rejected,
            bytes_read=job.total_bytes or job.bytes_read,
            errors=[asdict(e) for e in result.errors[:ERRORS_SHOWN]],
        )
    _save(_replace(job, finished_at=timezone.now().isoformat()))
    path.unlink(missing_ok=True)
    return job.state


def _replace(job: ImportJob, **changes: object) -> ImportJob:
    return ImportJob(**{**asdict(job), **changes})

"""Background jobs: their records, named RQ queues with sane defaults, run inline when no Redis is configured.

Jobs take ids, never live objects, and re-load what they need inside their own tenant scope.
"""
from __future__ import annotations

import logging
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import wraps

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .files import StoredFile
from .models import utcnow
from .tenancy import TenantScoped, tenant_scope
from .utc import UtcDateTime

log = logging.getLogger("patentdesk.jobs")


class JobKind(StrEnum):
    """What a tracked job makes; stored in ``job_records.kind`` (the values are in rows, so never rename one)."""

    DOCKET_REPORT = "docket_report"
    DRAFT_CHECK = "draft_check"
    CHECKLIST_PDF = "checklist_pdf"
    SEARCH_REPORT = "search-report"
    SEARCH_IMPORT = "search-import"
    FIRM_EXPORT = "firm_export"


class JobRecord(TenantScoped, db.Model):
    """A background job a person started, with progress for its page and a pointer to what it made."""

    __tablename__ = "job_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, finished, failed
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column()
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    file: Mapped[StoredFile | None] = relationship()


@dataclass(frozen=True)
class QueuePolicy:
    job_timeout: int
    result_ttl: int
    failure_ttl: int
    retry_max: int
    retry_intervals: tuple[int, ...]


# The worker listens in this order, so reminders are never stuck behind a large import.
QUEUES: dict[str, QueuePolicy] = {
    "reminders": QueuePolicy(job_timeout=300, result_ttl=3600, failure_ttl=7 * 86400,
                             retry_max=5, retry_intervals=(30, 120, 600, 1800, 3600)),
    "reports": QueuePolicy(job_timeout=600, result_ttl=86400, failure_ttl=7 * 86400,
                           retry_max=2, retry_intervals=(30, 300)),
    "indexing": QueuePolicy(job_timeout=3600, result_ttl=86400, failure_ttl=7 * 86400,
                            retry_max=3, retry_intervals=(60, 300, 900)),
}

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]+$")  # what RQ 2.8+ accepts


def redis_connection() -> Redis | None:
    url = current_app.config.get("REDIS_URL")
    return Redis.from_url(url) if url else None


def get_queue(name: str, connection: Redis) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; known: {', '.join(QUEUES)}")
    return Queue(name, connection=connection, default_timeout=QUEUES[name].job_timeout)


def enqueue(queue_name: str, func, *args, job_id: str | None = None, **kwargs):
    """Run ``func(*args)`` on the named queue, or right now when no Redis is configured.

    Inline runs commit what the caller has so far first, because the job opens its own view of
    the database exactly as a worker would.
    """
    if job_id is not None and not _JOB_ID.match(job_id):
        raise ValueError(f"job id {job_id!r} may contain only letters, digits, '_' and '-'")
    policy = QUEUES[queue_name] if queue_name in QUEUES else None
    if policy is None:
        raise ValueError(f"unknown queue {queue_name!r}; known: {', '.join(QUEUES)}")
    connection = redis_connection()
    if connection is None:
        db.session.commit()
        log.info("running %s inline (no REDIS_URL)", func.__name__)
        return InlineResult(func(*args, **kwargs))
    return get_queue(queue_name, connection).enqueue(
        func, args=args, kwargs=kwargs, job_id=job_id,
        job_timeout=policy.job_timeout, result_ttl=policy.result_ttl, failure_ttl=policy.failure_ttl,
        retry=Retry(max=policy.retry_max, interval=list(policy.retry_intervals)),
    )


@dataclass
class InlineResult:
    """What enqueue() returns when the job already ran in-process."""

    return_value_: object

    id = None

    def return_value(self):
        return self.return_value_

    def get_status(self) -> str:
        return "finished"


def app_context():
    """The app context a job body runs in: the worker's own (`python -m worker` holds one), else a new app's."""
    if has_app_context():
        return nullcontext()
    from . import create_app
    return create_app().app_context()


def tenant_job(func):
    """A job body that works inside one tenant, named by its first argument; it commits on success."""
    @wraps(func)
    def run(tenant_id: int, *args, **kwargs):
        with app_context(), tenant_scope(tenant_id):
            try:
                result = func(tenant_id, *args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
    run.takes_tenant_id = True  # offboarding finds a firm's queued and finished jobs by it (app/offboarding.py)
    return run


class Progress:
    """Handed to a tracked job body: report progress, attach the file it made, set its result."""

    def __init__(self, record):
        self.record = record

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.record.progress_done = done
        if total is not None:
            self.record.progress_total = total
        if message is not None:
            self.record.message = message
        db.session.commit()  # visible to the job's page while the job runs

    def attach(self, stored_file) -> None:
        self.record.file_id = stored_file.id


def start_tracked_job(queue_name: str, kind: str, label: str, func, *args, created_by_id: int | None = None):
    """Record a job for the current tenant, then run ``func(progress, *args)`` in the background."""
    from .tenancy import current_tenant_id

    record = JobRecord(kind=kind, label=label, status="queued", created_by_id=created_by_id)
    db.session.add(record)
    db.session.commit()  # the worker must find it
    enqueue(queue_name, run_tracked, current_tenant_id(), record.id, func, *args,
            job_id=f"{kind}-{record.tenant_id}-{record.id}".replace(".", "-"))
    return record


@tenant_job
def run_tracked(tenant_id: int, record_id: int, func, *args):
    from rq import get_current_job

    record = db.session.get(JobRecord, record_id)
    record.status, record.error = "running", None
    db.session.commit()
    try:
        result = func(Progress(record), *args)
    except Exception as error:
        db.session.rollback()
        record = db.session.get(JobRecord, record_id)
        record.status, record.error, record.finished_at = "failed", f"{type(error).__name__}: {error}", utcnow()
        db.session.commit()
        log.exception("job %s (%s) failed", record_id, record.kind)
        if get_current_job() is not None:
            raise  # let RQ retry with back-off
        return None
    record.status, record.result, record.finished_at = "finished", result, utcnow()
    if record.progress_total:
        record.progress_done = record.progress_total
    return result

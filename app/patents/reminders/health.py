"""Is reminder delivery alive? Figures for /healthz and the provider's page, and errors in plain words.

Late means: the last completed sweep is more than ``REMINDER_SWEEP_LATE_MINUTES`` old, or a reminder
that was due has waited more than ``REMINDER_WAIT_ALERT_MINUTES`` without being sent. No sweep recorded
at all (a new installation, a minute after start) is reported but not called late: only a stale
record is a symptom. Worker and scheduler heartbeats come from Redis, when it is configured.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...models import Tenant, utcnow
from ...tenancy import tenant_scope
from .models import FirmSweep, OutboxMessage, SweepRun

SCHEDULER_HEARTBEAT_KEY = "patentdesk:scheduler:heartbeat"  # written by worker/schedule.py each minute


def _utc(moment):
    from .sweep import as_utc
    return as_utc(moment) if moment is not None else None


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _minutes(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds() / 60, 1) if delta is not None else None


@dataclass
class ReminderHealth:
    last_sweep_finished_at: str | None = None
    minutes_since_last_sweep: float | None = None
    oldest_due_unsent_since: str | None = None
    oldest_due_unsent_minutes: float | None = None
    failed_rows: int = 0
    firms_with_failing_sweeps: int = 0
    worker_heartbeat: str | None = None
    workers: int | None = None
    scheduler_heartbeat: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return bool(self.problems)

    def as_dict(self) -> dict:
        return asdict(self)


def _redis_heartbeats(health: ReminderHealth) -> None:
    from ...jobs import redis_connection
    connection = redis_connection()
    if connection is None:
        return
    from rq import Worker
    try:
        workers = Worker.all(connection=connection)
        beats = [w.last_heartbeat for w in workers if w.last_heartbeat]
        health.workers = len(workers)
        health.worker_heartbeat = _iso(_utc(max(beats))) if beats else None
        value = connection.get(SCHEDULER_HEARTBEAT_KEY)
        health.scheduler_heartbeat = value.decode() if value else None
    except Exception:  # noqa: BLE001 - Redis being down is reported by /healthz's own check
        return


def reminder_health(now: datetime | None = None, tenant_ids: list[int] | None = None) -> ReminderHealth:
    """Figures over ``tenant_ids`` (default: every active firm); read-only, aggregates only."""
    now = now or utcnow()
    config = current_app.config
    health = ReminderHealth()
    last = _utc(db.session.execute(select(func.max(SweepRun.finished_at))).scalar())
    if tenant_ids is None:
        tenant_ids = list(db.session.execute(select(Tenant.id).where(Tenant.active.is_(True))).scalars())
    with tenant_scope(tenant_ids):
        oldest = _utc(db.session.execute(select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)).scalar())
        health.failed_rows = db.session.execute(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "failed")).scalar() or 0
        health.firms_with_failing_sweeps = db.session.execute(select(func.count(FirmSweep.id)).where(
            FirmSweep.failures_in_a_row > 0)).scalar() or 0
    db.session.commit()  # end the read (and its tenant setting) before the request goes on
    if last is not None:
        health.last_sweep_finished_at = _iso(last)
        health.minutes_since_last_sweep = _minutes(now - last)
        if now - last > timedelta(minutes=config.get("REMINDER_SWEEP_LATE_MINUTES", 5)):
            health.problems.append(f"the reminder sweep is late: the last one finished "
                                   f"{health.minutes_since_last_sweep:g} minutes ago")
    if oldest is not None:
        health.oldest_due_unsent_since = _iso(oldest)
        health.oldest_due_unsent_minutes = _minutes(now - oldest)
        if now - oldest > timedelta(minutes=config.get("REMINDER_WAIT_ALERT_MINUTES", 15)):
            health.problems.append(f"a due reminder has waited {health.oldest_due_unsent_minutes:g} minutes "
                                   "without being sent")
    if health.firms_with_failing_sweeps:
        health.problems.append(f"the sweep is failing for {health.firms_with_failing_sweeps} firm(s)")
    _redis_heartbeats(health)
    return health


def firm_sweep_states(tenant_ids: list[int]) -> dict[int, FirmSweep]:
    with tenant_scope(tenant_ids):
        return {row.tenant_id: row for row in db.session.execute(select(FirmSweep)).scalars()}


_SMTP_CODE = re.compile(r"\b([245]\d\d)\b")


def plain_error(last_error: str | None) -> str:
    """What went wrong with a reminder, for a firm admin: what happened and what to do, no exception names."""
    if not last_error:
        return ""
    text = last_error
    prefix = ""
    gave_up = re.match(r"gave up after (\d+) attempts: (.*)", text, re.S)
    if gave_up:
        if "interrupted" in gave_up.group(2):
            return (f"Sending was interrupted {gave_up.group(1)} times (the background worker stopped while "
                    "sending), so it was given up. Press Retry once delivery works again.")
        prefix, text = f"Given up after {gave_up.group(1)} attempts. ", gave_up.group(2)
    if text.startswith("could not build the message") and "address" in text:
        return prefix + ("The person's e-mail address contains characters that cannot go into an e-mail. "
                         "Correct the address, then press Retry.")
    if text.startswith("could not build the message"):
        return prefix + ("The e-mail could not be written because the matter or deadline contains characters "
                         "that cannot go into an e-mail (for example a line break in the matter reference). "
                         "Correct it, then press Retry.")
    if text.startswith("could not send the message"):
        return prefix + ("The mail server could not be given this message (the recipient's e-mail address may "
                         "contain characters that are not allowed). Check the address, then press Retry.")
    code = _SMTP_CODE.match(text)
    if code:
        number = int(code.group(1))
        if number in (550, 551, 553):
            return prefix + (f"The recipient's mail server refused the address (code {number}). Check the "
                             "person's e-mail address, then press Retry.")
        if number >= 500:
            return prefix + (f"The mail server refused the message (code {number}). Retrying will not help "
                             "until the mail server's administrator has looked at it.")
        return prefix + (f"The mail server asked us to try again later (code {number}). "
                         + ("" if prefix else "This happens by itself."))
    connection_words = ("connection", "refused", "timed out", "timeout", "disconnected", "unreachable",
                        "network", "oserror", "name or service")
    if any(word in text.lower() for word in connection_words):
        return prefix + ("The mail server could not be reached. " + ("" if prefix else
                         "Sending is tried again by itself; if this lasts, ask whoever runs the mail server."))
    return prefix + "Sending failed for a technical reason; the provider's administrators can see the details."

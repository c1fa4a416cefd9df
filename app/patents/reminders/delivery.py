"""Delivery from the outbox: claim rows with a lease, re-check them, build the e-mail (text, HTML, ICS), send over SMTP.

At least once, without duplicates: a row is claimed by a conditional UPDATE (pending, unclaimed or
lease expired) and marked sent only by the holder of its claim token. The one duplicate that cannot
be prevented is a worker killed after SMTP's 250 reply and before the commit; the row is re-sent
after its lease runs out with the same deterministic Message-ID, so receivers can drop it, and the
re-claim is logged.
"""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import logging
import re
import secrets
import smtplib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlparse

from flask import current_app, render_template
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import SpecialistAssignment, Tenant, utcnow
from ...utc import as_utc, local_today
from ..docketing.labels import kind_label
from ..docketing.models import OPEN_STATUSES, Deadline
from .capture import capture
from .links import ack_url
from .models import OVERDUE_STAGE, Acknowledgement, OutboxMessage
from .sweep import QUIET_MATTER_STATUSES

log = logging.getLogger("patentdesk.reminders")

# A claim is short and renewed while its batch is worked through, so a dead worker's rows come back soon.
DEFAULT_LEASE_SECONDS = 60
# PostgreSQL advisory lock class for "someone is delivering this firm's reminders" (the key is the firm's id).
DELIVERY_LOCK_CLASS = 7212
DEFAULT_BATCH_SIZE = 200
DEFAULT_SMTP_CONNECTIONS = 4  # per delivery run (REMINDER_SMTP_CONNECTIONS)
SMTP_TIMEOUT_SECONDS = 20
RETRY_DELAYS_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS_SECONDS) + 1


class TransientMailError(Exception):
    """A 4xx reply or a broken connection: try again later."""


class PermanentMailError(Exception):
    """A 5xx reply: retrying will not help until someone fixes the address or the server."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


def mail_domain() -> str:
    return urlparse(current_app.config["BASE_URL"]).hostname or "patentdesk.invalid"


def message_id_for(rows: list[OutboxMessage]) -> str:
    """Deterministic per outbox row, so a re-send carries the same Message-ID. A digest's depends on every row
    in it: retried with the same items it is the same message, with other items a new one."""
    first = min(rows, key=lambda r: r.id)
    if first.delivery != "digest":
        return f"<reminder-{first.tenant_id}-{first.id}@{mail_domain()}>"
    items = hashlib.sha256(",".join(str(r.id) for r in sorted(rows, key=lambda r: r.id)).encode()).hexdigest()[:12]
    return f"<digest-{first.tenant_id}-{first.id}-{items}@{mail_domain()}>"


class SmtpConnection:
    """One SMTP session, reopened after a connection error. Give it the app's config to use it off the app's thread."""

    def __init__(self, config=None):
        self.config = config
        self.client: smtplib.SMTP | None = None

    def _client(self) -> smtplib.SMTP:
        config = self.config if self.config is not None else current_app.config
        if self.client is None:
            self.client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
            if config["MAIL_USE_TLS"]:
                self.client.starttls()
            if config["MAIL_USERNAME"]:
                self.client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return self.client

    def send(self, message: EmailMessage | bytes, recipient: str, sender: str | None = None) -> None:
        """Send an EmailMessage, or ready-made bytes from ``sender``.

        SMTP replies become TransientMailError or PermanentMailError.
        """
        config = self.config if self.config is not None else current_app.config
        if config.get("MAIL_CAPTURE"):
            capture(message if isinstance(message, bytes) else message.as_bytes(), recipient)
            return
        try:
            if isinstance(message, bytes):
                self._client().sendmail(sender, [recipient], message)
            else:
                self._client().send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            raise _classified(code, text) from refused
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _classified(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TransientMailError(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


class SmtpPool:
    """Several SMTP connections sending at once (one per thread), so a worker is not bound to one round trip."""

    def __init__(self, size: int, config):
        self.size, self.config = max(1, size), dict(config)
        self.sender = parseaddr(self.config["MAIL_FROM"])[1] or self.config["MAIL_FROM"]
        self.executor = ThreadPoolExecutor(self.size, thread_name_prefix="smtp")
        self.local = threading.local()
        self.connections: list[SmtpConnection] = []
        self.lock = threading.Lock()

    def _connection(self) -> SmtpConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = SmtpConnection(self.config)
            with self.lock:
                self.connections.append(connection)
        return connection

    def submit(self, unit: Unit) -> Future:
        return self.executor.submit(lambda: self._connection().send(unit.data, unit.recipient, self.sender))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for connection in self.connections:
            connection.close()


def _classified(code: int, text) -> Exception:
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return PermanentMailError(detail) if 500 <= code < 600 else TransientMailError(detail)


def database_now() -> datetime:
    """The database's clock, which every worker and cron run shares (the embedded SQLite is on this machine)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return utcnow()
    return as_utc(db.session.execute(select(func.statement_timestamp())).scalar())


def _sendable_rows(tenant_id: int, now: datetime, clock: datetime):
    """Due by the run's (possibly simulated) time ``now``; unclaimed or lease lapsed by the database ``clock``."""
    return (OutboxMessage.tenant_id == tenant_id, OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < clock))


class Lease:
    """One claim on a batch of rows: a token, an expiry set from the database clock, renewed as work goes on.

    Ownership is the token: the holder alone records outcomes, and a renewal updates only rows that
    still carry it. Before each send ``still_ours`` answers from the time of the last renewal while
    less than a third of the lease has passed (nobody can take a row whose lease has not run out),
    and otherwise renews, which asks the database again.
    """

    def __init__(self, token: str, seconds: int, taken_at: float):
        self.token, self.seconds, self.renewed_at = token, seconds, taken_at

    def still_ours(self, ids: list[int]) -> bool:
        if time.monotonic() - self.renewed_at < self.seconds / 3:
            return True
        started = time.monotonic()
        held = set(db.session.execute(
            update(OutboxMessage).where(OutboxMessage.claim_token == self.token, OutboxMessage.status == "pending")
            .values(claimed_until=database_now() + timedelta(seconds=self.seconds))
            .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars())
        db.session.commit()
        self.renewed_at = started
        return set(ids) <= held


def _claim(candidate_ids: list[int], tenant_id: int, now: datetime, lease_seconds: int) -> Lease | None:
    """Conditional UPDATE: only rows still pending and unclaimed are taken; the lease runs on the database clock."""
    if not candidate_ids:
        return None
    taken_at, clock = time.monotonic(), database_now()
    sendable = _sendable_rows(tenant_id, now, clock)
    reclaimed = db.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.id.in_(candidate_ids), OutboxMessage.claimed_until.is_not(None))).scalars().all()
    given_up = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(candidate_ids), *sendable,
                                    OutboxMessage.attempts >= MAX_ATTEMPTS)
        .values(status="failed", claimed_until=None, claim_token=None,
                last_error=f"gave up after {MAX_ATTEMPTS} attempts: each was interrupted before it finished "
                           "(the worker stopped or was killed while sending)")
        .execution_options(synchronize_session=False)).rowcount
    if given_up:
        log.error("outbox rows among %s: %s gave up after %s interrupted attempts", candidate_ids, given_up,
                  MAX_ATTEMPTS)
    token = secrets.token_hex(16)
    taken = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(candidate_ids), *sendable)
        .values(claimed_until=clock + timedelta(seconds=lease_seconds), claim_token=token,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    for row_id in reclaimed:
        log.warning("outbox row %s: an earlier delivery attempt was interrupted (worker killed?); re-sending. "
                    "If that attempt had already received 250, the recipient gets a duplicate with the same "
                    "Message-ID.", row_id)
    return Lease(token, lease_seconds, taken_at) if taken else None


def _claimed_rows(token: str) -> list[OutboxMessage]:
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.claim_token == token)
        .options(joinedload(OutboxMessage.deadline).joinedload(Deadline.matter), joinedload(OutboxMessage.recipient))
        .order_by(OutboxMessage.id)).unique().scalars())


def release_claims(leases: list[Lease], attempted: set[int], in_flight: set[int]) -> None:
    """After a failure that ends the run: give back every row still claimed and not sent, at once.

    Rows never tried get their attempt back; a row whose send ended without a recorded outcome keeps it
    (it may have arrived); a row still being sent keeps its claim until its short lease runs out.
    """
    tokens = [lease.token for lease in leases]
    if not tokens:
        return
    try:
        db.session.rollback()
        base = (update(OutboxMessage).where(OutboxMessage.claim_token.in_(tokens), OutboxMessage.status == "pending",
                                            OutboxMessage.id.not_in(in_flight or [-1]))
                .execution_options(synchronize_session=False))
        db.session.execute(base.where(OutboxMessage.id.not_in(attempted or [-1])).values(
            claimed_until=None, claim_token=None, attempts=OutboxMessage.attempts - 1))
        db.session.execute(base.values(claimed_until=None, claim_token=None))
        db.session.commit()
    except Exception:  # noqa: BLE001 - the database may be what failed; the short lease frees them soon anyway
        db.session.rollback()
        log.exception("could not release the claimed outbox rows; they come free when their lease runs out")


@contextmanager
def firm_delivery_lock(tenant_id: int) -> Iterator[bool]:
    """PostgreSQL: at most one delivery run per firm at a time, across cron runs and workers (yields False
    when another run holds it). Held on a connection of its own, so it survives the run's commits and
    ends with the process if that is killed."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield True
        return
    connection, got = db.engine.connect(), False
    try:
        got = connection.execute(select(func.pg_try_advisory_lock(DELIVERY_LOCK_CLASS, tenant_id))).scalar()
        connection.commit()
        yield bool(got)
    finally:
        try:
            if got:
                connection.execute(select(func.pg_advisory_unlock(DELIVERY_LOCK_CLASS, tenant_id)))
                connection.commit()
        except Exception:  # noqa: BLE001 - a connection that cannot unlock must not go back to the pool
            connection.invalidate()
        connection.close()


class OutcomeWriter:
    """Where a run records outcomes. On PostgreSQL, a connection of its own in autocommit mode with the firm's
    row-level-security scope and ``synchronous_commit = off`` set for the session: one round trip per
    outcome statement instead of four (begin with the scope, set, update, commit). A killed worker loses
    nothing written; a database crash could lose the last fraction of a second, re-sent with the same
    Message-ID. The settings are reset before the connection goes back to the pool. Elsewhere: the session.
    """

    def __init__(self, tenant_id: int):
        self.connection = None
        if db.session.get_bind().dialect.name == "postgresql":
            self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.connection.execute(text(
                "SELECT set_config('app.tenant_ids', :scope, false), set_config('synchronous_commit', 'off', false)"),
                {"scope": str(tenant_id)})

    def execute(self, statement) -> int:
        if self.connection is not None:
            return self.connection.execute(statement).rowcount
        return db.session.execute(statement).rowcount

    def commit(self) -> None:
        if self.connection is None:
            db.session.commit()

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT set_config('app.tenant_ids', '', false)"))
            self.connection.execute(text("RESET synchronous_commit"))
            self.connection.close()
        except Exception:  # noqa: BLE001 - a connection whose settings may linger must not be reused
            self.connection.invalidate()
            self.connection.close()


@dataclass
class Unit:
    """One e-mail, built and ready: one reminder, or one person's digest."""

    ids: list[int]
    recipient: str
    message_id: str
    data: bytes
    attempts: int


@dataclass
class Run:
    """One delivery run's state: its claims, what it has started sending, what it has reported."""

    tenant: Tenant
    now: datetime
    lease_seconds: int
    pool: SmtpPool
    writer: OutcomeWriter
    report: DeliveryReport = field(default_factory=DeliveryReport)
    leases: list[Lease] = field(default_factory=list)
    attempted: set[int] = field(default_factory=set)
    in_flight: set[int] = field(default_factory=set)


def deliver_pending(tenant_id: int, now: datetime | None = None, lease_seconds: int = DEFAULT_LEASE_SECONDS,
                    batch_size: int = DEFAULT_BATCH_SIZE) -> DeliveryReport:
    """Send every due outbox row of the tenant in scope, a claimed batch at a time, over several SMTP connections.

    Outcomes are recorded as sends complete (those that complete together in one statement and commit,
    without waiting for the disk on PostgreSQL: a killed worker loses none, a database crash could lose
    the last moment's, which are then sent again with the same Message-ID). If the run fails, its unsent
    claims are released.
    """
    config = current_app.config
    run = Run(db.session.get(Tenant, tenant_id), now or utcnow(), lease_seconds,
              SmtpPool(config.get("REMINDER_SMTP_CONNECTIONS", DEFAULT_SMTP_CONNECTIONS), config),
              OutcomeWriter(tenant_id))
    try:
        while True:
            candidates = db.session.execute(
                select(OutboxMessage.id).where(*_sendable_rows(tenant_id, run.now, database_now()),
                                               OutboxMessage.delivery == "immediate")
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size)).scalars().all()
            if not candidates:
                break
            lease = _claim(candidates, tenant_id, run.now, lease_seconds)
            if lease is not None:
                run.leases.append(lease)
                rows = _claimed_rows(lease.token)
                _deliver_batch([[row] for row in rows], lease, run)
        digest_recipients = db.session.execute(
            select(OutboxMessage.recipient_id).where(*_sendable_rows(tenant_id, run.now, database_now()),
                                                     OutboxMessage.delivery == "digest").distinct()).scalars().all()
        for recipient_id in digest_recipients:
            candidates = db.session.execute(select(OutboxMessage.id).where(
                *_sendable_rows(tenant_id, run.now, database_now()), OutboxMessage.delivery == "digest",
                OutboxMessage.recipient_id == recipient_id)).scalars().all()
            lease = _claim(candidates, tenant_id, run.now, lease_seconds)
            if lease:
                run.leases.append(lease)
                _deliver_batch([_claimed_rows(lease.token)], lease, run)
    except BaseException:
        run.pool.close()  # lets sends under way finish; their rows stay claimed until their lease runs out
        run.writer.close()
        release_claims(run.leases, run.attempted, run.in_flight)
        raise
    run.pool.close()
    run.writer.close()
    return run.report


@dataclass
class Recheck:
    """What the re-check before sending needs, loaded once per batch instead of per row."""

    acknowledged: set[tuple]
    assigned: set[int]


def _recheck_data(rows: list[OutboxMessage], tenant_id: int) -> Recheck:
    deadline_ids = {r.deadline_id for r in rows} or {-1}
    recipients = {r.recipient_id for r in rows} or {-1}
    acknowledged = set(db.session.execute(select(
        Acknowledgement.deadline_id, Acknowledgement.user_id, Acknowledgement.due_date).where(
        Acknowledgement.deadline_id.in_(deadline_ids))).tuples())
    assigned = set(db.session.execute(select(SpecialistAssignment.user_id).where(
        SpecialistAssignment.tenant_id == tenant_id, SpecialistAssignment.user_id.in_(recipients))).scalars())
    return Recheck(acknowledged, assigned)


def why_not_sendable(row: OutboxMessage, tenant_id: int, recheck: Recheck | None = None) -> str | None:
    """Re-checked just before sending: the sweep's decision may be stale by now."""
    recheck = recheck or _recheck_data([row], tenant_id)
    deadline = row.deadline
    missed_but_escalating = deadline.status == "missed" and row.stage == OVERDUE_STAGE
    if deadline.status not in OPEN_STATUSES and not missed_but_escalating:
        return f"deadline {deadline.status}"
    if deadline.current_due != row.due_date:
        return f"deadline moved to {deadline.current_due.isoformat()}"
    if deadline.matter.status in QUIET_MATTER_STATUSES:
        return f"matter {deadline.matter.status}"
    user = row.recipient
    if not user.active or (user.home_tenant_id != tenant_id and user.id not in recheck.assigned):
        return "recipient no longer works for this firm"
    if not row.is_escalation and (row.deadline_id, row.recipient_id, row.due_date) in recheck.acknowledged:
        return "acknowledged"
    return None


def _deliver_batch(groups: list[list[OutboxMessage]], lease: Lease, run: Run) -> None:
    """Re-check and build every e-mail of a claimed batch, record what is cancelled or cannot be built, then
    send. Whatever goes wrong with one e-mail, its rows get an outcome and the others go on."""
    units: list[Unit] = []
    cancelled: dict[str, list[int]] = {}
    broken: list[tuple[list[int], str]] = []
    try:
        recheck = _recheck_data([row for group in groups for row in group], run.tenant.id)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        recheck = None  # row by row, below
    for group in groups:
        ids = [row.id for row in group]
        try:
            live = []
            for row in group:
                reason = why_not_sendable(row, run.tenant.id, recheck)
                if reason:
                    cancelled.setdefault(reason[:80], []).append(row.id)
                else:
                    live.append(row)
            if not live:
                continue
            ids = [row.id for row in live]
            message_id, data = render_message(live, run.tenant, run.now)
            units.append(Unit(ids, live[0].recipient.email, message_id, data, max(r.attempts for r in live)))
        except Exception as error:  # noqa: BLE001 - bad data in one message must not stop the others
            db.session.rollback()
            log.exception("outbox rows %s: the message could not be built; marked failed", ids)
            broken.append((ids, f"could not build the message: {type(error).__name__}: {error}"))
    for reason, ids in cancelled.items():
        _finish(ids, lease.token, commit=False, status="cancelled", cancel_reason=reason)
        run.report.cancelled += len(ids)
    for ids, why in broken:
        _finish(ids, lease.token, commit=False, status="failed", last_error=why[:2000])
        run.report.failed += len(ids)
    db.session.commit()
    _send_units(units, lease, run)


# Outcomes are recorded together once as many as there are connections have come in, or this long after the
# first of them: one statement and commit for several messages. With one connection, each at once.
RECORD_WITHIN_SECONDS = 0.02


def _send_units(units: list[Unit], lease: Lease, run: Run) -> None:
    """Keep every SMTP connection busy; record outcomes as they come in, a few at a time, so a killed worker
    re-sends as little as possible (those whose 250 had arrived but was not yet recorded: README)."""
    pending: dict[Future, Unit] = {}
    unrecorded: list[tuple[Unit, BaseException | None]] = []
    first_unrecorded = 0.0
    queue = iter(units)
    exhausted = False
    while pending or not exhausted or unrecorded:
        while not exhausted and len(pending) < run.pool.size:
            unit = next(queue, None)
            if unit is None:
                exhausted = True
                break
            if not lease.still_ours(unit.ids):
                log.warning("outbox rows %s: the claim lapsed and another run took them; not sending", unit.ids)
                continue
            log.debug("outbox rows %s: sending %s to %s", unit.ids, unit.message_id, unit.recipient)
            run.attempted.update(unit.ids)
            run.in_flight.update(unit.ids)
            pending[run.pool.submit(unit)] = unit
        if pending:
            timeout = max(first_unrecorded + RECORD_WITHIN_SECONDS - time.monotonic(), 0) if unrecorded else None
            wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            done = [future for future in pending if future.done()]
            if done and not unrecorded:
                first_unrecorded = time.monotonic()
            unrecorded.extend((pending.pop(future), future.exception()) for future in done)
        fatal = [error for _, error in unrecorded if error is not None and
                 (isinstance(error, JobTimeoutException) or not isinstance(error, Exception))]
        if unrecorded and (fatal or not pending or run.pool.size == 1 or len(unrecorded) >= run.pool.size
                           or time.monotonic() - first_unrecorded >= RECORD_WITHIN_SECONDS):
            _record_outcomes([(unit, error) for unit, error in unrecorded if error is None or error not in fatal],
                             lease.token, run)
            for unit, _ in unrecorded:
                run.in_flight.difference_update(unit.ids)
            unrecorded = []
        if fatal:
            raise fatal[0]  # the job's time is up (or worse): end the run; its claims are released


def _record_outcomes(outcomes: list[tuple[Unit, BaseException | None]], token: str, run: Run) -> None:
    if not outcomes:
        return
    sent = [row_id for unit, error in outcomes if error is None for row_id in unit.ids]
    if sent:
        _finish(sent, token, writer=run.writer, status="sent", sent_at=utcnow(), last_error=None)
        run.report.sent += len(sent)
    for unit, error in outcomes:
        if error is None:
            continue
        if isinstance(error, TransientMailError):
            if unit.attempts >= MAX_ATTEMPTS:
                _finish(unit.ids, token, writer=run.writer, status="failed",
                        last_error=f"gave up after {unit.attempts} attempts: {error}"[:2000])
                run.report.failed += len(unit.ids)
            else:
                delay = RETRY_DELAYS_SECONDS[min(unit.attempts, len(RETRY_DELAYS_SECONDS)) - 1]
                _finish(unit.ids, token, writer=run.writer, next_attempt_at=run.now + timedelta(seconds=delay),
                        last_error=str(error)[:2000])
                run.report.retrying += len(unit.ids)
            log.warning("outbox rows %s: temporary failure (%s), attempt %s", unit.ids, error, unit.attempts)
        elif isinstance(error, PermanentMailError):
            _finish(unit.ids, token, writer=run.writer, status="failed", last_error=str(error)[:2000])
            run.report.failed += len(unit.ids)
            log.error("outbox rows %s: permanent failure: %s", unit.ids, error)
        else:  # e.g. an address smtplib cannot encode: this e-mail only
            log.error("outbox rows %s: sending failed unexpectedly: %r; marked failed", unit.ids, error)
            _finish(unit.ids, token, writer=run.writer, status="failed",
                    last_error=f"could not send the message: {type(error).__name__}: {error}"[:2000])
            run.report.failed += len(unit.ids)
    run.writer.commit()
    log.info("outbox rows %s: sent %s", sent, [unit.message_id for unit, error in outcomes if error is None])


def _finish(ids: list[int], token: str, commit: bool = True, writer: OutcomeWriter | None = None, **values) -> int:
    """Record an outcome for the rows this claim still holds; returns how many."""
    statement = (update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token)
                 .values(claimed_until=None, claim_token=None, **values).execution_options(synchronize_session=False))
    done = writer.execute(statement) if writer is not None else db.session.execute(statement).rowcount
    if done != len(ids):
        log.warning("outbox rows %s: the claim lapsed before the outcome was recorded; lease too short?", ids)
    if commit and writer is None:
        db.session.commit()
    return done


def days_left_phrase(days: int) -> str:
    if days == 0:
        return "due today"
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    return f"due in {days} day{'s' if days != 1 else ''}"


def _item(row: OutboxMessage, tenant: Tenant, today) -> dict:
    deadline, matter = row.deadline, row.deadline.matter
    days = (deadline.current_due - today).days
    base = current_app.config["BASE_URL"].rstrip("/")
    return {
        "row": row, "deadline": deadline, "matter": matter, "label": kind_label(deadline.kind, deadline.sequence)
        if deadline.kind != "MANUAL" else deadline.label, "days_left": days, "phrase": days_left_phrase(days),
        "escalation": row.is_escalation, "matter_url": f"{base}/matters/{matter.id}",
        "ack_url": ack_url(tenant.id, row.id, row.recipient_id),
    }


def _subject(items: list[dict], tenant: Tenant, today) -> str:
    if len(items) > 1:
        return f"[{tenant.name}] Deadline digest: {len(items)} reminders ({today.isoformat()})"
    item = items[0]
    prefix = "ESCALATION: " if item["escalation"] else ""
    return (f"{prefix}[{item['matter'].reference}] {item['label']} {item['phrase']} "
            f"({item['deadline'].current_due.isoformat()})")


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _ics_line(line: str) -> str:
    """Fold at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence."""
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts) + "\r\n"


def calendar_attachment(items: list[dict]) -> bytes:
    """A VCALENDAR with one all-day VEVENT per deadline; written directly (the icalendar package took a third
    of the time of building a reminder)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PatentDesk//Deadline reminders//EN"]
    for item in items:
        deadline, matter = item["deadline"], item["matter"]
        description = "\n".join([deadline.citation or ""] + list(deadline.explanation or [])).strip()
        summary = f"[{matter.reference}] {item['label']}"
        lines += ["BEGIN:VEVENT",
                  f"SUMMARY:{_ics_text(summary)}",
                  f"DTSTART;VALUE=DATE:{deadline.current_due:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{deadline.current_due + timedelta(days=1):%Y%m%d}",
                  "DTSTAMP:20000101T000000Z",
                  f"UID:deadline-{deadline.id}-{deadline.current_due:%Y%m%d}@{mail_domain()}",
                  f"DESCRIPTION:{_ics_text(description)}",
                  f"URL:{item['matter_url']}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_ics_line(line) for line in lines).encode()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _header(name: str, value: str) -> str:
    """One header line. Control characters in free text (a line break in a matter reference) become a space, so
    they can never start a header of their own; in an address they make the message fail instead."""
    if name in ("To", "From") and _CONTROL.search(value):
        raise ValueError(f"{name} address contains control characters")
    value = _CONTROL.sub(" ", value).strip()
    if value.isascii() and len(value) <= 900:
        return f"{name}: {value}"
    return f"{name}: " + Header(value, "utf-8", header_name=name).encode().replace("\n", "\r\n")


def _base64(text_or_bytes) -> str:
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


# The frame of every reminder e-mail, built once: multipart/mixed [multipart/alternative [text, html], ics].
MESSAGE_FRAME = (
    "{headers}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{b}m\"\r\n\r\n"
    "--{b}m\r\nContent-Type: multipart/alternative; boundary=\"{b}a\"\r\n\r\n"
    "--{b}a\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}"
    "--{b}a\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{html}"
    "--{b}a--\r\n\r\n"
    "--{b}m\r\nContent-Type: text/calendar; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"deadline.ics\"\r\n\r\n{ics}"
    "--{b}m--\r\n"
)


def build_message(rows: list[OutboxMessage], tenant: Tenant, now: datetime) -> EmailMessage:
    """The e-mail for these rows as an EmailMessage (for inspection; delivery sends ``render_message``'s bytes)."""
    return email.message_from_bytes(render_message(rows, tenant, now)[1], policy=email.policy.default)


def render_message(rows: list[OutboxMessage], tenant: Tenant, now: datetime) -> tuple[str, bytes]:
    """Multipart text + HTML with an ICS of the due date(s) and a deterministic Message-ID, as the bytes to send.

    The MIME frame is a constant (``MESSAGE_FRAME``); per message only the headers and the three
    base64 parts are made, which is several times faster than building an EmailMessage.
    """
    today = local_today(now, tenant.time_zone)
    items = [_item(row, tenant, today) for row in rows]
    context = {"items": items, "tenant": tenant, "recipient": rows[0].recipient, "digest": len(items) > 1}
    message_id = message_id_for(rows)
    headers = "\r\n".join([
        _header("Subject", _subject(items, tenant, today)),
        _header("From", current_app.config["MAIL_FROM"]),
        _header("To", rows[0].recipient.email),
        _header("Date", format_datetime(as_utc(now))),
        _header("Message-ID", message_id),
        "Auto-Submitted: auto-generated",
    ])
    boundary = "=_pd_" + hashlib.sha256(message_id.encode()).hexdigest()[:16]
    data = MESSAGE_FRAME.format(
        headers=headers, b=boundary, text=_base64(render_template("reminders/email.txt", **context)),
        html=_base64(render_template("reminders/email.html", **context)), ics=_base64(calendar_attachment(items)))
    return message_id, data.encode("ascii")

"""Delivery from the outbox: claim rows with a lease, re-check them, build the e-mail (text, HTML, ICS), send over SMTP.

At least once, without duplicates: a row is claimed by a conditional UPDATE (pending, unclaimed or
lease expired) and marked sent only by the holder of its claim token. The one duplicate that cannot
be prevented is a worker killed after SMTP's 250 reply and before the commit; the row is re-sent
after its lease runs out with the same deterministic Message-ID, so receivers can drop it, and the
re-claim is logged.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlparse

import icalendar
from flask import current_app, render_template
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import SpecialistAssignment, Tenant, User, utcnow
from ...utc import as_utc
from ..docketing.labels import kind_label
from ..docketing.models import OPEN_STATUSES, Deadline
from .links import ack_url
from .models import OVERDUE_STAGE, OutboxMessage
from .operations import is_acknowledged
from .policy import local_today
from .sweep import QUIET_MATTER_STATUSES

log = logging.getLogger("patentdesk.reminders")

# A claim is short and renewed while its batch is worked through, so a dead worker's rows come back soon.
DEFAULT_LEASE_SECONDS = 60
# PostgreSQL advisory lock class for "someone is delivering this firm's reminders" (the key is the firm's id).
DELIVERY_LOCK_CLASS = 7212
DEFAULT_BATCH_SIZE = 50
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
    """One SMTP session per delivery run, reopened after a connection error."""

    def __init__(self):
        self.client: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        config = current_app.config
        try:
            if self.client is None:
                self.client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
                if config["MAIL_USE_TLS"]:
                    self.client.starttls()
                if config["MAIL_USERNAME"]:
                    self.client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            self.client.send_message(message, to_addrs=[recipient])
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


def release_claims(leases: list[Lease], in_flight: set[int]) -> None:
    """After a failure that ends the run: give back every row still claimed and not sent, at once.

    Rows never tried get their attempt back; a row that was being sent keeps it (it may have arrived).
    """
    tokens = [lease.token for lease in leases]
    if not tokens:
        return
    try:
        db.session.rollback()
        base = update(OutboxMessage).where(OutboxMessage.claim_token.in_(tokens), OutboxMessage.status == "pending")
        db.session.execute(base.where(OutboxMessage.id.not_in(in_flight or [-1])).values(
            claimed_until=None, claim_token=None, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False))
        db.session.execute(base.values(claimed_until=None, claim_token=None)
                           .execution_options(synchronize_session=False))
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


def deliver_pending(tenant_id: int, now: datetime | None = None, lease_seconds: int = DEFAULT_LEASE_SECONDS,
                    batch_size: int = DEFAULT_BATCH_SIZE) -> DeliveryReport:
    """Send every due outbox row of the tenant in scope. If the run fails, its unsent claims are released."""
    now = now or utcnow()
    report = DeliveryReport()
    tenant = db.session.get(Tenant, tenant_id)
    connection = SmtpConnection()
    leases: list[Lease] = []
    in_flight: set[int] = set()
    try:
        while True:
            candidates = db.session.execute(
                select(OutboxMessage.id).where(*_sendable_rows(tenant_id, now, database_now()),
                                               OutboxMessage.delivery == "immediate")
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size)).scalars().all()
            if not candidates:
                break
            lease = _claim(candidates, tenant_id, now, lease_seconds)
            if lease is None:
                continue
            leases.append(lease)
            for row in _claimed_rows(lease.token):
                _deliver_unit([row], lease, tenant, now, connection, report, in_flight)
        digest_recipients = db.session.execute(
            select(OutboxMessage.recipient_id).where(*_sendable_rows(tenant_id, now, database_now()),
                                                     OutboxMessage.delivery == "digest").distinct()).scalars().all()
        for recipient_id in digest_recipients:
            candidates = db.session.execute(select(OutboxMessage.id).where(
                *_sendable_rows(tenant_id, now, database_now()), OutboxMessage.delivery == "digest",
                OutboxMessage.recipient_id == recipient_id)).scalars().all()
            lease = _claim(candidates, tenant_id, now, lease_seconds)
            if lease:
                leases.append(lease)
                _deliver_unit(_claimed_rows(lease.token), lease, tenant, now, connection, report, in_flight)
    except BaseException:
        release_claims(leases, in_flight)
        raise
    finally:
        connection.close()
    return report


def why_not_sendable(row: OutboxMessage, tenant_id: int) -> str | None:
    """Re-checked just before sending: the sweep's decision may be stale by now."""
    deadline = row.deadline
    missed_but_escalating = deadline.status == "missed" and row.stage == OVERDUE_STAGE
    if deadline.status not in OPEN_STATUSES and not missed_but_escalating:
        return f"deadline {deadline.status}"
    if deadline.current_due != row.due_date:
        return f"deadline moved to {deadline.current_due.isoformat()}"
    if deadline.matter.status in QUIET_MATTER_STATUSES:
        return f"matter {deadline.matter.status}"
    if not recipient_may_receive(row.recipient, tenant_id):
        return "recipient no longer works for this firm"
    if not row.is_escalation and is_acknowledged(row):
        return "acknowledged"
    return None


def recipient_may_receive(user: User, tenant_id: int) -> bool:
    if not user.active:
        return False
    if user.home_tenant_id == tenant_id:
        return True
    return db.session.execute(select(SpecialistAssignment.id).where(
        SpecialistAssignment.user_id == user.id, SpecialistAssignment.tenant_id == tenant_id)).first() is not None


def _finish(ids: list[int], token: str, **values) -> int:
    """Record an outcome for the rows this claim still holds (in a transaction of its own); returns how many."""
    done = db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token)
                              .values(claimed_until=None, claim_token=None, **values)
                              .execution_options(synchronize_session=False)).rowcount
    if done != len(ids):
        log.warning("outbox rows %s: the claim lapsed before the outcome was recorded; lease too short?", ids)
    db.session.commit()
    return done


def _fail(ids: list[int], token: str, report: DeliveryReport, why: str) -> None:
    _finish(ids, token, status="failed", last_error=why[:2000])
    report.failed += len(ids)


def _deliver_unit(rows: list[OutboxMessage], lease: Lease, tenant: Tenant, now: datetime,
                  connection: SmtpConnection, report: DeliveryReport, in_flight: set[int]) -> None:
    """One e-mail (one reminder, or one person's digest). Whatever goes wrong, these rows get an outcome
    (sent, cancelled, retrying or failed with the error) and the caller goes on with the next unit."""
    ids, token = [r.id for r in rows], lease.token
    try:
        live = []
        for row in rows:
            reason = why_not_sendable(row, tenant.id)
            if reason:
                _finish([row.id], token, status="cancelled", cancel_reason=reason[:80])
                report.cancelled += 1
            else:
                live.append(row)
        if not live:
            return
        ids = [r.id for r in live]
        message = build_message(live, tenant, now)
        recipient, attempts = live[0].recipient.email, max(r.attempts for r in live)
    except Exception as error:  # noqa: BLE001 - bad data in one message must not stop the others
        db.session.rollback()
        log.exception("outbox rows %s: the message could not be built; marked failed", ids)
        _fail(ids, token, report, f"could not build the message: {type(error).__name__}: {error}")
        return
    if not lease.still_ours(ids):
        log.warning("outbox rows %s: the claim lapsed and another run took them; not sending", ids)
        return
    log.info("outbox rows %s: sending %s to %s", ids, message["Message-ID"], recipient)
    in_flight.update(ids)
    try:
        connection.send(message, recipient)
    except TransientMailError as error:
        if attempts >= MAX_ATTEMPTS:
            _fail(ids, token, report, f"gave up after {attempts} attempts: {error}")
        else:
            delay = RETRY_DELAYS_SECONDS[min(attempts, len(RETRY_DELAYS_SECONDS)) - 1]
            _finish(ids, token, next_attempt_at=now + timedelta(seconds=delay), last_error=str(error)[:2000])
            report.retrying += len(ids)
        log.warning("outbox rows %s: temporary failure (%s), attempt %s", ids, error, attempts)
        return
    except PermanentMailError as error:
        _fail(ids, token, report, str(error))
        log.error("outbox rows %s: permanent failure: %s", ids, error)
        return
    except JobTimeoutException:
        raise  # the job's time is up: end the run (its claims are released), RQ retries it
    except Exception as error:  # noqa: BLE001 - e.g. an address smtplib cannot encode: this row only
        connection.close()
        log.exception("outbox rows %s: sending failed unexpectedly; marked failed", ids)
        _fail(ids, token, report, f"could not send the message: {type(error).__name__}: {error}")
        return
    _finish(ids, token, status="sent", sent_at=utcnow(), last_error=None)
    report.sent += len(ids)


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


def calendar_attachment(items: list[dict]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//PatentDesk//Deadline reminders//EN")
    calendar.add("version", "2.0")
    for item in items:
        deadline, matter = item["deadline"], item["matter"]
        event = icalendar.Event()
        event.add("uid", f"deadline-{deadline.id}-{deadline.current_due:%Y%m%d}@{mail_domain()}")
        event.add("dtstamp", datetime(2000, 1, 1, tzinfo=UTC))
        event.add("dtstart", deadline.current_due)
        event.add("dtend", deadline.current_due + timedelta(days=1))
        event.add("summary", f"[{matter.reference}] {item['label']}")
        event.add("description", "\n".join([deadline.citation or ""] + list(deadline.explanation or [])).strip())
        event.add("url", item["matter_url"])
        calendar.add_component(event)
    return calendar.to_ical()


def build_message(rows: list[OutboxMessage], tenant: Tenant, now: datetime) -> EmailMessage:
    """Multipart text + HTML, with an ICS of the due date(s) and a deterministic Message-ID."""
    today = local_today(now, tenant.time_zone)
    items = [_item(row, tenant, today) for row in rows]
    context = {"items": items, "tenant": tenant, "recipient": rows[0].recipient, "digest": len(items) > 1}
    message = EmailMessage()
    message["Subject"] = _subject(items, tenant, today)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = rows[0].recipient.email
    message["Date"] = format_datetime(as_utc(now))
    message["Message-ID"] = message_id_for(rows)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("reminders/email.txt", **context))
    message.add_alternative(render_template("reminders/email.html", **context), subtype="html")
    message.add_attachment(calendar_attachment(items), maintype="text", subtype="calendar", filename="deadline.ics")
    return message

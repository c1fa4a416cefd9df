"""Delivery from the outbox: claim rows with a lease, re-check them, build the e-mail (text, HTML, ICS), send over SMTP.

At least once, without duplicates: a row is claimed by a conditional UPDATE (pending, unclaimed or
lease expired) and marked sent only by the holder of its claim token. The one duplicate that cannot
be prevented is a worker killed after SMTP's 250 reply and before the commit; the row is re-sent
after its lease runs out with the same deterministic Message-ID, so receivers can drop it, and the
re-claim is logged.
"""
from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlparse

import icalendar
from flask import current_app, render_template
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import SpecialistAssignment, Tenant, User, utcnow
from ..docketing.labels import kind_label
from ..docketing.models import Deadline, OPEN_STATUSES
from .links import ack_url
from .models import OVERDUE_STAGE, OutboxMessage
from .operations import is_acknowledged
from .policy import local_today
from .sweep import QUIET_MATTER_STATUSES

log = logging.getLogger("patentdesk.reminders")

DEFAULT_LEASE_SECONDS = 600
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


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def mail_domain() -> str:
    return urlparse(current_app.config["BASE_URL"]).hostname or "patentdesk.invalid"


def message_id_for(rows: list[OutboxMessage]) -> str:
    """Deterministic per outbox row (per digest: its first row), so a re-send carries the same Message-ID."""
    first = min(rows, key=lambda r: r.id)
    kind = "digest" if first.delivery == "digest" else "reminder"
    return f"<{kind}-{first.tenant_id}-{first.id}@{mail_domain()}>"


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


def _sendable_rows(tenant_id: int, now: datetime):
    return (OutboxMessage.tenant_id == tenant_id, OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))


def _claim(candidate_ids: list[int], tenant_id: int, now: datetime, lease_seconds: int) -> str | None:
    """Conditional UPDATE: only rows still pending and unclaimed are taken; returns the claim token."""
    if not candidate_ids:
        return None
    reclaimed = db.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.id.in_(candidate_ids), OutboxMessage.claimed_until.is_not(None))).scalars().all()
    given_up = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(candidate_ids), *_sendable_rows(tenant_id, now),
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
        update(OutboxMessage).where(OutboxMessage.id.in_(candidate_ids), *_sendable_rows(tenant_id, now))
        .values(claimed_until=now + timedelta(seconds=lease_seconds), claim_token=token,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    for row_id in reclaimed:
        log.warning("outbox row %s: an earlier delivery attempt was interrupted (worker killed?); re-sending. "
                    "If that attempt had already received 250, the recipient gets a duplicate with the same "
                    "Message-ID.", row_id)
    return token if taken else None


def _claimed_rows(token: str) -> list[OutboxMessage]:
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.claim_token == token)
        .options(joinedload(OutboxMessage.deadline).joinedload(Deadline.matter), joinedload(OutboxMessage.recipient))
        .order_by(OutboxMessage.id)).unique().scalars())


def deliver_pending(tenant_id: int, now: datetime | None = None, lease_seconds: int = DEFAULT_LEASE_SECONDS,
                    batch_size: int = DEFAULT_BATCH_SIZE) -> DeliveryReport:
    """Send every due outbox row of the tenant in scope; commits after each message."""
    now = now or utcnow()
    report = DeliveryReport()
    tenant = db.session.get(Tenant, tenant_id)
    connection = SmtpConnection()
    try:
        while True:
            candidates = db.session.execute(
                select(OutboxMessage.id).where(*_sendable_rows(tenant_id, now), OutboxMessage.delivery == "immediate")
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size)).scalars().all()
            if not candidates:
                break
            token = _claim(candidates, tenant_id, now, lease_seconds)
            for row in _claimed_rows(token) if token else []:
                _deliver_unit([row], token, tenant, now, connection, report)
        digest_recipients = db.session.execute(
            select(OutboxMessage.recipient_id).where(*_sendable_rows(tenant_id, now),
                                                     OutboxMessage.delivery == "digest").distinct()).scalars().all()
        for recipient_id in digest_recipients:
            candidates = db.session.execute(select(OutboxMessage.id).where(
                *_sendable_rows(tenant_id, now), OutboxMessage.delivery == "digest",
                OutboxMessage.recipient_id == recipient_id)).scalars().all()
            token = _claim(candidates, tenant_id, now, lease_seconds)
            if token:
                _deliver_unit(_claimed_rows(token), token, tenant, now, connection, report)
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


def _deliver_unit(rows: list[OutboxMessage], token: str, tenant: Tenant, now: datetime,
                  connection: SmtpConnection, report: DeliveryReport) -> None:
    """One e-mail (one reminder, or one person's digest). Whatever goes wrong, these rows get an outcome
    (sent, cancelled, retrying or failed with the error) and the caller goes on with the next unit."""
    ids = [r.id for r in rows]
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
    log.info("outbox rows %s: sending %s to %s", ids, message["Message-ID"], recipient)
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
        event.add("dtstamp", datetime(2000, 1, 1, tzinfo=timezone.utc))
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

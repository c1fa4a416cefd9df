"""Reminder fixtures: a real SMTP server (aiosmtpd) that records or refuses mail, matters and deadlines."""
from __future__ import annotations

import asyncio
import email
import socket
import threading
from datetime import UTC, date, datetime
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, Matter
from app.patents.reminders.models import OutboxMessage
from app.tenancy import tenant_scope


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message; ``reply`` makes it answer DATA with another code; ``delay`` slows it.

    Like a real server, it accepts nothing from a client that vanished before the 250 reply.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.reply = "250 OK"
        self.delay = 0.0
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            self.receiving.set()
            await asyncio.sleep(self.delay)
            self.receiving.clear()
            if server.transport is None or server.transport.is_closing():
                return "421 client gone"
        if not self.reply.startswith("250"):
            return self.reply
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy.default))
        return self.reply

    def to(self, address: str):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def mailbox(app):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False,
                      BASE_URL="https://desk.example")
    yield handler
    controller.stop()


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def add_matter(tenant, reference, attorney=None, specialist=None, status="pending", number="17/123,456"):
    with tenant_scope(tenant.id):
        matter = Matter(reference=reference, title=f"Widget {reference}", jurisdiction="US", application_type="utility",
                        application_number=number, status=status,
                        responsible_attorney_id=attorney.id if attorney else None,
                        specialist_id=specialist.id if specialist else None)
        db.session.add(matter)
        db.session.commit()
        return _detached(matter)


DOCKETED_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def add_deadline(matter, due: date, kind="US_OA_REPLY", status="open", final_due: date | None = None,
                 label="Reply to non-final Office action", docketed_at: datetime | None = DOCKETED_LONG_AGO):
    """A deadline docketed long ago (before its ladder began) unless ``docketed_at`` is None: just now.

    Tests move through simulated time while the row's timestamps are real; "long ago" keeps the sweep's
    catch-up rule (new deadlines get their current rung at once) out of tests about the ladder's days.
    """
    with tenant_scope(matter.tenant_id):
        stamps = {"created_at": docketed_at, "updated_at": docketed_at} if docketed_at else {}
        deadline = Deadline(matter_id=matter.id, kind=kind, label=label, nominal=due, due=due, current_due=due,
                            final_due=final_due, status=status, extensions=[], citation="35 U.S.C. 133",
                            explanation=["Mailed 2025-12-02", "+3 months"], **stamps)
        db.session.add(deadline)
        db.session.commit()
        return _detached(deadline)


def _detached(row):
    """Loaded and detached: the test can read it outside the tenant's scope (RLS would hide a refresh)."""
    db.session.refresh(row)
    db.session.expunge(row)
    return row


def outbox_rows(tenant, **filters) -> list[OutboxMessage]:
    db.session.commit()
    with tenant_scope(tenant.id):
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in filters.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = db.session.execute(query).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows

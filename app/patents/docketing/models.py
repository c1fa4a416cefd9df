"""Tenant-owned records of docketing: matters, their priority claims, events, deadlines and their history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import User, utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime
from ..priority import earliest_priority_date
from .labels import event_label

JURISDICTIONS = {"US": "United States (USPTO)", "EP": "European Patent Office", "PCT": "PCT international"}
APPLICATION_TYPES = {
    "provisional": "Provisional",
    "utility": "Utility nonprovisional",
    "design": "Design",
    "continuation": "Continuation",
    "cip": "Continuation-in-part",
    "divisional": "Divisional",
    "pct": "PCT international",
    "ep": "European application",
    "national_phase": "National / regional phase",
}
# Events recorded on a matter that give it an earlier date to rely on, and the family link each stands for.
PRIORITY_EVENTS = {"PROVISIONAL_FILED": "provisional", "PRIORITY_FILED": "priority"}
MATTER_STATUSES = {"pending": "Pending", "allowed": "Allowed", "granted": "Granted",
                   "abandoned": "Abandoned", "expired": "Expired"}


class Matter(TenantScoped, db.Model):
    """One application in one jurisdiction, as the firm dockets it."""

    __tablename__ = "matters"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60))
    client_reference: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    jurisdiction: Mapped[str] = mapped_column(String(8), index=True)
    application_type: Mapped[str] = mapped_column(String(20))
    application_number: Mapped[str | None] = mapped_column(String(40))
    filing_date: Mapped[date | None] = mapped_column(Date)
    publication_number: Mapped[str | None] = mapped_column(String(40))
    publication_date: Mapped[date | None] = mapped_column(Date)
    grant_number: Mapped[str | None] = mapped_column(String(40))
    grant_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    family_relation: Mapped[str | None] = mapped_column(String(20))  # how it relates to its parent
    responsible_attorney_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Matter | None] = relationship(remote_side=[id])
    responsible_attorney: Mapped[User | None] = relationship(foreign_keys=[responsible_attorney_id])
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])
    priority_claims: Mapped[list[PriorityClaim]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="PriorityClaim.filing_date")

    @property
    def application_type_label(self) -> str:
        return APPLICATION_TYPES.get(self.application_type, self.application_type)

    @property
    def earliest_priority_date(self) -> date | None:
        """Priority claims, provisionals and the parents it relies on, all the way up (app/patents/priority.py)."""
        return self._earliest_priority_date(seen=set())

    def _earliest_priority_date(self, seen: set[int]) -> date | None:
        seen.add(self.id)
        links = [("priority", claim.filing_date) for claim in self.priority_claims]
        links += [(PRIORITY_EVENTS[code], when) for code, when in db.session.execute(
            select(Event.code, Event.event_date).where(Event.matter_id == self.id, Event.deleted_at.is_(None),
                                                       Event.code.in_(PRIORITY_EVENTS)))]
        if self.parent is not None and self.parent.id not in seen:
            links.append((self.family_relation, self.parent._earliest_priority_date(seen)))
        return earliest_priority_date(self.filing_date, links)


class PriorityClaim(TenantScoped, db.Model):
    __tablename__ = "priority_claims"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(4))
    application_number: Mapped[str] = mapped_column(String(40))
    filing_date: Mapped[date] = mapped_column(Date)

    matter: Mapped[Matter] = relationship(back_populates="priority_claims")


class Event(TenantScoped, db.Model):
    """Something that happened to a matter on a date: it produces, closes or moves deadlines."""

    __tablename__ = "events"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    event_date: Mapped[date] = mapped_column(Date)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # kept for the history
    # Set when the event stands for the matter's own data ("filing_date", "priority", "grant_date") and is
    # recorded, moved and removed with it (operations.docket_from_matter_data); None when recorded by hand.
    recorded_from: Mapped[str | None] = mapped_column(String(20))
    # Set when the event was proposed by the office's own file history and confirmed by a second person.
    office_import_id: Mapped[int | None] = mapped_column(ForeignKey("office_data_imports.id"), index=True)

    matter: Mapped[Matter] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        """The event in plain words ("Final Office action mailed"); the code is for the API and the CLI."""
        return event_label(self.matter.jurisdiction, self.code)


class OfficeDataImport(TenantScoped, db.Model):
    """An office's file history uploaded for a matter, and the events it proposes (office_data.py).

    Proposed by one person, confirmed (or discarded) by another: nothing reaches the docket before that.
    """

    __tablename__ = "office_data_imports"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200))
    application_number: Mapped[str | None] = mapped_column(String(40))
    entries: Mapped[list] = mapped_column(JSON, default=list)   # every entry of the file, proposed or not
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="proposed")  # proposed | confirmed | discarded
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    matter: Mapped[Matter] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


DEADLINE_STATUSES = {"open": "Open", "extended": "Extended", "done": "Done", "superseded": "Superseded",
                     "missed": "Missed"}
OPEN_STATUSES = ("open", "extended")


class Deadline(TenantScoped, db.Model):
    """A date the firm must meet, with the rule, citation and arithmetic that produced it."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_docket", "tenant_id", "status", "current_due"),
        Index("ix_deadlines_open_due", "current_due", postgresql_where="status IN ('open', 'extended')"),
        # The docket's "unverified" banner: few rows, looked up on every docket page.
        Index("ix_deadlines_unverified", "tenant_id",
              postgresql_where="changed_by_id IS NOT NULL AND verified_at IS NULL"),
        # The reminder sweep asks each firm "anything docketed or changed since my last sweep?" every minute.
        Index("ix_deadlines_tenant_updated", "tenant_id", "updated_at"),
    )
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    source_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    sequence: Mapped[int | None] = mapped_column()
    label: Mapped[str] = mapped_column(String(200))
    nominal: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)  # the rule's date, rolled to an open day
    current_due: Mapped[date] = mapped_column(Date)  # what must be met now: after any extension or override
    final_nominal: Mapped[date | None] = mapped_column(Date)
    final_due: Mapped[date | None] = mapped_column(Date)
    window_opens: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[list] = mapped_column(JSON, default=list)
    extended_months: Mapped[int | None] = mapped_column()
    extension_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    citation: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    rule_id: Mapped[str | None] = mapped_column(String(80))
    rules_version: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="open")
    done_at: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    manual: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # Maker-checker: a date entered or changed by hand stays unverified until someone else checks it.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    matter: Mapped[Matter] = relationship()
    source_event: Mapped[Event | None] = relationship(foreign_keys=[source_event_id])
    done_event: Mapped[Event | None] = relationship(foreign_keys=[done_event_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_verification(self) -> bool:
        return self.changed_by_id is not None and self.verified_at is None


class DeadlineChange(TenantScoped, db.Model):
    """One step in a deadline's history: created, recomputed, closed, reopened, extended, verified…"""

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    change: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    by: Mapped[User | None] = relationship()


class CalendarFeed(db.Model):
    """A private, revocable iCalendar feed of one person's docket. Only a hash of its secret is kept."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

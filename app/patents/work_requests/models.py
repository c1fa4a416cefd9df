"""Tenant-owned records of the LPO workflow: work requests, their files, history, comments and service levels."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...files import StoredFile
from ...models import User, utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime
from ..docketing.models import Matter

REQUEST_KINDS = {
    "prior_art_search": "Prior-art search",
    "drafting_checklist": "Drafting checklist and review",
    "docketing": "Docketing of a received document",
    "ids_preparation": "IDS preparation",
    "other": "Other",
}
# Hours from submission to delivery that the provider promises unless a firm's service level says otherwise.
DEFAULT_TURNAROUND_HOURS = {"prior_art_search": 120, "drafting_checklist": 72, "docketing": 24,
                            "ids_preparation": 72, "other": 72}
PRIORITIES = {1: "Urgent", 2: "High", 3: "Normal", 4: "Low"}  # the number sorts the queue
REQUEST_STATES = {"submitted": "Submitted", "accepted": "Accepted", "in_progress": "In progress",
                  "delivered": "Delivered", "approved": "Approved", "cancelled": "Cancelled"}
OPEN_STATES = ("submitted", "accepted", "in_progress", "delivered")
PROVIDER_OWES_STATES = ("submitted", "accepted", "in_progress")  # the service-level clock is running


class WorkRequest(TenantScoped, db.Model):
    """One piece of work a firm asks the provider to do on a matter."""

    __tablename__ = "work_requests"
    __table_args__ = (
        Index("ix_work_requests_tenant_state", "tenant_id", "state"),
        Index("ix_work_requests_assignee_state", "assignee_id", "state"),
    )
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    requested_due: Mapped[date] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The service level promised at submission: a later change of the firm's levels does not move it.
    target_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivery_round: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    at_risk_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    matter: Mapped[Matter] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    delivered_by: Mapped[User | None] = relationship(foreign_keys=[delivered_by_id])

    @property
    def kind_label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return REQUEST_STATES.get(self.state, self.state)

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, str(self.priority))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class WorkRequestFile(TenantScoped, db.Model):
    """A stored file on a request: the firm's attachment, or the work product of one delivery round."""

    __tablename__ = "work_request_files"
    __table_args__ = (UniqueConstraint("request_id", "file_id", "role", "delivery_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("work_requests.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # attachment | delivery
    delivery_round: Mapped[int] = mapped_column(Integer, default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship()


class WorkRequestTransition(TenantScoped, db.Model):
    """One step in a request's life: who moved it from which state to which, when, and why."""

    __tablename__ = "work_request_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("work_requests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    by: Mapped[User | None] = relationship()


class WorkRequestComment(TenantScoped, db.Model):
    """A message on a request's thread; a reply names the comment it answers."""

    __tablename__ = "work_request_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("work_requests.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work_request_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class ServiceLevel(TenantScoped, db.Model):
    """A firm's agreed turnaround for one kind of request, overriding DEFAULT_TURNAROUND_HOURS."""

    __tablename__ = "service_levels"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    turnaround_hours: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

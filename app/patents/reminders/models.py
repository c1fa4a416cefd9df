"""Reminder tables: policies, preferences, watchers, the outbox, acknowledgements and sweep runs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import User, utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime
from ..docketing.models import Deadline, Matter

DELIVERY_MODES = {"immediate": "One e-mail per reminder", "digest": "One daily digest"}
OUTBOX_STATUSES = ("pending", "sent", "failed", "cancelled")
ESCALATION_STAGE = "escalation"
OVERDUE_STAGE = "overdue"


class _PolicyColumns:
    """What a reminder policy says; the provider's defaults and each firm's policy share it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statutory_ladder: Mapped[list] = mapped_column(JSON)
    soft_ladder: Mapped[list] = mapped_column(JSON)
    soft_kinds: Mapped[list] = mapped_column(JSON)
    kind_ladders: Mapped[dict] = mapped_column(JSON, default=dict)
    escalate_within_days: Mapped[int] = mapped_column(Integer)
    escalate_to_provider: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_hour: Mapped[int] = mapped_column(Integer)


class ProviderReminderDefaults(_PolicyColumns, db.Model):
    """The provider's defaults, copied into a firm's policy the first time the firm needs one (one row)."""

    __tablename__ = "reminder_provider_defaults"
    __audit__ = True

    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ReminderPolicy(_PolicyColumns, TenantScoped, db.Model):
    """A firm's reminder ladders, escalation rule and digest hour (in the firm's time zone)."""

    __tablename__ = "reminder_policies"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_reminder_policies_tenant_id"),)
    __audit__ = True

    supervising_attorney_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    supervising_attorney: Mapped[User | None] = relationship()


class UserReminderPreference(db.Model):
    """How one person wants reminders delivered, in every firm they work for."""

    __tablename__ = "reminder_user_preferences"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    delivery: Mapped[str] = mapped_column(String(12), default="immediate")


class MatterWatcher(TenantScoped, db.Model):
    """A person who receives a matter's reminders besides its attorney and specialist."""

    __tablename__ = "matter_watchers"
    __table_args__ = (UniqueConstraint("matter_id", "user_id", name="uq_matter_watchers_matter_user"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    matter: Mapped[Matter] = relationship()


class OutboxMessage(TenantScoped, db.Model):
    """One decided reminder for one person: written by the sweep, delivered (once) by the send job.

    The unique key includes the due date, so a deadline that moves gets fresh rows and the rows for
    the old date are cancelled rather than sent.
    """

    __tablename__ = "reminder_outbox"
    __table_args__ = (
        UniqueConstraint("deadline_id", "recipient_id", "stage", "due_date", name="uq_reminder_outbox_key"),
        Index("ix_reminder_outbox_sendable", "tenant_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(12))  # days before due ("7", "0"), "escalation" or "overdue"
    due_date: Mapped[date] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(12), default="immediate")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    deadline: Mapped[Deadline] = relationship()
    recipient: Mapped[User] = relationship()

    @property
    def is_escalation(self) -> bool:
        return self.stage in (ESCALATION_STAGE, OVERDUE_STAGE)


class Acknowledgement(TenantScoped, db.Model):
    """A person has seen a deadline at its current date: their remaining ladder reminders stop."""

    __tablename__ = "reminder_acknowledgements"
    __table_args__ = (UniqueConstraint("deadline_id", "user_id", "due_date", name="uq_reminder_ack_key"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("reminder_outbox.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(8))  # "app" or "link"
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SweepRun(db.Model):
    """One row per swept minute: when it started and finished, what it wrote, how many firms failed.

    It is a record, not a lock: which firm was swept for which minute is decided per firm
    (``FirmSweep``), so a sweep killed half-way is simply run again.
    """

    __tablename__ = "reminder_sweep_runs"

    minute: Mapped[str] = mapped_column(String(12), primary_key=True)  # YYYYMMDDHHMM, UTC
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminders_written: Mapped[int | None] = mapped_column(Integer)
    firms_swept: Mapped[int | None] = mapped_column(Integer)
    firms_failed: Mapped[int | None] = mapped_column(Integer)


class FirmSweep(TenantScoped, db.Model):
    """Where a firm's sweep stands (one row per firm, updated in the sweep's own transaction, never audited).

    ``last_minute`` is taken in the same transaction that writes the firm's reminders, so a killed or
    failed sweep leaves it unchanged and the minute is swept again; a second sweep of the same minute
    finds the row locked or already at that minute and leaves the firm alone.
    """

    __tablename__ = "reminder_firm_sweeps"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_reminder_firm_sweeps_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_minute: Mapped[str | None] = mapped_column(String(12))  # YYYYMMDDHHMM, UTC
    # The firm-local date of the last sweep: a sweep after downtime catches up on the stages it skipped.
    last_swept_on: Mapped[date | None] = mapped_column(Date)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)

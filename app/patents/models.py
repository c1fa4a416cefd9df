"""Tenant-owned records of the patent domain: matters and their priority claims."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import User, utcnow
from ..tenancy import TenantScoped

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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    parent: Mapped[Matter | None] = relationship(remote_side=[id])
    responsible_attorney: Mapped[User | None] = relationship(foreign_keys=[responsible_attorney_id])
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])
    priority_claims: Mapped[list[PriorityClaim]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="PriorityClaim.filing_date")

    @property
    def earliest_priority_date(self) -> date | None:
        dates = [c.filing_date for c in self.priority_claims] + ([self.filing_date] if self.filing_date else [])
        return min(dates) if dates else None


class PriorityClaim(TenantScoped, db.Model):
    __tablename__ = "priority_claims"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(4))
    application_number: Mapped[str] = mapped_column(String(40))
    filing_date: Mapped[date] = mapped_column(Date)

    matter: Mapped[Matter] = relationship(back_populates="priority_claims")


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    file: Mapped[StoredFile | None] = relationship()


class StoredFile(TenantScoped, db.Model):
    """A file kept for a tenant outside the web root: uploads and generated PDFs."""

    __tablename__ = "stored_files"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))  # sanitised, for display and download only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)  # never derived from the filename
    purpose: Mapped[str] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

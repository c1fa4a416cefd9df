"""Checklist templates (provider-owned, versioned, immutable per version) and tenant checklists with history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...jobs import JobRecord
from ...models import User, utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime
from ..docketing.models import Matter

ITEM_STATES = {"open": "Open", "done": "Done", "na": "Not applicable"}
CHECKLIST_STATUSES = {"in_progress": "In progress", "prepared": "Prepared, awaiting sign-off",
                      "returned": "Returned with comments", "signed_off": "Signed off"}
ENTITIES = {"large": "Large entity", "small": "Small entity", "micro": "Micro entity"}


class ChecklistTemplate(db.Model):
    """A kind of checklist (one per filing type); its items live in numbered versions."""

    __tablename__ = "checklist_templates"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # The matters' application types and jurisdictions this template is the default for.
    application_types: Mapped[list] = mapped_column(JSON, default=list)
    jurisdictions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    versions: Mapped[list[ChecklistTemplateVersion]] = relationship(
        back_populates="template", order_by="ChecklistTemplateVersion.version")

    @property
    def latest(self) -> ChecklistTemplateVersion:
        return self.versions[-1]


class ChecklistTemplateVersion(db.Model):
    """One immutable set of items; a change to a template adds a version, never edits one."""

    __tablename__ = "checklist_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    items: Mapped[list] = mapped_column(JSON)  # [{"key", "section", "text", "source"}, ...]
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()


class Checklist(TenantScoped, db.Model):
    """One matter's drafting checklist, fixed to the template version it started from."""

    __tablename__ = "checklists"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_template_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_progress", index=True)
    entity: Mapped[str] = mapped_column(String(8), default="large")
    draft_title: Mapped[str | None] = mapped_column(Text)
    draft_abstract: Mapped[str | None] = mapped_column(Text)
    draft_claims: Mapped[str | None] = mapped_column(Text)
    draft_description: Mapped[str | None] = mapped_column(Text)
    check_result: Mapped[dict | None] = mapped_column(JSON)  # check_draft's report
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    check_job_id: Mapped[int | None] = mapped_column(ForeignKey("job_records.id"))  # the latest draft check
    pdf_job_id: Mapped[int | None] = mapped_column(ForeignKey("job_records.id"))  # the latest PDF
    # The firm's request this checklist answers, if it was started from one.
    work_request_id: Mapped[int | None] = mapped_column(ForeignKey("work_requests.id", ondelete="SET NULL"),
                                                        index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    matter: Mapped[Matter] = relationship()
    template_version: Mapped[ChecklistTemplateVersion] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    check_job: Mapped[JobRecord | None] = relationship(foreign_keys=[check_job_id])
    pdf_job: Mapped[JobRecord | None] = relationship(foreign_keys=[pdf_job_id])
    work_request = relationship("WorkRequest")
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan", order_by="ChecklistItem.position")
    events: Mapped[list[ChecklistEvent]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan", order_by="ChecklistEvent.id")
    overrides: Mapped[list[ChecklistFindingOverride]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan", order_by="ChecklistFindingOverride.id")

    @property
    def heading(self) -> str:
        return f"{self.template_version.template.name} checklist for {self.matter.reference}"

    @property
    def status_label(self) -> str:
        return CHECKLIST_STATUSES[self.status]

    @property
    def open_items(self) -> list[ChecklistItem]:
        return [item for item in self.items if item.state == "open"]

    @property
    def findings(self) -> list[dict]:
        return (self.check_result or {}).get("findings", [])

    @property
    def is_editable(self) -> bool:
        return self.status in ("in_progress", "returned")


class ChecklistItem(TenantScoped, db.Model):
    """A checklist's own copy of a template item, with its state and note."""

    __tablename__ = "checklist_items"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    section: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="open")
    reason: Mapped[str | None] = mapped_column(Text)  # required when not applicable
    note: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    checklist: Mapped[Checklist] = relationship(back_populates="items")
    updated_by: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return ITEM_STATES[self.state]


class ChecklistEvent(TenantScoped, db.Model):
    """The checklist's history: started, items changed, checks run, prepared, returned, signed off."""

    __tablename__ = "checklist_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200))  # as they were named at the time
    message: Mapped[str] = mapped_column(Text, default="")

    checklist: Mapped[Checklist] = relationship(back_populates="events")


class ChecklistFindingOverride(TenantScoped, db.Model):
    """An attorney's written decision that one error-severity finding of the draft check does not stop sign-off.

    The finding is named by its fingerprint (code, claim, term and message), so the same finding found again by a
    later check of the same draft stays overridden, and a new or changed one does not.
    """

    __tablename__ = "checklist_finding_overrides"
    __table_args__ = (UniqueConstraint("checklist_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)  # the finding as it read when overridden
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))  # as they were named at the time
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    checklist: Mapped[Checklist] = relationship(back_populates="overrides")

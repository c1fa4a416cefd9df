"""Tenants, people, their sign-in sessions, provider assignments and the audit log."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .utc import UtcDateTime, utcnow

FIRM_ROLES = ("firm_admin", "attorney", "paralegal", "viewer")
PROVIDER_ROLES = ("provider_admin", "specialist")
ROLE_LABELS = {
    "firm_admin": "Firm admin",
    "attorney": "Attorney",
    "paralegal": "Paralegal",
    "viewer": "Viewer",
    "provider_admin": "Provider admin",
    "specialist": "Patent specialist",
}


class Tenant(db.Model):
    """A client IP law firm."""

    __tablename__ = "tenants"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A firm admin's choice: everyone in the firm signs in with a second factor (provider staff always do).
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Offboarding (app/offboarding.py): deactivated then, deleted with every trace after delete_after.
    offboarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delete_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class User(UserMixin, db.Model):
    """A person who signs in: firm staff belong to one firm, provider staff to none."""

    __tablename__ = "users"
    # An account belongs to one firm (or to the provider): an address is unique within that scope only, so a firm
    # admin adding a person can never learn whether the address has an account anywhere else (issue 11 item 12).
    __table_args__ = (
        UniqueConstraint("home_tenant_id", "email"),
        Index("uq_users_provider_email", "email", unique=True, postgresql_where=text("home_tenant_id IS NULL"),
              sqlite_where=text("home_tenant_id IS NULL")),
    )
    __audit__ = True
    __audit_hidden__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # The firm this person works for; NULL for the provider's own staff.
    home_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # How this person reads dates on the pages (app/web/local_time.DATE_FORMATS); documents and exports keep ISO.
    date_format: Mapped[str] = mapped_column(String(8), default="iso", server_default="iso")

    home_tenant: Mapped[Tenant | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_provider(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SpecialistAssignment(db.Model):
    """Which tenants a member of the provider's staff may work in: the only way across tenants."""

    __tablename__ = "specialist_assignments"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    tenant: Mapped[Tenant] = relationship()


class LoginSession(db.Model):
    """A server-side record of one sign-in, so that sign-out really ends it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # When this session last proved a second factor: API token creation asks for a recent one.
    second_factor_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(db.Model):
    """Append-only: who did what to which record, concerning which tenant.

    Owned by the provider, so it is not TenantScoped; ``subject_tenant_id`` is empty for events
    that concern no tenant (a provider user's sign-in). Reads go through app.audit.visible_entries().
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    subject_tenant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str | None] = mapped_column(String(60))
    target_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(40))

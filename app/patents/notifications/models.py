"""Tenant-owned in-app notifications, and each person's wish to get them by e-mail too."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from ...models import utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime

NOTIFICATION_KINDS = {"assigned": "Assigned to you", "delivered": "Delivered for review",
                      "returned": "Sent back", "approved": "Approved", "at_risk": "Service level at risk",
                      "recomputed": "Deadlines recomputed"}


class Notification(TenantScoped, db.Model):
    """Something a person should know about a request of one firm; unread until they mark it read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def kind_label(self) -> str:
        return NOTIFICATION_KINDS.get(self.kind, self.kind)


class NotificationPreference(db.Model):
    """One person's choice, across every firm they work for, to receive notifications by e-mail as well."""

    __tablename__ = "notification_preferences"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)

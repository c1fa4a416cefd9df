"""In-app notifications about work requests, and each person's wish to get them by e-mail too."""
from __future__ import annotations

from collections.abc import Iterable
import logging
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow
from ..tenancy import TenantScoped

log = logging.getLogger("patentdesk.notifications")

NOTIFICATION_KINDS = {"assigned": "Assigned to you", "delivered": "Delivered for review",
                      "returned": "Sent back", "approved": "Approved", "at_risk": "Service level at risk"}


class Notification(TenantScoped, db.Model):
    """Something a person should know about a request of one firm; unread until they mark it read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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


def notify(user_ids: Iterable[int | None], kind: str, message: str, link: str, tenant_id: int) -> list[Notification]:
    """Add one notification per distinct person (in the request's tenant) and flush."""
    created = [Notification(tenant_id=tenant_id, user_id=user_id, kind=kind, message=message, link=link)
               for user_id in sorted({u for u in user_ids if u})]
    db.session.add_all(created)
    db.session.flush()
    return created


def unread_count(user_id: int) -> int:
    """Unread notifications of this person in the tenants of the current scope."""
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def recent_for(user_id: int, limit: int = 100) -> list[Notification]:
    return db.session.execute(select(Notification).where(Notification.user_id == user_id)
                              .order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(limit)).scalars().all()


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int, tenant_ids: Iterable[int]) -> None:
    db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.tenant_id.in_(list(tenant_ids)),
        Notification.read_at.is_(None)).values(read_at=utcnow()))


def wants_email(user_id: int) -> bool:
    return bool(db.session.execute(select(NotificationPreference.email).where(
        NotificationPreference.user_id == user_id)).scalar())


def set_email_preference(user_id: int, email: bool) -> None:
    preference = db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id)).scalar_one_or_none()
    if preference is None:
        preference = NotificationPreference(user_id=user_id)
        db.session.add(preference)
    preference.email = email
    db.session.flush()


EMAIL_WITHIN = timedelta(days=1)  # older unsent notifications are not worth an e-mail any more
EMAIL_BATCH = 200


def email_pending(tenant_id: int, now: datetime | None = None) -> int:
    """E-mail this firm's new notifications to the people who asked for e-mail; returns how many went out.

    Each row is claimed with a conditional UPDATE before sending, so two runs never send it twice; a
    failed send releases the claim for the next run. Runs in the tenant's scope; commits per message.
    """
    from flask import current_app

    from ..models import Tenant, User
    from .reminders.delivery import SmtpConnection, mail_domain

    now = now or utcnow()
    tenant = db.session.get(Tenant, tenant_id)
    pending = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= now - EMAIL_WITHIN,
               NotificationPreference.email.is_(True), User.active.is_(True))
        .order_by(Notification.id).limit(EMAIL_BATCH)).all()
    connection, sent = SmtpConnection(), 0
    try:
        for notification, user in pending:
            claimed = db.session.execute(update(Notification).where(
                Notification.id == notification.id, Notification.emailed_at.is_(None)).values(emailed_at=now))
            db.session.commit()
            if claimed.rowcount != 1:
                continue  # another run has it
            try:
                connection.send(_notification_email(notification, user, tenant, current_app.config, mail_domain()),
                                user.email)
                sent += 1
            except Exception as error:  # any failure releases the claim for the next run
                db.session.execute(update(Notification).where(Notification.id == notification.id)
                                   .values(emailed_at=None))
                db.session.commit()
                log.warning("notification %s e-mail failed, will retry: %s", notification.id, error)
    finally:
        connection.close()
    return sent


def _notification_email(notification: Notification, user, tenant, config, domain: str):
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = f"[{tenant.name}] {notification.kind_label}: {notification.message}"[:200]
    message["From"], message["To"] = config["MAIL_FROM"], user.email
    message["Message-ID"] = f"<notification-{notification.tenant_id}-{notification.id}@{domain}>"
    link = config["BASE_URL"].rstrip("/") + notification.link
    message.set_content(f"{notification.message}\n\nOpen it in PatentDesk: {link}\n\n"
                        f"You get these e-mails because you asked for them on the Notifications page.")
    return message

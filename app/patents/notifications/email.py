"""Notifications by e-mail, for the people who asked for them: claimed per row, so sent at most once."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ...extensions import db
from ...models import utcnow
from .models import Notification, NotificationPreference

log = logging.getLogger("patentdesk.notifications")

EMAIL_WITHIN = timedelta(days=1)  # older unsent notifications are not worth an e-mail any more
EMAIL_BATCH = 200


def email_pending(tenant_id: int, now: datetime | None = None) -> int:
    """E-mail this firm's new notifications to the people who asked for e-mail; returns how many went out.

    Each row is claimed with a conditional UPDATE before sending, so two runs never send it twice; a
    failed send releases the claim for the next run. Runs in the tenant's scope; commits per message.
    """
    from flask import current_app

    from ...models import Tenant, User
    from ..reminders.delivery import SmtpConnection, mail_domain

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

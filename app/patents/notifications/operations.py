"""In-app notifications about work requests: write them, count, list and mark them read; the e-mail wish."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from ...extensions import db
from ...models import utcnow
from .models import Notification, NotificationPreference


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

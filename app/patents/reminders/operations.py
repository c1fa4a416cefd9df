"""What people do with reminders: acknowledge, watch a matter, retry a failed message. Flushes, never commits."""
from __future__ import annotations

from sqlalchemy import or_, select, update

from ...extensions import db
from ...models import SpecialistAssignment, User, utcnow
from ..docketing.models import Matter
from .models import ESCALATION_STAGE, OVERDUE_STAGE, Acknowledgement, MatterWatcher, OutboxMessage


class ReminderError(ValueError):
    """A request about reminders that cannot be carried out; the message is for the person who asked."""


def acknowledge(message: OutboxMessage, user_id: int, via: str) -> Acknowledgement:
    """The recipient has seen this deadline at this date: their pending ladder reminders for it stop.

    Escalations are not stopped by one person's acknowledgement of their own reminder; the
    within-N-days escalation is skipped at the next sweep because somebody acknowledged.
    """
    if message.recipient_id != user_id:
        raise ReminderError("Only the person a reminder was sent to can acknowledge it.")
    existing = db.session.execute(select(Acknowledgement).where(
        Acknowledgement.deadline_id == message.deadline_id, Acknowledgement.user_id == user_id,
        Acknowledgement.due_date == message.due_date)).scalar_one_or_none()
    if existing is not None:
        return existing
    acknowledgement = Acknowledgement(deadline_id=message.deadline_id, user_id=user_id, due_date=message.due_date,
                                      outbox_id=message.id, via=via, at=utcnow())
    db.session.add(acknowledgement)
    db.session.execute(
        update(OutboxMessage).where(
            OutboxMessage.tenant_id == message.tenant_id, OutboxMessage.deadline_id == message.deadline_id,
            OutboxMessage.recipient_id == user_id, OutboxMessage.due_date == message.due_date,
            OutboxMessage.status == "pending", OutboxMessage.stage.not_in([ESCALATION_STAGE, OVERDUE_STAGE]),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < utcnow()))
        .values(status="cancelled", cancel_reason="acknowledged").execution_options(synchronize_session=False))
    db.session.flush()
    return acknowledgement


def is_acknowledged(message: OutboxMessage) -> bool:
    return db.session.execute(select(Acknowledgement.id).where(
        Acknowledgement.deadline_id == message.deadline_id, Acknowledgement.user_id == message.recipient_id,
        Acknowledgement.due_date == message.due_date)).first() is not None


def watcher_candidates(tenant_id: int) -> list[User]:
    """People who may watch a matter of this firm: its active staff and provider staff assigned to it."""
    return list(db.session.execute(select(User).where(User.active.is_(True), or_(
        User.home_tenant_id == tenant_id,
        User.id.in_(select(SpecialistAssignment.user_id).where(SpecialistAssignment.tenant_id == tenant_id))))
        .order_by(User.name)).scalars())


def add_watcher(matter: Matter, user_id: int, added_by_id: int) -> MatterWatcher:
    if user_id not in {u.id for u in watcher_candidates(matter.tenant_id)}:
        raise ReminderError("That person does not work for this firm.")
    existing = db.session.execute(select(MatterWatcher).where(
        MatterWatcher.matter_id == matter.id, MatterWatcher.user_id == user_id)).scalar_one_or_none()
    if existing is not None:
        return existing
    watcher = MatterWatcher(matter_id=matter.id, user_id=user_id, added_by_id=added_by_id)
    db.session.add(watcher)
    db.session.flush()
    return watcher


def remove_watcher(watcher: MatterWatcher) -> None:
    db.session.delete(watcher)
    db.session.flush()


def retry_message(message: OutboxMessage) -> None:
    """A failed message goes back to the queue now; its attempts and last error stay for the record."""
    if message.status != "failed":
        raise ReminderError("Only a failed message can be retried.")
    message.status, message.next_attempt_at = "pending", utcnow()
    message.claimed_until = message.claim_token = None
    db.session.flush()

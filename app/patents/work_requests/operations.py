"""The LPO work-request workflow: the transitions and who may make them, comments, service levels."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...files import StoredFile
from ...models import SpecialistAssignment, User, utcnow
from ...permissions import Can, can
from ..docketing.models import Matter
from ..notifications.operations import notify
from .models import (
    OPEN_STATES,
    REQUEST_KINDS,
    ServiceLevel,
    WorkRequest,
    WorkRequestComment,
    WorkRequestFile,
    WorkRequestTransition,
)
from .queries import assignable_people, at_risk_condition, sla_status, turnaround_hours


class WorkflowError(ValueError):
    """A transition that this person may not make, or not in this state; the message says why."""


# --- Service levels -------------------------------------------------------------------------------------

def set_turnaround_hours(tenant_id: int, hours_by_kind: dict[str, int]) -> None:
    existing = {level.kind: level for level in db.session.execute(
        select(ServiceLevel).where(ServiceLevel.tenant_id == tenant_id)).scalars()}
    for kind, hours in hours_by_kind.items():
        level = existing.get(kind) or ServiceLevel(tenant_id=tenant_id, kind=kind)
        level.turnaround_hours = hours
        db.session.add(level)
    audit.record("service_levels", summary="service levels changed", tenant_id=tenant_id, details=hours_by_kind)
    db.session.flush()


def request_link(request_id: int) -> str:
    """The request's page, as stored in notifications (which may be written outside any HTTP request)."""
    return f"/requests/{request_id}"


# --- Transitions ---------------------------------------------------------------------------------------------

def _transition(work_request: WorkRequest, action: str, to_state: str, by: User | None, note: str | None = None):
    from_state = work_request.state if work_request.id else None
    work_request.state = to_state
    db.session.add(WorkRequestTransition(tenant_id=work_request.tenant_id, request_id=work_request.id,
                                         action=action, from_state=from_state, to_state=to_state,
                                         by_id=by.id if by else None, note=note))
    audit.record(f"request_{action}", tenant_id=work_request.tenant_id, target=work_request,
                 summary=f"{action} request #{work_request.id} ({from_state or '-'} -> {to_state})",
                 details={"note": note} if note else None)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise WorkflowError(message)


def _require_state(work_request: WorkRequest, *states: str) -> None:
    _require(work_request.state in states,
             f"This request is {work_request.state_label.lower()}; that cannot be done now.")


def is_worker(work_request: WorkRequest, user: User) -> bool:
    """The provider's admin, or the provider staff member assigned to this request."""
    return can(user, Can.MANAGE_WORK_REQUESTS) or (user.id == work_request.assignee_id and can(user, Can.DELIVER_WORK))


def may_cancel(work_request: WorkRequest, user: User) -> bool:
    return can(user, Can.OPEN_WORK_REQUEST) or is_worker(work_request, user)



def _attach(work_request: WorkRequest, stored: StoredFile, role: str, by: User) -> None:
    db.session.add(WorkRequestFile(tenant_id=work_request.tenant_id, request_id=work_request.id, file_id=stored.id,
                                   role=role, delivery_round=work_request.delivery_round, added_by_id=by.id))


def submit(matter: Matter, kind: str, title: str, instructions: str, requested_due: date, priority: int,
           by: User, attachments: list[StoredFile], now: datetime | None = None) -> WorkRequest:
    _require(can(by, Can.OPEN_WORK_REQUEST), "Only the firm's admins, attorneys and paralegals open requests.")
    _require(kind in REQUEST_KINDS, "Choose a kind of request.")
    now = now or utcnow()
    work_request = WorkRequest(tenant_id=matter.tenant_id, matter_id=matter.id, kind=kind, title=title,
                               instructions=instructions, requested_due=requested_due, priority=priority,
                               requested_by_id=by.id, submitted_at=now, state="submitted",
                               target_at=now + timedelta(hours=turnaround_hours(matter.tenant_id)[kind]))
    db.session.add(work_request)
    db.session.flush()
    _transition(work_request, "submitted", "submitted", by)
    for stored in attachments:
        _attach(work_request, stored, "attachment", by)
    db.session.flush()
    return work_request


def accept(work_request: WorkRequest, by: User, assignee: User | None = None) -> None:
    _require(can(by, Can.MANAGE_WORK_REQUESTS), "Only the provider's admin accepts requests.")
    _require_state(work_request, "submitted")
    _transition(work_request, "accepted", "accepted", by)
    if assignee is not None:
        assign(work_request, by, assignee)
    db.session.flush()


def assign(work_request: WorkRequest, by: User, assignee: User) -> None:
    _require(can(by, Can.MANAGE_WORK_REQUESTS), "Only the provider's admin assigns requests.")
    _require_state(work_request, "submitted", "accepted", "in_progress")
    _require(assignee.id in {p.id for p in assignable_people(work_request.tenant_id)},
             f"{assignee.name} is not assigned to this firm, so cannot work on its requests.")
    work_request.assignee_id = assignee.id
    db.session.add(WorkRequestTransition(tenant_id=work_request.tenant_id, request_id=work_request.id,
                                         action="assigned", from_state=work_request.state,
                                         to_state=work_request.state, by_id=by.id, note=assignee.name))
    audit.record("request_assigned", tenant_id=work_request.tenant_id, target=work_request,
                 summary=f"request #{work_request.id} assigned to {assignee.email}")
    notify([assignee.id], "assigned", f"Request #{work_request.id} “{work_request.title}” "
                         f"is assigned to you.", request_link(work_request.id), work_request.tenant_id)
    db.session.flush()


def start(work_request: WorkRequest, by: User) -> None:
    _require(is_worker(work_request, by), "Only the assigned specialist or the provider's admin starts work.")
    _require_state(work_request, "accepted")
    _require(work_request.assignee_id is not None, "Assign the request to a specialist first.")
    _transition(work_request, "started", "in_progress", by)
    db.session.flush()


def deliver(work_request: WorkRequest, by: User, files: list[StoredFile], note: str, now: datetime | None = None):
    _require(is_worker(work_request, by), "Only the assigned specialist or the provider's admin delivers.")
    _require_state(work_request, "in_progress")
    _require(bool(files), "Attach the work product: pick a generated report or upload a file.")
    now = now or utcnow()
    work_request.delivery_round += 1
    for stored in files:
        _attach(work_request, stored, "delivery", by)
        stored.visible_to_firm = True  # delivered work product is the firm's to read
    work_request.delivered_by_id, work_request.delivered_at = by.id, now
    work_request.first_delivered_at = work_request.first_delivered_at or now
    _transition(work_request, "delivered", "delivered", by, note or None)
    concerned = [work_request.requested_by_id, work_request.matter.responsible_attorney_id]
    notify(concerned, "delivered", f"Request #{work_request.id} “{work_request.title}” was "
                         f"delivered for your review.", request_link(work_request.id), work_request.tenant_id)
    db.session.flush()


def send_back(work_request: WorkRequest, by: User, comment: str) -> None:
    _require(can(by, Can.REVIEW_DELIVERY), "Only the firm's attorneys and admins review deliveries.")
    _require_state(work_request, "delivered")
    _require(bool(comment.strip()), "Say what needs to change.")
    _transition(work_request, "returned", "in_progress", by, comment)
    add_comment(work_request, by, comment)
    notify([work_request.assignee_id], "returned", f"Request #{work_request.id} "
                         f"“{work_request.title}” was sent back: {comment[:200]}", request_link(work_request.id),
                         work_request.tenant_id)
    db.session.flush()


def approve(work_request: WorkRequest, by: User, now: datetime | None = None) -> None:
    _require(can(by, Can.REVIEW_DELIVERY), "Only the firm's attorneys and admins approve deliveries.")
    _require(by.id != work_request.delivered_by_id, "Nobody approves their own delivery.")
    _require_state(work_request, "delivered")
    work_request.closed_at = now or utcnow()
    _transition(work_request, "approved", "approved", by)
    notify([work_request.assignee_id, work_request.delivered_by_id], "approved",
                         f"Request #{work_request.id} “{work_request.title}” was approved.",
                         request_link(work_request.id), work_request.tenant_id)
    db.session.flush()


def cancel(work_request: WorkRequest, by: User, reason: str) -> None:
    _require(may_cancel(work_request, by),
             "Only the firm's requesters, the assigned specialist or the provider's admin cancel a request.")
    _require_state(work_request, *OPEN_STATES)
    _require(bool(reason.strip()), "Give a reason for cancelling.")
    work_request.cancel_reason, work_request.closed_at = reason, utcnow()
    _transition(work_request, "cancelled", "cancelled", by, reason)
    db.session.flush()


def add_comment(work_request: WorkRequest, by: User, body: str, parent_id: int | None = None) -> WorkRequestComment:
    _require(bool(body.strip()), "Write a comment first.")
    if parent_id is not None:
        _require(db.session.execute(select(WorkRequestComment.id).where(
            WorkRequestComment.id == parent_id, WorkRequestComment.request_id == work_request.id)).scalar()
            is not None, "That comment is not on this request.")
    comment = WorkRequestComment(tenant_id=work_request.tenant_id, request_id=work_request.id, parent_id=parent_id,
                                 author_id=by.id, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


# --- At-risk sweep ------------------------------------------------------------------------------------------

def notify_at_risk(now: datetime | None = None) -> int:
    """Tell the assignee and the firm's provider admins once about each request nearing or past its target.

    Works in the tenants of the current scope; returns how many requests were flagged.
    """
    now = now or utcnow()
    due = db.session.execute(select(WorkRequest).where(
        at_risk_condition(now), WorkRequest.at_risk_notified_at.is_(None))).scalars().all()
    admins_by_tenant: dict[int, list[int]] = {}
    for tenant_id, user_id in db.session.execute(
            select(SpecialistAssignment.tenant_id, SpecialistAssignment.user_id)
            .join(User, User.id == SpecialistAssignment.user_id)
            .where(User.role == "provider_admin", User.active.is_(True),
                   SpecialistAssignment.tenant_id.in_({r.tenant_id for r in due}))):
        admins_by_tenant.setdefault(tenant_id, []).append(user_id)
    for work_request in due:
        status = sla_status(work_request.state, work_request.target_at, now)
        notify([work_request.assignee_id, *admins_by_tenant.get(work_request.tenant_id, [])],
                             "at_risk", f"Request #{work_request.id} “{work_request.title}” is "
                             f"{'past' if status == 'overdue' else 'within 24 hours of'} its service-level target.",
                             request_link(work_request.id), work_request.tenant_id)
        work_request.at_risk_notified_at = now
    db.session.flush()
    return len(due)



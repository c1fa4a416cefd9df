"""Reading work requests: service-level targets and status, who may be assigned, generated files."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select

from ...accounts import members_query
from ...extensions import db
from ...files import GENERATED_PURPOSES, StoredFile
from ...models import PROVIDER_ROLES, User
from ...utc import as_utc
from .models import (
    DEFAULT_TURNAROUND_HOURS,
    OPEN_STATES,
    PROVIDER_OWES_STATES,
    REQUEST_KINDS,
    REQUEST_STATES,
    ServiceLevel,
    WorkRequest,
)

AT_RISK_WINDOW = timedelta(hours=24)
# The list filters of the requests page and the API: by state, and the two that are not states.
STATE_FILTERS = {"open": "Open", "at_risk": "At risk", **REQUEST_STATES, "all": "All"}
# Files the firm's generated reports are stored under, offered as ready-made work product.


def turnaround_hours(tenant_id: int) -> dict[str, int]:
    """Hours per request kind for one firm: its own service levels over the defaults."""
    own = dict(db.session.execute(select(ServiceLevel.kind, ServiceLevel.turnaround_hours)
                                  .where(ServiceLevel.tenant_id == tenant_id)).all())
    return {kind: own.get(kind, DEFAULT_TURNAROUND_HOURS[kind]) for kind in REQUEST_KINDS}


def sla_status(state: str, target_at: datetime, now: datetime) -> str:
    """'overdue' past the target, 'at_risk' within 24 hours of it, else 'on_track'; only while the provider owes."""
    if state not in PROVIDER_OWES_STATES:
        return "on_track"
    target = as_utc(target_at)
    if target <= now:
        return "overdue"
    if target - now < AT_RISK_WINDOW:
        return "at_risk"
    return "on_track"


def at_risk_condition(now: datetime):
    """The SQL form of sla_status() in ('at_risk', 'overdue')."""
    return and_(WorkRequest.state.in_(PROVIDER_OWES_STATES), WorkRequest.target_at < now + AT_RISK_WINDOW)


def assignable_people(tenant_id: int) -> list[User]:
    """Provider staff assigned to this firm: the only people a request of it can be given to."""
    return db.session.execute(members_query(tenant_id, PROVIDER_ROLES)).scalars().all()


def generated_files(limit: int = 20) -> list[StoredFile]:
    """The current tenant's recent search reports, checklist PDFs and docket reports."""
    return db.session.execute(select(StoredFile).where(StoredFile.purpose.in_(GENERATED_PURPOSES))
                              .order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
                              .limit(limit)).scalars().all()


def request_query(query=None, state: str = "open", kind: str | None = None, matter_id: int | None = None,
                  assignee_id: int | None = None, now: datetime | None = None):
    """Work requests as the requests page and the API filter them (``query`` defaults to ``select(WorkRequest)``).

    ``state`` is a key of STATE_FILTERS: "open" (the default), "at_risk", a request state, or "all".
    """
    query = select(WorkRequest) if query is None else query
    if state == "open":
        query = query.where(WorkRequest.state.in_(OPEN_STATES))
    elif state == "at_risk":
        query = query.where(at_risk_condition(now or datetime.now(UTC)))
    elif state != "all":
        query = query.where(WorkRequest.state == state)
    if kind:
        query = query.where(WorkRequest.kind == kind)
    if matter_id:
        query = query.where(WorkRequest.matter_id == matter_id)
    if assignee_id:
        query = query.where(WorkRequest.assignee_id == assignee_id)
    return query

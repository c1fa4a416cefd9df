"""Reading the docket: one filtered, sorted, paged query over deadlines, and the matter search."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import SpecialistAssignment, Tenant, User
from ...utc import local_today, utcnow
from .models import OPEN_STATUSES, Deadline, Matter

PAGE_SIZE = 50
SORTS = {
    "due": (Deadline.current_due, Deadline.id),
    "-due": (Deadline.current_due.desc(), Deadline.id.desc()),
    "matter": (Matter.reference, Deadline.current_due),
    "kind": (Deadline.kind, Deadline.current_due),
    "tenant": (Tenant.name, Deadline.current_due),
}
STATUS_FILTERS = {"open": "Open", "overdue": "Overdue", "unverified": "Unverified", "done": "Done",
                  "missed": "Missed", "all": "All"}


def tenant_today(tenant: Tenant) -> date:
    return local_today(utcnow(), tenant.time_zone)


@dataclass
class DocketFilters:
    """What a docket view asks for. ``tenant_ids`` is the scope the caller may see, already narrowed."""

    tenant_ids: list[int]
    due_from: date | None = None
    due_to: date | None = None
    jurisdiction: str | None = None
    kind: str | None = None
    status: str = "open"
    responsible_id: int | None = None
    matter_id: int | None = None
    sort: str = "due"
    todays: dict[int, date] = field(default_factory=dict)  # tenant id -> local date
    # A numbered series (renewal years, maintenance fees) shows its next open member only, unless asked.
    future_annuities: bool = False

    def with_range(self, days: int, today: date) -> DocketFilters:
        return replace(self, due_from=today, due_to=today + timedelta(days=days))


def _overdue_condition(todays: dict[int, date]):
    # "Overdue" is judged by each firm's own local date.
    return or_(*(and_(Deadline.tenant_id == tid, Deadline.current_due < today) for tid, today in todays.items()))


def _filtered(query, filters: DocketFilters):
    """Apply the docket's filters; Matter columns are used only when a matter filter is set."""
    query = query.where(Deadline.tenant_id.in_(filters.tenant_ids))
    if filters.status == "open":
        query = query.where(Deadline.status.in_(OPEN_STATUSES))
    elif filters.status == "overdue":
        query = query.where(Deadline.status.in_(OPEN_STATUSES), _overdue_condition(filters.todays))
    elif filters.status == "unverified":
        query = query.where(Deadline.changed_by_id.is_not(None), Deadline.verified_at.is_(None),
                            Deadline.status != "superseded")
    elif filters.status in ("done", "missed"):
        query = query.where(Deadline.status == filters.status)
    else:
        query = query.where(Deadline.status != "superseded")
    if filters.due_from:
        query = query.where(Deadline.current_due >= filters.due_from)
    if filters.due_to:
        query = query.where(Deadline.current_due <= filters.due_to)
    if filters.kind:
        query = query.where(Deadline.kind == filters.kind)
    if filters.matter_id:
        query = query.where(Deadline.matter_id == filters.matter_id)
    if filters.jurisdiction:
        query = query.where(Matter.jurisdiction == filters.jurisdiction)
    if not filters.future_annuities:
        query = query.where(~later_in_series(Deadline))
    if filters.responsible_id:
        query = query.where(or_(Matter.responsible_attorney_id == filters.responsible_id,
                                Matter.specialist_id == filters.responsible_id))
    return query


def later_in_series(deadline):
    """True for a renewal year or maintenance fee while an earlier one of the same matter is still open."""
    earlier = aliased(Deadline)
    return exists().where(earlier.matter_id == deadline.matter_id, earlier.kind == deadline.kind,
                          earlier.sequence.is_not(None), deadline.sequence.is_not(None),
                          earlier.status.in_(OPEN_STATUSES), earlier.sequence < deadline.sequence)


def docket_query(filters: DocketFilters):
    return _filtered(select(Deadline, Matter, Tenant)
                     .join(Matter, Matter.id == Deadline.matter_id)
                     .join(Tenant, Tenant.id == Deadline.tenant_id), filters)


def docket_count(filters: DocketFilters) -> int:
    query = select(func.count(Deadline.id))
    if filters.jurisdiction or filters.responsible_id:
        query = query.join(Matter, Matter.id == Deadline.matter_id)
    return db.session.execute(_filtered(query, filters)).scalar()


@dataclass
class DocketRow:
    deadline: Deadline
    matter: Matter
    tenant: Tenant
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.deadline.is_open and self.days_left < 0


@dataclass
class DocketPage:
    rows: list[DocketRow]
    total: int
    page: int
    pages: int


def docket_page(filters: DocketFilters, page: int = 1, per_page: int = PAGE_SIZE) -> DocketPage:
    query = docket_query(filters)
    total = docket_count(filters)
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = db.session.execute(query.order_by(*SORTS.get(filters.sort, SORTS["due"]))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return DocketPage([_row(filters, d, m, t) for d, m, t in rows], total, page, pages)


def docket_rows(filters: DocketFilters, limit: int = 10000) -> list[DocketRow]:
    rows = db.session.execute(docket_query(filters).order_by(*SORTS.get(filters.sort, SORTS["due"])).limit(limit)).all()
    return [_row(filters, d, m, t) for d, m, t in rows]


def _row(filters: DocketFilters, deadline: Deadline, matter: Matter, tenant: Tenant) -> DocketRow:
    today = filters.todays.get(tenant.id) or tenant_today(tenant)
    return DocketRow(deadline, matter, tenant, (deadline.current_due - today).days)


def month_grid(year: int, month: int) -> list[list[date]]:
    """Weeks (Monday first) covering the month, for the calendar view."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    weeks, day = [], start
    while True:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
        if day.month != month and day > first:
            return weeks


def responsible_people(tenant_ids: list[int]) -> list[User]:
    """Who can be responsible for these firms' matters: their attorneys and the assigned provider staff."""
    firm_people = select(User.id).where(User.home_tenant_id.in_(tenant_ids),
                                        User.role.in_(("attorney", "firm_admin")))
    provider_people = select(SpecialistAssignment.user_id).where(SpecialistAssignment.tenant_id.in_(tenant_ids))
    return db.session.execute(select(User).where(or_(User.id.in_(firm_people), User.id.in_(provider_people)))
                              .order_by(User.name)).scalars().all()


def matters_query(text: str = "", jurisdiction: str | None = None, status: str | None = None):
    """Matters whose reference, title, application number or client reference contain ``text``.

    The one filter behind the matter list page and the API's matter list.
    """
    query = select(Matter)
    text = text.strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(Matter.reference.ilike(like), Matter.title.ilike(like),
                                Matter.application_number.ilike(like), Matter.client_reference.ilike(like)))
    if jurisdiction:
        query = query.where(Matter.jurisdiction == jurisdiction)
    if status:
        query = query.where(Matter.status == status)
    return query

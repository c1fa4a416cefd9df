"""The provider's dashboard: load per firm, specialists' queues and turnaround, whatever the number of requests."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from ...extensions import db
from ...models import User
from ...utc import as_utc
from ..docketing.models import OPEN_STATUSES, Deadline, Matter
from ..work_requests.models import OPEN_STATES, PRIORITIES, REQUEST_KINDS, WorkRequest
from ..work_requests.queries import at_risk_condition
from .counting import count_if

TURNAROUND_DAYS = 30


@dataclass
class TenantLoad:
    tenant_id: int
    open_requests: int = 0
    at_risk: int = 0
    deadlines_next_7: int = 0


@dataclass
class QueueItem:
    request: WorkRequest
    matter_reference: str
    tenant_id: int

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.request.priority, "")


@dataclass
class SpecialistQueue:
    specialist: User
    items: list[QueueItem] = field(default_factory=list)  # the first few, by due date then priority
    open_requests: int = 0
    at_risk: int = 0


@dataclass
class TurnaroundStats:
    kind: str
    count: int
    median_hours: float
    p90_hours: float

    @property
    def label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)


@dataclass
class ProviderDashboard:
    loads: list[TenantLoad]
    queues: list[SpecialistQueue]
    unassigned: int
    turnaround: list[TurnaroundStats]


def tenant_loads(tenant_ids: list[int], todays: dict[int, date], now: datetime) -> list[TenantLoad]:
    """Open and at-risk requests and deadlines of the next 7 days per tenant: two GROUP BY queries."""
    loads = {tid: TenantLoad(tid) for tid in tenant_ids}
    for tenant_id, open_count, risky in db.session.execute(
            select(WorkRequest.tenant_id, func.count(WorkRequest.id), count_if(at_risk_condition(now)))
            .where(WorkRequest.state.in_(OPEN_STATES), WorkRequest.tenant_id.in_(tenant_ids))
            .group_by(WorkRequest.tenant_id)):
        loads[tenant_id].open_requests, loads[tenant_id].at_risk = open_count, int(risky)
    # "The next 7 days" by each firm's own local date.
    within_week = or_(*(and_(Deadline.tenant_id == tid, Deadline.current_due >= today,
                             Deadline.current_due <= today + timedelta(days=7)) for tid, today in todays.items()))
    if todays:
        for tenant_id, count in db.session.execute(
                select(Deadline.tenant_id, func.count(Deadline.id))
                .where(Deadline.status.in_(OPEN_STATUSES), within_week).group_by(Deadline.tenant_id)):
            loads[tenant_id].deadlines_next_7 = count
    return list(loads.values())


def specialist_queues(tenant_ids: list[int], now: datetime, only_user: User | None = None,
                      limit_per_queue: int = 25) -> tuple[list[SpecialistQueue], int]:
    """Each specialist's open requests in these tenants (the first few by due date, then priority), their at-risk
    counts, and how many open requests nobody is assigned to: three queries whatever the number of requests."""
    scope = [WorkRequest.state.in_(OPEN_STATES), WorkRequest.tenant_id.in_(tenant_ids)]
    if only_user is not None:
        scope.append(WorkRequest.assignee_id == only_user.id)
    totals = db.session.execute(
        select(WorkRequest.assignee_id, func.count(WorkRequest.id), count_if(at_risk_condition(now)))
        .where(*scope).group_by(WorkRequest.assignee_id)).all()
    unassigned = sum(count for assignee_id, count, _ in totals if assignee_id is None)
    counts = {assignee_id: (count, int(risky)) for assignee_id, count, risky in totals if assignee_id is not None}
    people = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(list(counts)))).scalars()}
    if only_user is not None:
        people[only_user.id] = only_user
    queues = {uid: SpecialistQueue(person, [], *counts.get(uid, (0, 0))) for uid, person in people.items()}
    ordering = (WorkRequest.requested_due, WorkRequest.priority, WorkRequest.id)
    ranked = (select(WorkRequest.id, func.row_number().over(partition_by=WorkRequest.assignee_id, order_by=ordering)
                     .label("place"))
              .where(*scope, WorkRequest.assignee_id.is_not(None)).subquery())
    for work_request, reference in db.session.execute(
            select(WorkRequest, Matter.reference)
            .join(ranked, ranked.c.id == WorkRequest.id).join(Matter, Matter.id == WorkRequest.matter_id)
            .where(ranked.c.place <= limit_per_queue).order_by(*ordering)):
        queues[work_request.assignee_id].items.append(QueueItem(work_request, reference, work_request.tenant_id))
    return sorted(queues.values(), key=lambda q: q.specialist.name), unassigned


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (p50 is the median for odd counts)."""
    if not sorted_values:
        return 0.0
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def turnaround_stats(tenant_ids: list[int], now: datetime) -> list[TurnaroundStats]:
    """Hours from submission to first delivery, for requests first delivered in the last 30 days, per kind."""
    rows = db.session.execute(
        select(WorkRequest.kind, WorkRequest.submitted_at, WorkRequest.first_delivered_at)
        .where(WorkRequest.tenant_id.in_(tenant_ids), WorkRequest.first_delivered_at.is_not(None),
               WorkRequest.first_delivered_at >= now - timedelta(days=TURNAROUND_DAYS))).all()
    hours_by_kind: dict[str, list[float]] = {}
    for kind, submitted, delivered in rows:
        hours = (as_utc(delivered) - as_utc(submitted)).total_seconds() / 3600
        hours_by_kind.setdefault(kind, []).append(hours)
    stats = []
    for kind in REQUEST_KINDS:
        values = sorted(hours_by_kind.get(kind, []))
        if values:
            stats.append(TurnaroundStats(kind, len(values), round(statistics.median(values), 1),
                                         round(percentile(values, 0.9), 1)))
    return stats


def provider_dashboard(tenant_ids: list[int], todays: dict[int, date], now: datetime,
                       only_user: User | None) -> ProviderDashboard:
    """The provider's view of the tenants in scope; a specialist (only_user) sees just their own queue."""
    queues, unassigned = specialist_queues(tenant_ids, now, only_user)
    return ProviderDashboard(tenant_loads(tenant_ids, todays, now), queues, unassigned,
                             turnaround_stats(tenant_ids, now))


@dataclass
class Bar:
    label: str
    median_width: float
    p90_width: float
    y: int
    median_hours: float
    p90_hours: float


def turnaround_bars(stats: list[TurnaroundStats], width: int = 380, row_height: int = 34) -> list[Bar]:
    """Bar geometry for the inline SVG chart: widths scaled to the longest p90."""
    longest = max((s.p90_hours for s in stats), default=0) or 1
    return [Bar(s.label, round(s.median_hours / longest * width, 1), round(s.p90_hours / longest * width, 1),
                index * row_height, s.median_hours, s.p90_hours) for index, s in enumerate(stats)]

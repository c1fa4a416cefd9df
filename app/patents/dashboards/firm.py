"""The firm's dashboard: deadlines, requests, deliveries and portfolio as a fixed number of GROUP BY queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from ...extensions import db
from ...files import GENERATED_PURPOSES, StoredFile
from ..docketing.models import OPEN_STATUSES, Deadline, Matter
from ..work_requests.models import OPEN_STATES, WorkRequest
from .counting import count_if

DEADLINE_WINDOWS = (7, 30, 90)


@dataclass
class FirmDashboard:
    overdue: int
    upcoming: dict[int, int]  # days ahead -> open deadlines due by then
    unverified: int
    requests_by_state: dict[str, int]
    awaiting_review: list[tuple[WorkRequest, str]]  # (request, matter reference)
    recent_reports: list[StoredFile]
    portfolio: dict[str, dict[str, int]]  # jurisdiction -> status -> matters

    @property
    def open_requests(self) -> int:
        return sum(n for state, n in self.requests_by_state.items() if state in OPEN_STATES)

    @property
    def portfolio_statuses(self) -> list[str]:
        return sorted({status for counts in self.portfolio.values() for status in counts})


def deadline_counts(today: date) -> tuple[int, dict[int, int], int]:
    """Overdue, due within each window, and unverified deadlines of the tenant in scope: one query."""
    is_open = Deadline.status.in_(OPEN_STATUSES)
    columns = [count_if(and_(is_open, Deadline.current_due < today))]
    columns += [count_if(and_(is_open, Deadline.current_due >= today,
                               Deadline.current_due <= today + timedelta(days=days))) for days in DEADLINE_WINDOWS]
    columns.append(count_if(and_(Deadline.changed_by_id.is_not(None), Deadline.verified_at.is_(None),
                                  Deadline.status != "superseded")))
    overdue, *windows, unverified = db.session.execute(select(*columns)).one()
    return int(overdue), {days: int(n) for days, n in zip(DEADLINE_WINDOWS, windows)}, int(unverified)


def firm_dashboard(today: date) -> FirmDashboard:
    """Everything on the firm's dashboard, for the one tenant in scope."""
    overdue, upcoming, unverified = deadline_counts(today)
    by_state = dict(db.session.execute(
        select(WorkRequest.state, func.count(WorkRequest.id)).group_by(WorkRequest.state)).all())
    awaiting = db.session.execute(
        select(WorkRequest, Matter.reference).join(Matter, Matter.id == WorkRequest.matter_id)
        .where(WorkRequest.state == "delivered")
        .order_by(WorkRequest.delivered_at.desc(), WorkRequest.id.desc()).limit(8)).all()
    reports = db.session.execute(
        select(StoredFile).where(StoredFile.purpose.in_(GENERATED_PURPOSES), StoredFile.visible_to_firm.is_(True))
        .order_by(StoredFile.created_at.desc(), StoredFile.id.desc()).limit(8)).scalars().all()
    portfolio: dict[str, dict[str, int]] = {}
    for jurisdiction, status, count in db.session.execute(
            select(Matter.jurisdiction, Matter.status, func.count(Matter.id))
            .group_by(Matter.jurisdiction, Matter.status).order_by(Matter.jurisdiction)):
        portfolio.setdefault(jurisdiction, {})[status] = count
    return FirmDashboard(overdue, upcoming, unverified, by_state, [tuple(row) for row in awaiting], reports,
                         portfolio)

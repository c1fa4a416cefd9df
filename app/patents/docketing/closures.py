"""Declared office closures added at run time by a provider admin (weather, outages, Rule 134(2) EPC periods):
stored with their citation, fed to the office calendars, and every affected open deadline in every firm is
recomputed with history and a notice to the matter's responsible attorney.

The closures known when a release is cut live in calendars/*.toml; this table holds the ones declared since.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from ...models import Tenant, utcnow
from ...tenancy import tenant_scope
from ...utc import UtcDateTime
from ..deadlines.office_calendar import load_calendars, set_declared_closures
from ..notifications.operations import notify
from .models import OPEN_STATUSES, Deadline, Event, Matter
from .operations import DocketError, _produce, _snapshot

_synced: tuple | None = None


class DeclaredClosure(db.Model):
    """One declared closure of one office calendar (provider-level, not per firm)."""

    __tablename__ = "declared_closures"
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[str] = mapped_column(String(20))
    first_day: Mapped[date]
    last_day: Mapped[date]
    name: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def sync() -> None:
    """Give the calendars of this process the declared closures (one cheap query when nothing changed)."""
    global _synced
    marker = tuple(db.session.execute(select(func.count(DeclaredClosure.id), func.max(DeclaredClosure.id),
                                             func.max(DeclaredClosure.created_at))).one())
    if marker == _synced:
        return
    rows = db.session.execute(select(DeclaredClosure).order_by(DeclaredClosure.id)).scalars().all()
    set_declared_closures([(r.calendar_id, r.first_day, r.last_day, r.name, r.citation) for r in rows])
    _synced = marker


def forget() -> None:
    """Drop the declared closures from this process (tests; the next sync() reloads them)."""
    global _synced
    set_declared_closures([])
    _synced = None


def calendar_choices() -> list[tuple[str, str]]:
    return [(cal.id, cal.name) for cal in sorted(load_calendars().values(), key=lambda c: c.name)]


def declare(calendar_id: str, first_day: date, last_day: date, name: str, citation: str,
            actor_id: int | None) -> tuple[DeclaredClosure, int]:
    """Record a closure and recompute the open deadlines it may move in every firm.  Returns (closure,
    number of deadlines whose dates changed)."""
    if calendar_id not in load_calendars():
        raise DocketError(f"Unknown office calendar {calendar_id!r}.")
    if last_day < first_day or (last_day - first_day).days > 120:
        raise DocketError("The last day must be on or after the first day, and a closure lasts at most 120 days.")
    if not name.strip() or not citation.strip():
        raise DocketError("Say what the closure is and cite the notice that declared it.")
    closure = DeclaredClosure(calendar_id=calendar_id, first_day=first_day, last_day=last_day,
                              name=name.strip(), citation=citation.strip(), created_by_id=actor_id)
    db.session.add(closure)
    db.session.flush()
    sync()
    changed = 0
    for tenant in db.session.execute(select(Tenant).order_by(Tenant.id)).scalars().all():
        with tenant_scope(tenant.id):
            changed += _recompute_in_firm(tenant.id, closure, actor_id)
    return closure, changed


def _recompute_in_firm(tenant_id: int, closure: DeclaredClosure, actor_id: int | None) -> int:
    # A date can move only if its unrolled date is on or before the closure's last day and its rolled
    # date on or after its first day (the roll then passes through the closure).
    first, last = closure.first_day, closure.last_day
    candidates = db.session.execute(select(Deadline).where(
        Deadline.status.in_(OPEN_STATUSES), Deadline.source_event_id.is_not(None),
        or_(Deadline.nominal <= last, Deadline.final_nominal <= last),
        or_(Deadline.due >= first, Deadline.final_due >= first, Deadline.current_due >= first))).scalars().all()
    if not candidates:
        return 0
    before = {d.id: _snapshot(d) for d in candidates}
    events = {d.source_event_id for d in candidates}
    for event in db.session.execute(select(Event).where(Event.id.in_(events))).scalars():
        if event.deleted_at is None:
            why = (f"Recomputed for the declared closure {closure.name} "
                   f"({closure.first_day} to {closure.last_day}; {closure.citation})")
            _produce(event.matter, event, actor_id, why=why)
    moved = [d for d in candidates if _snapshot(d) != before[d.id]]
    by_attorney: dict[int, list[Deadline]] = {}
    for d in moved:
        matter = db.session.get(Matter, d.matter_id)
        if matter.responsible_attorney_id:
            by_attorney.setdefault(matter.responsible_attorney_id, []).append(d)
    for user_id, deadlines in by_attorney.items():
        notify([user_id], "recomputed", f"{len(deadlines)} deadline(s) moved by the declared closure "
               f"{closure.name} ({closure.citation})", "/docket", tenant_id)
    return len(moved)

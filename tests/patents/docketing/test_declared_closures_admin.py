"""A provider admin declares an office closure with its citation: open deadlines it moves are recomputed in
every firm with history, and the responsible attorney is told; nobody else may declare one."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing import closures
from app.patents.docketing.models import Deadline, DeadlineChange, Matter
from app.patents.docketing.operations import record_event
from app.patents.notifications.models import Notification
from app.tenancy import tenant_scope


@pytest.fixture(autouse=True)
def no_leftover_closures():
    closures.forget()
    yield
    closures.forget()


def test_declared_closure_moves_open_deadlines_with_history_and_notice(world, login_as):
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="ACME-CL1", title="Valve", jurisdiction="US", application_type="utility",
                        filing_date=date(2025, 3, 3), responsible_attorney_id=world["a_attorney"].id)
        db.session.add(matter)
        db.session.flush()
        # 2026-03-11 + 3 months = Thu 2026-06-11
        record_event(matter, "NONFINAL_OA", date(2026, 3, 11), {}, world["a_paralegal"].id)
        matter_id = matter.id
        db.session.commit()

    assert login_as(world["a_firm_admin"]).get("/admin/closures/").status_code in (403, 404)
    admin = login_as(world["provider_admin"])
    assert admin.get("/admin/closures/").status_code == 200
    response = admin.post("/admin/closures/", data={
        "calendar_id": "USPTO", "first_day": "2026-06-11", "last_day": "2026-06-11",
        "name": "Power outage at the Alexandria campus", "citation": "USPTO notice of 11 June 2026"})
    assert response.status_code == 302

    with tenant_scope(world.firm_a.id):
        reply = db.session.execute(select(Deadline).where(Deadline.matter_id == matter_id,
                                                          Deadline.kind == "US_OA_REPLY")).scalar_one()
        assert (reply.nominal, reply.due, reply.current_due) == (date(2026, 6, 11), date(2026, 6, 12),
                                                                 date(2026, 6, 12))
        assert any("a declared closure (Power outage" in line and "USPTO notice of 11 June 2026" in line
                   for line in reply.explanation)
        change = db.session.execute(select(DeadlineChange).where(DeadlineChange.deadline_id == reply.id,
                                                                 DeadlineChange.change == "recomputed")).scalar_one()
        assert "declared closure" in change.summary and change.before["due"] == "2026-06-11"
        notices = db.session.execute(select(Notification).where(
            Notification.user_id == world["a_attorney"].id)).scalars().all()
        assert [n.kind for n in notices] == ["recomputed"]


def test_a_closure_needs_a_citation(world, login_as):
    admin = login_as(world["provider_admin"])
    response = admin.post("/admin/closures/", data={
        "calendar_id": "EPO", "first_day": "2026-06-11", "last_day": "2026-06-10", "name": "x", "citation": "y"})
    assert response.status_code == 400
    assert db.session.execute(select(closures.DeclaredClosure)).first() is None

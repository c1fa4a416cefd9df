"""Service levels: targets from the firm's table or the defaults, the at-risk rule in Python and SQL, the sweep."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from app.patents.dashboards.provider import percentile
from app.patents.notifications.models import Notification
from app.patents.work_requests.jobs import notify_at_risk_in_every_firm
from app.patents.work_requests.models import DEFAULT_TURNAROUND_HOURS, WorkRequest
from app.patents.work_requests.operations import notify_at_risk, set_turnaround_hours, submit
from app.patents.work_requests.queries import at_risk_condition, sla_status, turnaround_hours
from app.tenancy import tenant_scope
from app.utc import as_utc

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("state, hours_to_target, expected", [
    ("in_progress", 48, "on_track"),
    ("in_progress", 24, "on_track"),  # exactly 24 hours away is not yet at risk
    ("in_progress", 23.9, "at_risk"),
    ("submitted", 1, "at_risk"),
    ("accepted", 0, "overdue"),
    ("in_progress", -5, "overdue"),
    ("delivered", -5, "on_track"),  # the firm is reviewing: the provider's clock has stopped
    ("approved", -5, "on_track"),
    ("cancelled", -5, "on_track"),
])
def test_sla_status(state, hours_to_target, expected):
    assert sla_status(state, NOW + timedelta(hours=hours_to_target), NOW) == expected


def test_naive_database_times_are_read_as_utc():
    assert sla_status("accepted", (NOW + timedelta(hours=2)).replace(tzinfo=None), NOW) == "at_risk"


def test_the_sql_rule_matches_the_python_rule(world, make_request):
    made = [make_request(world.firm_a, state) for state in ("submitted", "accepted", "in_progress", "delivered")]
    offsets = (-30, 5, 30, -30)
    with tenant_scope(world.firm_a.id):
        for found, hours in zip(made, offsets):
            db.session.get(WorkRequest, found.id).target_at = NOW + timedelta(hours=hours)
        db.session.commit()
        flagged = set(db.session.execute(select(WorkRequest.id).where(at_risk_condition(NOW))).scalars())
        expected = {r.id for r in db.session.execute(select(WorkRequest)).scalars()
                    if sla_status(r.state, r.target_at, NOW) != "on_track"}
    assert flagged == expected == {made[0].id, made[1].id}


def test_the_target_comes_from_the_firm_or_the_default(world, make_matter):
    matter = make_matter(world.firm_a)
    with tenant_scope(world.firm_a.id):
        set_turnaround_hours(world.firm_a.id, {"docketing": 4})
        assert turnaround_hours(world.firm_a.id)["docketing"] == 4
        assert turnaround_hours(world.firm_a.id)["ids_preparation"] == DEFAULT_TURNAROUND_HOURS[
            "ids_preparation"]
        quick = submit(matter, "docketing", "Docket the OA", "", NOW.date(), 1, world["a_paralegal"], [],
                                     now=NOW)
        slow = submit(matter, "prior_art_search", "Search", "", NOW.date(), 3, world["a_paralegal"], [],
                                    now=NOW)
        assert as_utc(quick.target_at) == NOW + timedelta(hours=4)
        assert as_utc(slow.target_at) == NOW + timedelta(hours=DEFAULT_TURNAROUND_HOURS["prior_art_search"])
    with tenant_scope(world.firm_b.id):
        assert turnaround_hours(world.firm_b.id)["docketing"] == DEFAULT_TURNAROUND_HOURS["docketing"]


def test_the_provider_admin_edits_service_levels(world, login_as):
    admin = login_as(world["provider_admin"], world.firm_a)
    hours = {kind: str(h) for kind, h in DEFAULT_TURNAROUND_HOURS.items()}
    assert admin.post("/requests/service-levels", data={**hours, "docketing": "6"}).status_code == 302
    with tenant_scope(world.firm_a.id):
        assert turnaround_hours(world.firm_a.id)["docketing"] == 6
    assert admin.post("/requests/service-levels", data={**hours, "docketing": "0"}).status_code == 400
    assert login_as(world["a_firm_admin"]).get("/requests/service-levels").status_code == 403


def test_the_sweep_tells_the_assignee_and_the_firms_provider_admins_once(world, make_request):
    risky = make_request(world.firm_a, "in_progress", assignee=world["specialist_a"])
    fine = make_request(world.firm_a, "in_progress", assignee=world["specialist_a"], title="Fine")
    with tenant_scope(world.firm_a.id):
        db.session.get(WorkRequest, risky.id).target_at = NOW + timedelta(hours=3)
        db.session.get(WorkRequest, fine.id).target_at = NOW + timedelta(hours=100)
        db.session.commit()
        later = NOW + timedelta(hours=1)
        assert notify_at_risk(later) == 1
        assert notify_at_risk(later) == 0
        sent = db.session.execute(select(Notification.user_id).where(
            Notification.kind == "at_risk")).scalars().all()
    assert sorted(sent) == sorted([world["specialist_a"].id, world["provider_admin"].id])


def test_percentiles():
    values = sorted([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert percentile(values, 0.9) == 9.0
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([], 0.9) == 0.0


def test_the_scheduled_job_flags_each_firm_in_its_own_scope(app, world, make_request):
    for firm in (world.firm_a, world.firm_b):
        late = make_request(firm, "in_progress", assignee=world["specialist_both"])
        with tenant_scope(firm.id):
            db.session.get(WorkRequest, late.id).target_at = utcnow() - timedelta(hours=1)
            db.session.commit()
    assert notify_at_risk_in_every_firm() == {"acme": 1, "borealis": 1}
    assert notify_at_risk_in_every_firm() == {}

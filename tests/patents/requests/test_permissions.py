"""Who may do what to a request, and that one firm never sees another's requests or notifications."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SpecialistAssignment
from app.patents.notifications.models import Notification
from app.patents.notifications.operations import unread_count, wants_email
from app.patents.work_requests import operations
from app.patents.work_requests.models import WorkRequest
from app.tenancy import tenant_scope


def _state(tenant, request_id) -> str:
    with tenant_scope(tenant.id):
        return db.session.get(WorkRequest, request_id).state


def test_a_viewer_can_neither_open_nor_approve(world, login_as, make_request):
    delivered = make_request(world.firm_a, "delivered")
    viewer = login_as(world["a_viewer"])
    assert viewer.get(f"/requests/{delivered.id}").status_code == 200
    assert viewer.get("/requests/new").status_code == 403
    assert viewer.post(f"/requests/{delivered.id}/approve").status_code == 403
    assert viewer.post(f"/requests/{delivered.id}/comments", data={"comment-body": "hi"}).status_code == 403
    assert _state(world.firm_a, delivered.id) == "delivered"


def test_a_specialist_cannot_approve_their_own_delivery(world, login_as, make_request):
    delivered = make_request(world.firm_a, "delivered", assignee=world["specialist_a"])
    specialist = login_as(world["specialist_a"])
    assert specialist.post(f"/requests/{delivered.id}/approve").status_code == 403
    with tenant_scope(world.firm_a.id):
        found = db.session.get(WorkRequest, delivered.id)
        found.delivered_by_id = world["a_attorney"].id  # even a firm reviewer may not approve their own work
        with pytest.raises(operations.WorkflowError, match="own delivery"):
            operations.approve(found, world["a_attorney"])
    assert _state(world.firm_a, delivered.id) == "delivered"


def test_a_specialist_not_assigned_to_the_firm_cannot_see_or_work_its_requests(world, login_as, make_request):
    foreign = make_request(world.firm_b, "accepted")
    specialist = login_as(world["specialist_a"])
    assert specialist.get(f"/requests/{foreign.id}").status_code == 404
    assert specialist.post(f"/requests/{foreign.id}/start").status_code == 404
    assert "Search the flange art" not in specialist.get("/requests?state=all").get_data(as_text=True)
    admin = login_as(world["provider_admin"], world.firm_a)  # assigned to firm A only
    assert admin.post(f"/requests/{foreign.id}/assign",
                      data={"assign-assignee_id": world["specialist_a"].id}).status_code == 404


def test_only_specialists_assigned_to_the_firm_can_be_assignees(world, login_as, make_request):
    db.session.add(SpecialistAssignment(user_id=world["provider_admin"].id, tenant_id=world.firm_b.id))
    db.session.commit()
    work_request = make_request(world.firm_b)
    admin = login_as(world["provider_admin"], world.firm_b)
    refused = admin.post(f"/requests/{work_request.id}/accept", data={"accept-assignee_id": world["specialist_a"].id})
    assert refused.status_code == 400
    assert "not assigned to this firm" in refused.get_data(as_text=True)
    assert _state(world.firm_b, work_request.id) == "submitted"
    page = admin.get(f"/requests/{work_request.id}").get_data(as_text=True)
    assert world["specialist_both"].name in page and world["specialist_a"].name not in page
    assert admin.post(f"/requests/{work_request.id}/accept",
                      data={"accept-assignee_id": world["specialist_both"].id}).status_code == 302
    with tenant_scope(world.firm_b.id):
        assert db.session.get(WorkRequest, work_request.id).assignee_id == world["specialist_both"].id


def test_only_the_assignee_works_on_a_request(world, login_as, make_request):
    work_request = make_request(world.firm_a, "accepted", assignee=world["specialist_a"])
    other = login_as(world["specialist_both"])
    refused = other.post(f"/requests/{work_request.id}/start")
    assert refused.status_code == 400 and "assigned specialist" in refused.get_data(as_text=True)
    assert login_as(world["specialist_a"]).post(f"/requests/{work_request.id}/start").status_code == 302


def test_a_transition_out_of_order_is_refused(world, login_as, make_request):
    work_request = make_request(world.firm_a, "submitted")
    attorney = login_as(world["a_attorney"])
    refused = attorney.post(f"/requests/{work_request.id}/approve")
    assert refused.status_code == 400 and "cannot be done now" in refused.get_data(as_text=True)


def test_firm_b_never_sees_firm_a_requests_or_notifications(world, login_as, make_request):
    make_request(world.firm_a, "delivered", title="Acme secret search")
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Notification)).scalars().all()
    b_attorney = login_as(world["b_attorney"])
    for url in ("/requests?state=all", "/requests?state=delivered", "/", "/notifications"):
        body = b_attorney.get(url).get_data(as_text=True)
        assert "Acme secret search" not in body, url
    dashboard = b_attorney.get("/").get_data(as_text=True)
    assert "Nothing waits for your review." in dashboard
    assert "Notifications, 0 unread" in dashboard
    with tenant_scope(world.firm_b.id):
        assert unread_count(world["a_paralegal"].id) == 0
        assert db.session.execute(select(WorkRequest)).scalars().all() == []
    a_paralegal = login_as(world["a_paralegal"])
    assert "Notifications, 1 unread" in a_paralegal.get("/").get_data(as_text=True)


def test_a_notification_is_read_only_by_its_owner(world, login_as, make_request):
    make_request(world.firm_a, "delivered")
    with tenant_scope(world.firm_a.id):
        mine_id, link = db.session.execute(select(Notification.id, Notification.link)
                                           .where(Notification.user_id == world["a_paralegal"].id)).one()
    assert login_as(world["a_attorney"]).post(f"/notifications/{mine_id}/read").status_code == 404
    opened = login_as(world["a_paralegal"]).post(f"/notifications/{mine_id}/read")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(link)
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Notification, mine_id).read_at is not None


def test_the_email_preference_is_kept_per_person(world, login_as):
    client = login_as(world["a_attorney"])
    assert client.post("/notifications/preferences", data={"email": "y"}).status_code == 302
    assert wants_email(world["a_attorney"].id)
    assert not wants_email(world["b_attorney"].id)

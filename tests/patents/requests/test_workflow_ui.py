"""The life of a request through the pages: submit, accept and assign, start, deliver, send back, deliver, approve."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.patents.notifications.models import Notification
from app.patents.work_requests.models import WorkRequest, WorkRequestComment, WorkRequestFile, WorkRequestTransition
from app.tenancy import tenant_scope

from .conftest import PDF, pdf_upload


def _request_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(re.search(r"/requests/(\d+)$", response.headers["Location"]).group(1))


def test_a_request_from_submission_to_approval(world, login_as, make_matter, generated_file):
    firm = world.firm_a
    matter = make_matter(firm, attorney=world["a_attorney"])
    checklist = generated_file(firm, "checklist_pdf", "checklist-final.pdf")

    paralegal = login_as(world["a_paralegal"])
    submitted = paralegal.post("/requests/new", content_type="multipart/form-data", data={
        "matter_id": matter.id, "kind": "prior_art_search", "title": "Novelty search for the flange",
        "instructions": "Focus on EP and US art before 2020.",
        "requested_due": (date.today() + timedelta(days=7)).isoformat(),
        "priority": "2", "attachments": pdf_upload("invention-disclosure.pdf")})
    request_id = _request_id(submitted)
    page = paralegal.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Novelty search for the flange" in page and "invention-disclosure.pdf" in page

    admin = login_as(world["provider_admin"], firm)
    assert admin.post(f"/requests/{request_id}/accept",
                      data={"accept-assignee_id": world["specialist_a"].id}).status_code == 302

    specialist = login_as(world["specialist_a"])
    queue = specialist.get("/requests?mine=1").get_data(as_text=True)
    assert "Novelty search for the flange" in queue
    assert specialist.post(f"/requests/{request_id}/start").status_code == 302
    delivered = specialist.post(f"/requests/{request_id}/deliver", content_type="multipart/form-data", data={
        "deliver-uploads": pdf_upload("search-report-draft.pdf"), "deliver-note": "Five X documents found."})
    assert delivered.status_code == 302, delivered.get_data(as_text=True)[:800]

    attorney = login_as(world["a_attorney"])
    assert "Deliveries awaiting review" in attorney.get("/").get_data(as_text=True)
    assert attorney.post(f"/requests/{request_id}/return",
                         data={"return-text": "Please add the Japanese family members."}).status_code == 302
    with tenant_scope(firm.id):
        assert db.session.get(WorkRequest, request_id).state == "in_progress"

    # A firm file that is not this request's work is neither offered nor accepted.
    assert "checklist-final.pdf" not in specialist.get(f"/requests/{request_id}").get_data(as_text=True)
    unrelated = specialist.post(f"/requests/{request_id}/deliver", content_type="multipart/form-data", data={
        "deliver-picked_files": str(checklist.id), "deliver-note": "Family members added."})
    assert unrelated.status_code == 400
    redelivered = specialist.post(f"/requests/{request_id}/deliver", content_type="multipart/form-data", data={
        "deliver-uploads": pdf_upload("search-report-final.pdf"), "deliver-note": "Family members added."})
    assert redelivered.status_code == 302, redelivered.get_data(as_text=True)[:800]
    review = attorney.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Delivery for your review (round 2)" in review and "Family members added." in review
    assert "Approve the delivery" in review and "Send back with this reason" in review
    assert attorney.post(f"/requests/{request_id}/approve").status_code == 302

    with tenant_scope(firm.id):
        work_request = db.session.get(WorkRequest, request_id)
        assert work_request.state == "approved" and work_request.delivery_round == 2
        actions = db.session.execute(select(WorkRequestTransition.action).where(
            WorkRequestTransition.request_id == request_id).order_by(WorkRequestTransition.id)).scalars().all()
        assert actions == ["submitted", "accepted", "assigned", "started", "delivered", "returned", "delivered",
                           "approved"]
        roles = db.session.execute(select(WorkRequestFile.role, WorkRequestFile.delivery_round).where(
            WorkRequestFile.request_id == request_id).order_by(WorkRequestFile.id)).all()
        assert roles == [("attachment", 0), ("delivery", 1), ("delivery", 2)]
        comments = db.session.execute(select(WorkRequestComment.body)).scalars().all()
        assert comments == ["Please add the Japanese family members."]
        kinds = db.session.execute(select(Notification.kind, Notification.user_id).order_by(Notification.id)).all()
    assert ("assigned", world["specialist_a"].id) in kinds
    assert ("delivered", world["a_paralegal"].id) in kinds and ("delivered", world["a_attorney"].id) in kinds
    assert ("returned", world["specialist_a"].id) in kinds and ("approved", world["specialist_a"].id) in kinds
    audited = db.session.execute(select(AuditEntry.action, AuditEntry.actor_label).where(
        AuditEntry.action.like("request_%")).order_by(AuditEntry.id)).all()
    assert ("request_approved", world["a_attorney"].email) in audited
    assert ("request_returned", world["a_attorney"].email) in audited
    assert ("request_delivered", world["specialist_a"].email) in audited

    with tenant_scope(firm.id):
        final_id = db.session.execute(select(WorkRequestFile.file_id).where(
            WorkRequestFile.request_id == request_id, WorkRequestFile.delivery_round == 2)).scalar_one()
    assert attorney.get(f"/requests/{request_id}/files/{checklist.id}").status_code == 404
    download = attorney.get(f"/requests/{request_id}/files/{final_id}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_history_and_a_threaded_reply_show_on_the_page(world, login_as, make_request):
    work_request = make_request(world.firm_a, "in_progress")
    attorney = login_as(world["a_attorney"])
    attorney.post(f"/requests/{work_request.id}/comments", data={"comment-body": "Any news?"})
    with tenant_scope(world.firm_a.id):
        question_id = db.session.execute(select(WorkRequestComment.id)).scalar_one()
    specialist = login_as(world["specialist_both"])
    assert specialist.post(f"/requests/{work_request.id}/comments", data={
        "comment-body": "Tomorrow.", "comment-parent_id": str(question_id)}).status_code == 302
    page = attorney.get(f"/requests/{work_request.id}").get_data(as_text=True)
    assert page.index("Any news?") < page.index("Tomorrow.")
    with tenant_scope(world.firm_a.id):
        reply_parent = db.session.execute(select(WorkRequestComment.parent_id).where(
            WorkRequestComment.body == "Tomorrow.")).scalar_one()
    assert reply_parent == question_id
    assert "Started" in page and "Accepted" in page


def test_either_side_cancels_with_a_reason(world, login_as, make_request):
    first = make_request(world.firm_a, "accepted")
    second = make_request(world.firm_a, "in_progress")
    paralegal = login_as(world["a_paralegal"])
    refused = paralegal.post(f"/requests/{first.id}/cancel", data={"cancel-text": ""})
    assert refused.status_code == 400 and "reason" in refused.get_data(as_text=True)
    assert paralegal.post(f"/requests/{first.id}/cancel", data={"cancel-text": "Client withdrew"}).status_code == 302
    specialist = login_as(world["specialist_both"])
    assert specialist.post(f"/requests/{second.id}/cancel", data={"cancel-text": "Duplicate"}).status_code == 302
    with tenant_scope(world.firm_a.id):
        assert {r.state for r in db.session.execute(select(WorkRequest)).scalars()} == {"cancelled"}


"""A request is the thread of its work: start the search (or checklist, or docketing) from the request; delivering
the session's report delivers the request with the specialist's note; the firm reviews one delivery."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.files import StoredFile
from app.patents.checklists.models import Checklist
from app.patents.search.models import SearchSession
from app.patents.work_requests.models import WorkRequest, WorkRequestFile
from app.tenancy import tenant_scope


def test_search_from_the_request_delivers_the_request(world, login_as, make_request):
    work_request = make_request(world.firm_a, "accepted", assignee=world["specialist_both"])
    # The specialist is working in the other firm: starting from the request moves them into this one.
    specialist = login_as(world["specialist_both"], world.firm_b)
    specialist.post("/tenants/choose", data={"tenant_id": world.firm_b.id})
    page = specialist.get(f"/requests/{work_request.id}").get_data(as_text=True)
    assert "Start a search session for this request" in page

    started = specialist.post(f"/requests/{work_request.id}/search")
    assert started.status_code == 302
    session_id = int(re.search(r"/search/sessions/(\d+)$", started.location).group(1))
    session_page = specialist.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    assert f"Request #{work_request.id}" in session_page
    with tenant_scope(world.firm_a.id):
        assert db.session.get(SearchSession, session_id).work_request_id == work_request.id
        assert db.session.get(WorkRequest, work_request.id).state == "in_progress"

    assert specialist.post(f"/search/sessions/{session_id}/report").status_code == 302
    assert 'name="note"' in specialist.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    delivered = specialist.post(f"/search/sessions/{session_id}/deliver",
                                data={"note": "Two X documents: see the report, pages 2-3."})
    assert delivered.status_code == 302 and delivered.location.endswith(f"/requests/{work_request.id}")
    with tenant_scope(world.firm_a.id):
        found = db.session.get(WorkRequest, work_request.id)
        session = db.session.get(SearchSession, session_id)
        assert found.state == "delivered" and found.delivery_round == 1 and session.delivered_at is not None
        files = db.session.execute(select(WorkRequestFile.file_id).where(
            WorkRequestFile.request_id == work_request.id, WorkRequestFile.role == "delivery")).scalars().all()
        assert files == [session.report_file_id]
        assert db.session.get(StoredFile, session.report_file_id).visible_to_firm

    attorney = login_as(world["a_attorney"])
    review = attorney.get(f"/requests/{work_request.id}").get_data(as_text=True)
    note = review.index("Two X documents: see the report, pages 2-3.")
    assert review.index("Delivery for your review") < note < review.index("Approve the delivery")
    assert "Send back with this reason" in review and "Download search-report" in review.replace("_", "-")
    assert attorney.post(f"/requests/{work_request.id}/approve").status_code == 302
    with tenant_scope(world.firm_a.id):
        assert db.session.get(WorkRequest, work_request.id).state == "approved"


def test_checklist_and_docketing_start_from_the_request_and_only_its_worker_may(world, login_as, make_request):
    checklist_request = make_request(world.firm_a, "in_progress", kind="drafting_checklist")
    specialist = login_as(world["specialist_both"], world.firm_a)
    started = specialist.post(f"/requests/{checklist_request.id}/checklist")
    assert started.status_code == 302
    checklist_id = int(re.search(r"/checklists/(\d+)$", started.location).group(1))
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Checklist, checklist_id).work_request_id == checklist_request.id
    page = specialist.get(f"/requests/{checklist_request.id}").get_data(as_text=True)
    assert "US utility nonprovisional" in page and "Checklist started" in page

    docketing = make_request(world.firm_a, "accepted", kind="docketing", assignee=world["specialist_both"])
    went = specialist.post(f"/requests/{docketing.id}/docket")
    assert went.status_code == 302 and re.search(r"/matters/\d+#record$", went.location)
    with tenant_scope(world.firm_a.id):
        assert db.session.get(WorkRequest, docketing.id).state == "in_progress"

    # Someone else's request, or a firm person: refused, nothing started.
    other = make_request(world.firm_a, "accepted", assignee=world["specialist_both"])
    refused = login_as(world["specialist_a"], world.firm_a).post(f"/requests/{other.id}/search")
    assert refused.status_code == 400 and "Only the assigned specialist" in refused.get_data(as_text=True)
    assert login_as(world["a_paralegal"]).post(f"/requests/{other.id}/search").status_code == 403
    with tenant_scope(world.firm_a.id):
        assert db.session.get(WorkRequest, other.id).state == "accepted"
        assert db.session.execute(select(SearchSession)).scalars().all() == []

"""Another firm's ids put where a page reads an id from the query string or the form body (issue 11, the suite).

The route walker (tests/test_cross_tenant_routes.py) swaps ids in the path. Here firm A's people put firm B's ids
in `?matter=`, `?tenant=`, `matter_id`, `parent_id`, `responsible_attorney_id`, `supervising_attorney_id`,
`picked_files` and `kept`: a page must answer exactly as it answers an id that exists nowhere (bodies compared,
not only status codes), and a form must refuse without storing anything.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.patents.docketing.models import Matter
from app.patents.work_requests.models import WorkRequest, WorkRequestComment, WorkRequestFile
from app.tenancy import tenant_scope
from tests.test_cross_tenant_routes import _file, _matter, _work_request

NOWHERE = 987654321  # an id no table holds


def _normalised(response, asked_id: int) -> tuple[int, str]:
    """The page, with CSRF tokens and nonces blanked and the asked id where the page echoes the address."""
    body = response.get_data(as_text=True)
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*|(value=")[^"]*("[^>]*name="csrf_token")', r"\1\2\3", body)
    body = re.sub(r'nonce="[^"]*"', "", body)
    return response.status_code, re.sub(rf"([?&][a-z_]+=){asked_id}\b", r"\1ID", body)


@pytest.fixture
def foreign(world):
    return {"matter": _matter(world, world.firm_b), "tenant": world.firm_b.id, "file": _file(world, world.firm_b),
            "attorney": world["b_attorney"].id, "request": _work_request(world, world.firm_b)}


# (who, page with {id} where the id goes, which foreign id)
PAGES = [
    ("a_firm_admin", "/requests?matter={id}", "matter"),
    ("a_firm_admin", "/requests?tenant={id}", "tenant"),
    ("a_firm_admin", "/docket?tenant={id}", "tenant"),
    ("a_firm_admin", "/requests/new?matter={id}", "matter"),
    ("a_firm_admin", "/checklists/new?matter_id={id}", "matter"),
    ("specialist_a", "/search/?matter={id}", "matter"),
    ("specialist_a", "/search/sessions/new?matter={id}", "matter"),
    ("specialist_a", "/requests?tenant={id}", "tenant"),
    ("specialist_a", "/docket?tenant={id}", "tenant"),
]


@pytest.mark.parametrize(("who", "page", "kind"), PAGES)
def test_a_foreign_id_in_the_query_string_reads_like_an_id_that_exists_nowhere(world, login_as, foreign, who, page,
                                                                               kind):
    client = login_as(world[who], world.firm_a)
    client.get("/", follow_redirects=True)  # the sign-in's one-time flash
    status, body = _normalised(client.get(page.format(id=foreign[kind])), foreign[kind])
    assert (status, body) == _normalised(client.get(page.format(id=NOWHERE)), NOWHERE)
    assert "Secret invention" not in body and "Secret search request" not in body


def _count(world, model) -> int:
    with tenant_scope([world.firm_a.id, world.firm_b.id]):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_matter_cannot_name_another_firms_parent_or_attorney(world, login_as, foreign):
    admin = login_as(world["a_firm_admin"])
    base = {"reference": "ACME-0777", "title": "Widget", "jurisdiction": "US", "application_type": "utility",
            "status": "pending", "family_relation": "", "specialist_id": 0}
    before = _count(world, Matter)
    for field, value in (("parent_id", foreign["matter"]), ("responsible_attorney_id", foreign["attorney"])):
        data = {"parent_id": 0, "responsible_attorney_id": 0, **base, field: value}
        response = admin.post("/matters/new", data=data)
        assert response.status_code == 400, field
        assert "Secret invention" not in response.get_data(as_text=True)
    assert _count(world, Matter) == before


def test_the_reminder_policy_cannot_name_another_firms_supervising_attorney(world, login_as, foreign):
    from tests.patents.reminders.test_policy_and_watchers import POLICY_FORM
    admin = login_as(world["a_firm_admin"])
    assert admin.post("/reminders/policy", data={**POLICY_FORM, "supervising_attorney_id": world["a_attorney"].id}
                      ).status_code == 302  # the same form with the firm's own attorney is accepted
    refused = admin.post("/reminders/policy", data={**POLICY_FORM, "supervising_attorney_id": foreign["attorney"]})
    assert refused.status_code == 400 and "supervising attorney of this firm" in refused.get_data(as_text=True)
    from app.patents.reminders.policy import tenant_policy
    with tenant_scope(world.firm_a.id):
        assert tenant_policy().supervising_attorney_id == world["a_attorney"].id


def test_a_request_cannot_take_another_firms_files(world, login_as, foreign):
    paralegal = login_as(world["a_paralegal"])
    matter_id = _matter(world, world.firm_a)
    before = _count(world, WorkRequest)
    response = paralegal.post("/requests/new", data={
        "matter_id": matter_id, "kind": "prior_art_search", "title": "Search", "instructions": "Please",
        "requested_due": "2027-01-05", "priority": 3, "kept": [foreign["file"]]}, follow_redirects=True)
    assert response.status_code == 200
    assert _count(world, WorkRequest) == before + 1  # the request is made ...
    with tenant_scope([world.firm_a.id, world.firm_b.id]):  # ... without firm B's file
        assert db.session.scalar(select(func.count()).select_from(WorkRequestFile).where(
            WorkRequestFile.file_id == foreign["file"])) == 0


def test_a_delivery_cannot_pick_another_firms_files_nor_a_comment_answer_another_firms(world, login_as, foreign):
    own_request = _work_request(world, world.firm_a)
    specialist = login_as(world["specialist_a"], world.firm_a)
    delivered = specialist.post(f"/requests/{own_request}/deliver", data={"deliver-picked_files": [foreign["file"]],
                                                                           "deliver-note": "Here"})
    assert delivered.status_code == 400
    with tenant_scope(world.firm_b.id):
        b_comment = WorkRequestComment(tenant_id=world.firm_b.id, request_id=foreign["request"],
                                       author_id=world["b_paralegal"].id, body="Secret comment")
        db.session.add(b_comment)
        db.session.commit()
        b_comment_id = b_comment.id
    answered = login_as(world["a_paralegal"]).post(f"/requests/{own_request}/comments", data={
        "body": "Replying", "parent_id": b_comment_id}, follow_redirects=True)
    assert "Secret comment" not in answered.get_data(as_text=True)
    with tenant_scope(world.firm_a.id):
        assert db.session.scalar(select(func.count()).select_from(WorkRequestComment).where(
            WorkRequestComment.parent_id == b_comment_id)) == 0

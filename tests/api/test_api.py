"""The REST API: CRUD on matters and events, preconditions, schemas that refuse what they must, tokens, pages."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.api.tokens import ApiToken
from app.extensions import db
from app.models import AuditEntry, SpecialistAssignment, utcnow
from app.patents.docketing.models import Deadline, Event, Matter
from app.tenancy import tenant_scope

NEW_MATTER = {"reference": "ACME-API-1", "title": "Widget", "jurisdiction": "US", "application_type": "utility",
              "filing_date": "2026-01-05"}


def create_matter(client, headers, **changes):
    response = client.post("/api/v1/matters", json={**NEW_MATTER, **changes}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response


def test_matter_create_get_update_with_etags(client, world, token_for):
    """ASVS 2.3.4-style concurrency: a stale or missing If-Match cannot overwrite a newer version."""
    headers = token_for(world["a_attorney"], world.firm_a)
    created = create_matter(client, headers)
    matter_id = created.get_json()["id"]
    assert created.headers["Location"] == f"/api/v1/matters/{matter_id}"
    fetched = client.get(f"/api/v1/matters/{matter_id}", headers=headers)
    assert fetched.status_code == 200 and fetched.get_json()["tenant_id"] == world.firm_a.id
    etag = fetched.headers["ETag"]
    assert etag == created.headers["ETag"]

    missing = client.patch(f"/api/v1/matters/{matter_id}", json={"title": "No precondition"}, headers=headers)
    assert missing.status_code == 428 and missing.mimetype == "application/problem+json"
    changed = client.patch(f"/api/v1/matters/{matter_id}", json={"title": "Better widget"},
                           headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Better widget"
    lost_update = client.patch(f"/api/v1/matters/{matter_id}", json={"title": "Stale"},
                               headers={**headers, "If-Match": etag})
    assert lost_update.status_code == 412
    assert client.get(f"/api/v1/matters/{matter_id}", headers=headers).get_json()["title"] == "Better widget"


def test_a_body_that_sets_id_tenant_or_unknown_fields_is_refused_and_changes_nothing(client, world, token_for):
    """ASVS 15.3.3 (mass assignment): read-only and unknown fields are refused."""
    headers = token_for(world["a_attorney"], world.firm_a)
    matter_id = create_matter(client, headers).get_json()["id"]
    etag = client.get(f"/api/v1/matters/{matter_id}", headers=headers).headers["ETag"]
    for body in ({"tenant_id": world.firm_b.id}, {"id": 999}, {"title": "x", "owner": "me"},
                 {"created_at": "2020-01-01T00:00:00Z"}):
        response = client.patch(f"/api/v1/matters/{matter_id}", json=body, headers={**headers, "If-Match": etag})
        assert response.status_code == 400, body
    assert client.post("/api/v1/matters", json={**NEW_MATTER, "reference": "X-2", "tenant_id": world.firm_b.id},
                       headers=headers).status_code == 400
    with tenant_scope([world.firm_a.id, world.firm_b.id]):
        assert db.session.execute(select(Matter.tenant_id, Matter.title)).all() == [(world.firm_a.id, "Widget")]


def test_references_to_another_tenants_objects_are_refused(client, world, token_for):
    """ASVS 8.2.2 / 8.4.1: ids in a body must name the caller's own tenant's records."""
    headers = token_for(world["a_attorney"], world.firm_a)
    with tenant_scope(world.firm_b.id):
        foreign = Matter(reference="B-1", title="Theirs", jurisdiction="US", application_type="utility")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    for body in ({"parent_id": foreign_id}, {"responsible_attorney_id": world["b_attorney"].id}):
        assert client.post("/api/v1/matters", json={**NEW_MATTER, **body}, headers=headers).status_code == 400


def test_a_matter_created_with_its_filing_date_is_docketed_from_it(client, world, token_for):
    headers = token_for(world["a_paralegal"], world.firm_a)
    matter_id = create_matter(client, headers).get_json()["id"]
    events = client.get(f"/api/v1/matters/{matter_id}/events", headers=headers).get_json()["items"]
    assert [(e["code"], e["event_date"]) for e in events] == [("NONPROVISIONAL_FILED", "2026-01-05")]
    moved = client.patch(f"/api/v1/matters/{matter_id}", json={"filing_date": "2026-01-12"},
                         headers={**headers, "If-Match": client.get(f"/api/v1/matters/{matter_id}",
                                                                    headers=headers).headers["ETag"]})
    assert moved.status_code == 200, moved.get_json()
    events = client.get(f"/api/v1/matters/{matter_id}/events", headers=headers).get_json()["items"]
    assert [(e["code"], e["event_date"]) for e in events] == [("NONPROVISIONAL_FILED", "2026-01-12")]


def test_events_recompute_deadlines_and_delete_supersedes_them(client, world, token_for):
    headers = token_for(world["a_paralegal"], world.firm_a)
    matter_id = create_matter(client, headers, filing_date=None).get_json()["id"]  # nothing docketed from data
    event = client.post(f"/api/v1/matters/{matter_id}/events",
                        json={"code": "NONFINAL_OA", "event_date": "2026-02-02", "note": "first action"},
                        headers=headers)
    assert event.status_code == 201, event.get_json()
    event_id = event.get_json()["id"]
    deadlines = client.get(f"/api/v1/deadlines?matter={matter_id}", headers=headers).get_json()["items"]
    assert deadlines and deadlines[0]["current_due"] == "2026-05-04"

    moved = client.patch(f"/api/v1/events/{event_id}", json={"event_date": "2026-03-02"},
                         headers={**headers, "If-Match": event.headers["ETag"]})
    assert moved.status_code == 200, moved.get_json()
    deadline = client.get(f"/api/v1/deadlines/{deadlines[0]['id']}", headers=headers).get_json()
    assert deadline["current_due"] == "2026-06-02"

    assert client.delete(f"/api/v1/events/{event_id}", headers=headers).status_code == 428
    assert client.delete(f"/api/v1/events/{event_id}",
                         headers={**headers, "If-Match": moved.headers["ETag"]}).status_code == 204
    assert client.get(f"/api/v1/events/{event_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/matters/{matter_id}/events", headers=headers).get_json()["items"] == []
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Deadline, deadlines[0]["id"]).status == "superseded"


def test_an_unknown_event_code_is_422_and_records_nothing(client, world, token_for):
    headers = token_for(world["a_paralegal"], world.firm_a)
    matter_id = create_matter(client, headers, filing_date=None).get_json()["id"]
    response = client.post(f"/api/v1/matters/{matter_id}/events", json={"code": "NOPE", "event_date": "2026-02-02"},
                           headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(func.count(Event.id))).scalar() == 0


def test_cursor_pagination_walks_every_row_once_and_refuses_a_forged_cursor(client, world, token_for):
    headers = token_for(world["a_attorney"], world.firm_a)
    with tenant_scope(world.firm_a.id):
        db.session.add_all([Matter(reference=f"M-{i:03d}", title=f"T{i}", jurisdiction="US",
                                   application_type="utility") for i in range(7)])
        db.session.commit()
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/matters", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})},
                          headers=headers).get_json()
        seen += [m["reference"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"M-{i:03d}" for i in range(7)]
    assert client.get("/api/v1/matters?cursor=WyJtYXR0ZXJzIiwiQSIsMV0", headers=headers).status_code == 400
    first = client.get("/api/v1/matters?limit=3", headers=headers).get_json()["next_cursor"]
    assert client.get(f"/api/v1/deadlines?cursor={first}", headers=headers).status_code == 400


def test_role_views_hide_fields_from_viewers_and_viewers_cannot_write(client, world, token_for):
    """ASVS 8.2.3 (field-level access) and 8.2.1 (function level)."""
    writer = token_for(world["a_attorney"], world.firm_a)
    viewer = token_for(world["a_viewer"], world.firm_a)
    matter_id = create_matter(client, writer, client_reference="CLIENT-7").get_json()["id"]
    seen_by_viewer = client.get(f"/api/v1/matters/{matter_id}", headers=viewer).get_json()
    assert "client_reference" not in seen_by_viewer and seen_by_viewer["reference"] == "ACME-API-1"
    assert client.get(f"/api/v1/matters/{matter_id}", headers=writer).get_json()["client_reference"] == "CLIENT-7"
    assert client.post("/api/v1/matters", json={**NEW_MATTER, "reference": "V-1"}, headers=viewer).status_code == 403


def test_a_read_only_token_cannot_write(client, world, token_for):
    headers = token_for(world["a_attorney"], world.firm_a, scope="read")
    assert client.get("/api/v1/matters", headers=headers).status_code == 200
    assert client.post("/api/v1/matters", json=NEW_MATTER, headers=headers).status_code == 403


def test_tokens_stop_working_when_revoked_expired_disabled_or_unassigned(client, world, token_for):
    """ASVS 7.4.2 / 8.3.1: access ends when the credential or the person's rights end."""
    cases = {}
    cases["revoked"] = token_for(world["a_attorney"], world.firm_a)
    db.session.execute(ApiToken.__table__.update().where(ApiToken.user_id == world["a_attorney"].id)
                       .values(revoked_at=utcnow()))
    cases["expired"] = token_for(world["a_paralegal"], world.firm_a)
    db.session.execute(ApiToken.__table__.update().where(ApiToken.user_id == world["a_paralegal"].id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    cases["disabled"] = token_for(world["a_viewer"], world.firm_a)
    world["a_viewer"].active = False
    cases["unassigned"] = token_for(world["specialist_a"], world.firm_a)
    db.session.execute(SpecialistAssignment.__table__.delete().where(
        SpecialistAssignment.user_id == world["specialist_a"].id))
    cases["forged"] = {"Authorization": "Bearer pd_AAAAAAAAAAAA_" + "x" * 43}
    db.session.commit()
    for case, headers in cases.items():
        response = client.get("/api/v1/matters", headers=headers)
        assert response.status_code == 401, case
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/matters").status_code == 401


def test_every_token_use_is_audited_once_even_when_the_request_fails(client, world, token_for):
    """ASVS 16.3.1: each use of an API token is recorded, successful or not."""
    headers = token_for(world["a_attorney"], world.firm_a)
    client.get("/api/v1/matters", headers=headers)
    client.get("/api/v1/matters/12345", headers=headers)
    client.post("/api/v1/matters", json={"bad": 1}, headers=headers)
    uses = db.session.execute(select(AuditEntry).where(AuditEntry.action == "api_token_used")
                              .order_by(AuditEntry.id)).scalars().all()
    assert [u.details["path"] for u in uses] == ["/api/v1/matters", "/api/v1/matters/12345", "/api/v1/matters"]
    assert all(u.subject_tenant_id == world.firm_a.id and u.actor_user_id == world["a_attorney"].id for u in uses)


def test_provider_staff_tokens_work_in_the_tenant_they_were_made_in(client, world, token_for):
    in_b = token_for(world["specialist_both"], world.firm_b)
    with tenant_scope(world.firm_a.id):
        db.session.add(Matter(reference="A-ONLY", title="A's", jurisdiction="US", application_type="utility"))
        db.session.commit()
    assert client.get("/api/v1/matters", headers=in_b).get_json()["items"] == []


def csrf_token_on(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]


def test_session_writes_need_the_csrf_token(database_config, world):
    """ASVS 3.5.1: cookie-authenticated API changes need the anti-forgery token."""
    from app import create_app
    from tests.conftest import PASSWORD
    app = create_app({"TESTING": True, "REDIS_URL": None, **database_config})
    client = app.test_client()
    client.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD,
                                "csrf_token": csrf_token_on(client, "/login")})
    csrf_token = csrf_token_on(client, "/")  # the session is new after sign-in, and so is its token
    assert client.get("/api/v1/matters").status_code == 200
    refused = client.post("/api/v1/matters", json=NEW_MATTER)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    accepted = client.post("/api/v1/matters", json=NEW_MATTER, headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 201


def test_docket_report_job_then_download(client, world, token_for):
    headers = token_for(world["a_viewer"], world.firm_a)
    started = client.post("/api/v1/reports/docket", json={"status": "all"}, headers=headers)
    assert started.status_code == 202, started.get_json()
    job = client.get(started.headers["Location"], headers=headers).get_json()
    assert job["status"] == "finished" and job["download"]
    download = client.get(job["download"], headers=headers)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_openapi_document_and_docs_page(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and "/api/v1/matters/{matter_id}" in document["paths"]
    assert "Matter" in document["components"]["schemas"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "PATCH /api/v1/matters/{matter_id}" in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)


def test_the_tokens_page_shows_a_secret_once_and_revokes(world, login_as):
    """ASVS 11.4.1-style: only a hash of the token is stored; it is shown once and can be revoked."""
    from tests.conftest import enrol_authenticator
    enrol_authenticator(world["a_attorney"])  # making a token needs a second factor (tests/test_two_factor.py)
    db.session.commit()
    client = login_as(world["a_attorney"])
    made = client.post("/api-tokens", data={"name": "CI", "scope": "read", "lifetime_days": 30})
    page = made.get_data(as_text=True)
    secret = page.split('readonly value="')[1].split('"')[0]
    assert secret.startswith("pd_")
    assert client.get("/api/v1/matters", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = client.get("/api-tokens").get_data(as_text=True)
    assert secret not in again and secret[len("pd_") + 13:] not in again
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.secret_hash != secret and len(token.secret_hash) == 64
    assert (token.expires_at.date() - date.today()).days in (29, 30)
    assert client.post("/api-tokens", data={"name": "Long", "scope": "read", "lifetime_days": 366}).status_code == 400
    client.post(f"/api-tokens/{token.id}/revoke")
    assert client.get("/api/v1/matters", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_checklists_are_listed_and_read_with_their_items(client, world, token_for):
    from app.patents.checklists import operations
    headers = token_for(world["a_viewer"], world.firm_a)
    with tenant_scope(world.firm_a.id):
        for number in range(3):
            matter = Matter(reference=f"CL-{number}", title="Checked", jurisdiction="US", application_type="utility")
            db.session.add(matter)
            db.session.flush()
            operations.start_checklist(matter, operations.default_template_for(matter), world["a_attorney"])
        db.session.commit()
    first = client.get("/api/v1/checklists?limit=2", headers=headers).get_json()
    second = client.get(f"/api/v1/checklists?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 3 and second["next_cursor"] is None
    checklist = client.get(f"/api/v1/checklists/{ids[0]}", headers=headers)
    assert checklist.headers["ETag"] and checklist.get_json()["items"][0]["state"] == "open"
    assert "prepared_by_id" not in checklist.get_json()  # a viewer's field set
    assert client.get("/api/v1/checklists?status=bogus", headers=headers).status_code == 400


def test_rate_limit_answers_429_as_a_problem(app, client, world, token_for):
    """ASVS 2.4.1 (anti-automation): per-token rate limits."""
    app.config["API_READ_RATE_LIMIT"] = "2 per minute"
    headers = token_for(world["a_attorney"], world.firm_a)
    codes = [client.get("/api/v1/matters", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get("/api/v1/matters", headers=headers)
    assert limited.mimetype == "application/problem+json" and limited.headers.get("Retry-After")
    other = token_for(world["a_paralegal"], world.firm_a)  # limits are per token
    assert client.get("/api/v1/matters", headers=other).status_code == 200


def test_search_sessions_are_listed_and_read_with_history_and_citations(client, world, token_for):
    from app.patents.search import sessions
    from app.patents.search.models import MarkedHit, SearchQuery
    headers = token_for(world["a_attorney"], world.firm_a)
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="S-1", title="Searched", jurisdiction="US", application_type="utility")
        db.session.add(matter)
        db.session.flush()
        found = sessions.create_session(matter, "Novelty search", world["specialist_a"])
        found.delivered_at = utcnow()  # the firm reads a session once it is delivered (test_work_in_progress)
        db.session.add_all([SearchQuery(session_id=found.id, text="widget AND gear", hit_count=4),
                            MarkedHit(session_id=found.id, number="US1234567B2", category="X")])
        db.session.commit()
        session_id = found.id
    listed = client.get("/api/v1/search/sessions", headers=headers).get_json()
    assert [s["title"] for s in listed["items"]] == ["Novelty search"] and "queries" not in listed["items"][0]
    detail = client.get(f"/api/v1/search/sessions/{session_id}", headers=headers).get_json()
    assert detail["queries"][0]["text"] == "widget AND gear" and detail["marks"][0]["category"] == "X"


def test_work_requests_are_listed_with_filters_and_read(client, world, token_for):
    from app.patents.work_requests.operations import submit
    headers = token_for(world["a_viewer"], world.firm_a)
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="WR-1", title="Requested", jurisdiction="US", application_type="utility")
        db.session.add(matter)
        db.session.flush()
        found = submit(matter, "prior_art_search", "Search please", "Look widely", date(2026, 3, 1), 3,
                                     world["a_paralegal"], [])
        db.session.commit()
        request_id = found.id
    listed = client.get("/api/v1/work-requests", headers=headers).get_json()["items"]
    assert [r["title"] for r in listed] == ["Search please"] and "assignee_id" not in listed[0]
    assert client.get("/api/v1/work-requests?state=cancelled", headers=headers).get_json()["items"] == []
    assert client.get(f"/api/v1/work-requests/{request_id}", headers=headers).get_json()["state"] == "submitted"
    assert client.get("/api/v1/work-requests?kind=nope", headers=headers).status_code == 400

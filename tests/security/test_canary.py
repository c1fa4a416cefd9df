"""ASVS 5.0 V8.2.2 (data-specific access, no IDOR) and V14.2 (no data leaks): tenant A's canary never reaches B.

A unique string goes into every text field of tenant A's records; tenant B's people then fetch every
page without an id (walking app.url_map, also with a search query), every API list, the CSV export, their
calendar feed, a docket PDF and error responses. The canary never appears.
"""
from __future__ import annotations

from datetime import date

import pytest
from reportlab import rl_config

from app.extensions import db
from app.files import store_bytes
from app.jobs import JobRecord
from app.patents.docketing.models import Matter
from app.patents.docketing.operations import add_manual_deadline, record_event
from app.tenancy import tenant_scope

CANARY = "ZQXCANARY7731"
B_FIRM_ACTORS = ("b_firm_admin", "b_attorney", "b_paralegal", "b_viewer")


def plant_canaries(world) -> dict[str, int]:
    """Tenant A's records with the canary in every text field we have."""
    from app.patents.notifications.operations import notify
    from app.patents.search import sessions
    from app.patents.search.models import MarkedHit, SearchQuery
    from app.patents.work_requests.operations import submit
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference=f"{CANARY}-REF", client_reference=f"{CANARY}-CLIENT", title=f"{CANARY} title",
                        jurisdiction="US", application_type="utility", application_number=f"{CANARY}-NO",
                        publication_number=f"{CANARY}-PUB", grant_number=f"{CANARY}-GR", filing_date=date(2026, 1, 5))
        db.session.add(matter)
        db.session.flush()
        event = record_event(matter, "NONFINAL_OA", date(2026, 2, 2), {}, None, note=f"{CANARY} note")
        deadline = add_manual_deadline(matter, f"{CANARY} label", date(2026, 4, 1), None,
                                                 note=f"{CANARY} deadline note")
        stored = store_bytes(CANARY.encode(), f"{CANARY}.pdf", "application/pdf", "report")
        db.session.add(JobRecord(kind="report", label=f"{CANARY} job", status="finished", file_id=stored.id,
                                 message=CANARY))
        search = sessions.create_session(matter, f"{CANARY} search", world["specialist_a"])
        db.session.add_all([SearchQuery(session_id=search.id, text=f"{CANARY} query", hit_count=1),
                            MarkedHit(session_id=search.id, number="US1B1", category="X", title=CANARY,
                                      passage=CANARY, notes=CANARY)])
        submit(matter, "prior_art_search", f"{CANARY} request", f"{CANARY} instructions",
                             date(2026, 3, 1), 3, world["a_paralegal"], [])
        notify([world["a_attorney"].id], "delivered", f"{CANARY} notice", "/requests/1",
                             world.firm_a.id)
        db.session.commit()
        return {"matter_id": matter.id, "event_id": event.id, "deadline_id": deadline.id}


def get_routes_without_arguments(app):
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static")


def assert_no_canary(response, what: str) -> None:
    assert CANARY not in response.get_data(as_text=True), f"tenant A's canary leaked into {what}"


def test_tenant_b_pages_exports_and_errors_never_show_tenant_a_data(app, world, login_as):
    ids = plant_canaries(world)
    routes = get_routes_without_arguments(app)
    assert CANARY in login_as(world["a_attorney"]).get("/matters").get_data(as_text=True)  # the probe works
    assert "/docket.csv" in routes and "/api/v1/matters" in routes
    for actor in B_FIRM_ACTORS:
        client = login_as(world[actor])
        for path in routes:
            assert_no_canary(client.get(path), f"{actor} GET {path}")
            assert_no_canary(client.get(path, query_string={"q": CANARY[:9], "number": CANARY[:9]}),
                             f"{actor} GET {path}?q=")
        for path in (f"/matters/{ids['matter_id']}", f"/deadlines/{ids['deadline_id']}",
                     f"/api/v1/matters/{ids['matter_id']}", f"/api/v1/events/{ids['event_id']}"):
            response = client.get(path)
            assert response.status_code == 404
            assert_no_canary(response, f"{actor} error page {path}")


def test_tenant_b_api_lists_reports_and_calendar_feed_never_show_tenant_a_data(app, world, login_as, token_for,
                                                                              monkeypatch):
    plant_canaries(world)
    monkeypatch.setattr(rl_config, "pageCompression", 0)  # so text in the PDF can be searched
    client = app.test_client()
    for actor in B_FIRM_ACTORS + ("specialist_both",):
        headers = token_for(world[actor], world.firm_b)
        for path in ("/api/v1/matters", "/api/v1/deadlines?status=all", f"/api/v1/matters?q={CANARY[:9]}",
                     "/api/v1/checklists", "/api/v1/search/sessions", "/api/v1/work-requests?state=all"):
            assert_no_canary(client.get(path, headers=headers), f"{actor} API {path}")
        job = client.post("/api/v1/reports/docket", json={"status": "all"}, headers=headers).get_json()
        pdf = client.get(job["download"], headers=headers)
        assert pdf.data.startswith(b"%PDF") and CANARY.encode() not in pdf.data
    feed_page = login_as(world["b_attorney"]).post("/calendar-feed", data={"action": "create"})
    feed_url = feed_page.get_data(as_text=True).split('readonly value="')[1].split('"')[0]
    feed = client.get(feed_url.replace("http://localhost", ""))
    assert feed.status_code == 200
    assert_no_canary(feed, "tenant B's calendar feed")


@pytest.mark.parametrize("path", ["/docket.csv?status=all"])
def test_tenant_b_csv_export_never_shows_tenant_a_data(world, login_as, path):
    plant_canaries(world)
    response = login_as(world["b_firm_admin"]).get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert_no_canary(response, path)

"""Docketing through the web: matters, the what-if preview, events, the dockets, exports and the feed."""
import csv
import io
import json
import re
from datetime import date, timedelta

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, Matter
from app.patents.docketing.operations import add_manual_deadline, record_event
from app.patents.docketing.queries import tenant_today
from app.tenancy import tenant_scope
from tests.builders import add_matter


def make_matter(tenant, reference, title="Wireless charging pad", **fields) -> int:
    return add_matter(tenant, reference, title=title, **fields).id


def record(tenant, matter_id, code, when, params=None):
    with tenant_scope(tenant.id):
        matter = db.session.get(Matter, matter_id)
        record_event(matter, code, when, params or {}, None)
        db.session.commit()


def test_paralegal_creates_a_matter_previews_and_records_an_event(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    response = paralegal.post("/matters/new", data={
        "reference": "ACME-0042", "title": "Wireless charging pad", "jurisdiction": "US",
        "application_type": "utility", "status": "pending", "parent_id": 0, "family_relation": "",
        "responsible_attorney_id": world["a_attorney"].id, "specialist_id": 0, "filing_date": "2027-01-05"})
    assert response.status_code == 302
    matter_url = response.location
    with tenant_scope(world.firm_a.id):
        docketed = db.session.execute(select(Deadline.id)).scalars().all()  # from the filing date
    page = paralegal.post(matter_url + "/events", data={"code": "NONFINAL_OA", "event_date": "2028-01-31",
                                                        "preview": "1"}).get_data(as_text=True)
    assert "What this event would docket" in page and "2028-05-01" in page and "35 U.S.C. 21(b)" in page
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Deadline.id)).scalars().all() == docketed  # a preview saves nothing
    saved = paralegal.post(matter_url + "/events", data={"code": "NONFINAL_OA", "event_date": "2028-01-31",
                                                         "record": "1", "confirmed": "1"})  # a future date
    assert saved.status_code == 302
    page = paralegal.get(matter_url).get_data(as_text=True)
    assert "Reply to non-final Office action" in page and "2028-05-01" in page
    assert "2028-01-31 + 3 months = 2028-04-30 (37 CFR 1.134)" in page


def test_bad_event_input_re_renders_with_a_clear_message(world, login_as):
    matter_id = make_matter(world.firm_a, "ACME-1")
    paralegal = login_as(world["a_paralegal"])
    response = paralegal.post(f"/matters/{matter_id}/events", data={
        "code": "MAINTENANCE_FEE_PAID", "event_date": "2031-01-01", "record": "1", "note": "kept note"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "sequence" in page and "kept note" in page


def test_a_duplicate_reference_is_refused_and_the_form_keeps_the_input(world, login_as):
    make_matter(world.firm_a, "ACME-1")
    make_matter(world.firm_b, "ACME-2")  # another firm may use any reference
    paralegal = login_as(world["a_paralegal"])
    base = {"title": "Second try", "jurisdiction": "US", "application_type": "utility", "status": "pending",
            "parent_id": 0, "responsible_attorney_id": 0, "specialist_id": 0}
    refused = paralegal.post("/matters/new", data={**base, "reference": "ACME-1"})
    assert refused.status_code == 400 and "already uses this reference" in refused.get_data(as_text=True)
    assert "Second try" in refused.get_data(as_text=True)
    assert paralegal.post("/matters/new", data={**base, "reference": "ACME-2"}).status_code == 302


def test_viewer_can_read_but_not_docket(world, login_as):
    matter_id = make_matter(world.firm_a, "ACME-1")
    viewer = login_as(world["a_viewer"])
    assert viewer.get(f"/matters/{matter_id}").status_code == 200
    assert viewer.post(f"/matters/{matter_id}/events", data={"code": "GRANTED", "event_date": "2028-01-04",
                                                             "record": "1"}).status_code == 403


def test_editing_and_deleting_an_event_through_the_ui(world, login_as):
    matter_id = make_matter(world.firm_a, "ACME-1")
    record(world.firm_a, matter_id, "NONFINAL_OA", date(2027, 1, 29))
    paralegal = login_as(world["a_paralegal"])
    with tenant_scope(world.firm_a.id):
        event_id = db.session.execute(select(Deadline.source_event_id)).scalar()
    assert paralegal.post(f"/events/{event_id}/edit", data={"code": "NONFINAL_OA",
                                                            "event_date": "2027-02-01"}).status_code == 302
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Deadline.current_due)).scalar() == date(2027, 5, 3)
    assert paralegal.post(f"/events/{event_id}/delete").status_code == 302
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Deadline.status)).scalar() == "superseded"


def test_manual_deadline_verification_by_a_second_person(world, login_as):
    matter_id = make_matter(world.firm_a, "ACME-1")
    paralegal, attorney = login_as(world["a_paralegal"]), login_as(world["a_attorney"])
    paralegal.post(f"/matters/{matter_id}/deadlines", data={"manual-label": "Client instructions",
                                                            "manual-due": "2027-03-01"})
    with tenant_scope(world.firm_a.id):
        deadline_id = db.session.execute(select(Deadline.id)).scalar()
    docket = paralegal.get("/docket").get_data(as_text=True)
    assert "await a second person" in docket
    paralegal.post(f"/deadlines/{deadline_id}/verify")
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Deadline, deadline_id).verified_at is None
    attorney.post(f"/deadlines/{deadline_id}/verify")
    db.session.expire_all()
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Deadline, deadline_id).verified_by_id == world["a_attorney"].id


def _upcoming(tenant, reference, days, title="Pad"):
    matter_id = make_matter(tenant, reference, title=title)
    when = tenant_today(tenant) + timedelta(days=days)
    with tenant_scope(tenant.id):
        add_manual_deadline(db.session.get(Matter, matter_id), f"Task for {reference}", when, None)
        db.session.commit()
    return matter_id


def test_firm_docket_shows_only_its_own_deadlines_with_quick_ranges(world, login_as):
    _upcoming(world.firm_a, "ACME-SOON", 5)
    _upcoming(world.firm_a, "ACME-LATER", 60)
    _upcoming(world.firm_a, "ACME-LATE", -3)
    _upcoming(world.firm_b, "BOR-SECRET", 5)
    paralegal = login_as(world["a_paralegal"])
    page = paralegal.get("/docket").get_data(as_text=True)  # opens on what is overdue and the coming 30 days
    assert "ACME-SOON" in page and "ACME-LATER" not in page and "BOR-SECRET" not in page
    assert "3 days overdue" in page
    everything = paralegal.get("/docket?next=all").get_data(as_text=True)
    assert "ACME-SOON" in everything and "ACME-LATER" in everything and "BOR-SECRET" not in everything
    week = paralegal.get("/docket?next=7").get_data(as_text=True)
    assert "ACME-SOON" in week and "ACME-LATER" not in week and "ACME-LATE" not in week
    overdue = paralegal.get("/docket?status=overdue").get_data(as_text=True)
    assert "ACME-LATE" in overdue and "ACME-SOON" not in overdue


def test_provider_docket_spans_exactly_the_assigned_firms(world, login_as, app):
    _upcoming(world.firm_a, "ACME-1", 3)
    _upcoming(world.firm_b, "BOR-1", 4)
    both = login_as(world["specialist_both"]).get("/docket").get_data(as_text=True)
    assert "ACME-1" in both and "BOR-1" in both
    only_a = login_as(world["specialist_a"]).get("/docket").get_data(as_text=True)
    assert "ACME-1" in only_a and "BOR-1" not in only_a
    # Asking for a firm one is not assigned to narrows nothing open: it falls back to the allowed firms.
    sneaky = login_as(world["specialist_a"]).get(f"/docket?tenant={world.firm_b.id}").get_data(as_text=True)
    assert "BOR-1" not in sneaky


def test_month_calendar(world, login_as):
    _upcoming(world.firm_a, "ACME-CAL", 2)
    when = tenant_today(world.firm_a) + timedelta(days=2)
    page = login_as(world["a_paralegal"]).get(f"/docket/calendar?month={when:%Y-%m}").get_data(as_text=True)
    assert "ACME-CAL" in page and when.strftime("%B %Y") in page


def test_csv_export_neutralises_formulas(world, login_as):
    _upcoming(world.firm_a, "=HYPERLINK(\"http://evil\")", 3, title="+cmd|' /C calc'!A0")
    _upcoming(world.firm_b, "BOR-HIDDEN", 3)
    response = login_as(world["a_paralegal"]).get("/docket.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert all(cell[:1] not in "=+-@\t" or cell == "" for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert "BOR-HIDDEN" not in response.get_data(as_text=True)


def test_docket_report_pdf_job_renders_and_escapes_markup(world, login_as):
    _upcoming(world.firm_a, "ACME-PDF", 3, title="<font color='red'>x</font> [[[__import__('os')]]]")
    paralegal = login_as(world["a_paralegal"])
    response = paralegal.post("/docket/report")
    assert response.status_code == 302
    job_page = paralegal.get(response.location).get_data(as_text=True)
    assert "Finished" in job_page
    download = re.search(r'href="(/files/\d+)"', job_page).group(1)
    pdf = paralegal.get(download)
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Content-Disposition"].startswith("attachment")


def test_calendar_feed_is_private_and_revocable(world, login_as, app):
    _upcoming(world.firm_a, "ACME-ICS", 10)
    _upcoming(world.firm_b, "BOR-ICS", 10)
    paralegal = login_as(world["a_paralegal"])
    page = paralegal.post("/calendar-feed", data={"action": "create"}).get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    path = url.split("localhost", 1)[-1]
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert any("ACME-ICS" in s for s in summaries) and not any("BOR-ICS" in s for s in summaries)
    paralegal.post("/calendar-feed", data={"action": "revoke"})
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/ical/not-a-real-token.ics").status_code == 404


def test_preview_cli_json_and_errors(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "US", "--event", "NONFINAL_OA",
                                 "--date", "2028-01-31", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert body["jurisdiction"] == "US" and body["deadlines"][0]["due"] == "2028-05-01"
    maintenance = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "US", "--event", "GRANTED",
                                      "--date", "2028-01-04", "--json"])
    assert [d["sequence"] for d in json.loads(maintenance.output)["deadlines"]
            if d["kind"] == "US_MAINTENANCE_FEE"] == [1, 2, 3]
    design = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "US", "--event", "GRANTED",
                                 "--date", "2028-01-04", "--param", "application_type=design", "--json"])
    assert json.loads(design.output)["deadlines"] == []
    with_param = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "EP", "--event", "EP_COMMUNICATION",
                                     "--date", "2023-10-31", "--param", "period_months=4", "--json"])
    assert with_param.exit_code == 0
    for bad in (["--event", "NOPE", "--date", "2028-01-31"], ["--event", "NONFINAL_OA", "--date", "2028-02-30"],
                ["--event", "NONFINAL_OA", "--date", "2028-01-31", "--param", "oops"]):
        result = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "US", *bad, "--json"])
        assert result.exit_code == 2, bad
    missing = runner.invoke(args=["deadlines", "preview", "--jurisdiction", "EP", "--event", "EP_COMMUNICATION",
                                  "--date", "2024-01-10", "--json"])
    assert missing.exit_code == 2 and "period_months" in missing.output


def test_events_cli_lists_events_parameters_and_citations(app):
    runner = app.test_cli_runner()
    listing = json.loads(runner.invoke(args=["deadlines", "events", "--jurisdiction", "us", "--json"]).output)
    board = {e["event"]: e for e in listing}["BOARD_DECISION"]
    assert {r["kind"] for r in board["rules"]} >= {"US_REHEARING_REQUEST", "US_COURT_REVIEW"}
    assert all(r["citation"] and r["effective_from"] for e in listing for r in e["rules"])
    text = runner.invoke(args=["deadlines", "events", "--jurisdiction", "US"]).output
    assert "-> US_COURT_REVIEW: 63 days (37 CFR 90.3(a))" in text
    assert runner.invoke(args=["deadlines", "events", "--jurisdiction", "XX"]).exit_code == 2


def test_preview_api(world, login_as, client):
    assert client.post("/api/v1/deadlines/preview", json={}).status_code in (302, 401)
    signed_in = login_as(world["a_paralegal"])
    ok = signed_in.post("/api/v1/deadlines/preview", json={"jurisdiction": "US", "event": "NONFINAL_OA",
                                                           "date": "2028-01-31"})
    assert ok.status_code == 200 and ok.get_json()["deadlines"][0]["due"] == "2028-05-01"
    bad = signed_in.post("/api/v1/deadlines/preview", json={"jurisdiction": "US", "event": "NOPE",
                                                            "date": "2028-01-31"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json" and "NOPE" in bad.get_json()["detail"]
    missing = signed_in.post("/api/v1/deadlines/preview", json={"jurisdiction": "US"})
    assert missing.status_code == 400 and "event" in missing.get_json()["detail"]
    # new events and parameters, same shape: a PCT national phase for two offices (a list parameter)
    pct = signed_in.post("/api/v1/deadlines/preview", json={
        "jurisdiction": "PCT", "event": "PCT_FILED", "date": "2025-03-14",
        "params": {"priority_date": "2024-03-15", "designated_offices": ["JP", "KR"]}}).get_json()
    phases = {d["kind"]: d["due"] for d in pct["deadlines"] if d["kind"].startswith("PCT_NATIONAL_PHASE_")}
    assert phases == {"PCT_NATIONAL_PHASE_JP": "2026-09-15", "PCT_NATIONAL_PHASE_KR": "2026-10-15"}
    board = signed_in.post("/api/v1/deadlines/preview", json={"jurisdiction": "US", "event": "BOARD_DECISION",
                                                              "date": "2026-03-02"}).get_json()
    assert set(board) == {"jurisdiction", "event", "date", "deadlines"}
    assert {d["kind"]: d["due"] for d in board["deadlines"]}["US_COURT_REVIEW"] == "2026-05-04"

"""A matter entered with its bibliographic data is docketed from it: no filing date is entered twice (issue 15).

The tests go through the pages a paralegal uses, then read the docket the way the matter page shows it.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, DeadlineChange, Event, Matter
from app.patents.docketing.numbers import application_number_problem
from app.patents.docketing.operations import add_manual_deadline, record_event, update_matter
from app.patents.priority import imported_priority_date
from app.patents.search.importers import ImportedRecord, iter_records
from app.patents.search.sessions import create_session
from app.tenancy import tenant_scope
from app.utc import as_utc
from tests.builders import add_matter

TODAY = date.today()


def new_matter(client, world, **fields) -> int:
    data = {"reference": "ACME-0900", "title": "Wireless charging pad", "jurisdiction": "US",
            "application_type": "utility", "status": "pending", "parent_id": 0, "family_relation": "",
            "responsible_attorney_id": world["a_attorney"].id, "specialist_id": 0, **fields}
    response = client.post("/matters/new", data=data, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    with tenant_scope(world.firm_a.id):
        return db.session.execute(select(Matter.id).where(Matter.reference == data["reference"])).scalar_one()


def events_of(world, matter_id) -> list[tuple[str, date, str | None]]:
    with tenant_scope(world.firm_a.id):
        return [(e.code, e.event_date, e.recorded_from) for e in db.session.execute(
            select(Event).where(Event.matter_id == matter_id, Event.deleted_at.is_(None))
            .order_by(Event.event_date, Event.id)).scalars()]


def deadlines_of(world, matter_id) -> dict[str, tuple[str, date]]:
    with tenant_scope(world.firm_a.id):
        return {d.kind: (d.status, d.current_due) for d in db.session.execute(
            select(Deadline).where(Deadline.matter_id == matter_id, Deadline.status != "superseded")).scalars()}


def test_us_utility_claiming_a_provisional_is_docketed_from_its_dates(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    filed = TODAY - timedelta(days=30)
    matter_id = new_matter(paralegal, world, filing_date=filed.isoformat())
    assert events_of(world, matter_id) == [("NONPROVISIONAL_FILED", filed, "filing_date")]

    provisional = filed - timedelta(days=300)
    page = paralegal.post(f"/matters/{matter_id}/priority-claims", data={
        "priority-country": "us", "priority-application_number": "63/401,221",
        "priority-filing_date": provisional.isoformat()}, follow_redirects=True).get_data(as_text=True)
    assert "Docketed from its data" in page
    assert events_of(world, matter_id) == [("PROVISIONAL_FILED", provisional, "priority"),
                                           ("NONPROVISIONAL_FILED", filed, "filing_date")]
    # the 12-month nonprovisional deadline the provisional opened is met by the filing already docketed
    assert deadlines_of(world, matter_id)["US_NONPROVISIONAL_FILING"][0] == "done"
    page = paralegal.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert f"<dt>Earliest priority</dt><dd>{provisional.isoformat()}</dd>" in page


def test_moving_or_clearing_the_filing_date_moves_or_removes_what_it_docketed(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    filed = TODAY - timedelta(days=20)
    matter_id = new_matter(paralegal, world, jurisdiction="EP", application_type="ep", filing_date=filed.isoformat())
    with tenant_scope(world.firm_a.id):
        (deadline_id, first_due), *_ = db.session.execute(
            select(Deadline.id, Deadline.current_due).where(Deadline.matter_id == matter_id)
            .order_by(Deadline.current_due)).all()
    edit = {"reference": "ACME-0900", "title": "Wireless charging pad", "jurisdiction": "EP",
            "application_type": "ep", "status": "pending", "parent_id": 0, "family_relation": "",
            "responsible_attorney_id": world["a_attorney"].id, "specialist_id": 0}
    paralegal.post(f"/matters/{matter_id}/edit", data={**edit, "filing_date": (filed + timedelta(days=7)).isoformat()})
    assert events_of(world, matter_id) == [("EP_FILED", filed + timedelta(days=7), "filing_date")]
    with tenant_scope(world.firm_a.id):
        moved = db.session.get(Deadline, deadline_id)
        assert moved.status == "open" and moved.current_due > first_due  # the same row, recomputed with history
    paralegal.post(f"/matters/{matter_id}/edit", data={**edit, "filing_date": ""})
    assert events_of(world, matter_id) == []
    assert deadlines_of(world, matter_id) == {}


def test_pct_matter_dockets_the_national_phase_from_the_earliest_priority(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    filed = TODAY - timedelta(days=60)
    matter_id = new_matter(paralegal, world, jurisdiction="PCT", application_type="pct", filing_date=filed.isoformat())
    priority = date(filed.year - 1, filed.month, min(filed.day, 28)) + timedelta(days=20)
    paralegal.post(f"/matters/{matter_id}/priority-claims", data={
        "priority-country": "DE", "priority-application_number": "10 2025 100 200.1",
        "priority-filing_date": priority.isoformat()})
    assert [code for code, _, _ in events_of(world, matter_id)] == ["PRIORITY_FILED", "PCT_FILED"]
    deadlines = deadlines_of(world, matter_id)
    assert deadlines["PCT_FILING"][0] == "done"  # the international filing met the priority year
    us_entry = deadlines["PCT_NATIONAL_PHASE_US"][1]
    ep_entry = deadlines["PCT_NATIONAL_PHASE_EP"][1]
    thirty_months = date(priority.year + 2 + (priority.month + 6 - 1) // 12, (priority.month + 6 - 1) % 12 + 1,
                         priority.day)
    assert thirty_months <= us_entry <= thirty_months + timedelta(days=3)  # rolled over a closed day at most
    assert ep_entry > us_entry  # 31 months before the EPO


def test_an_event_recorded_by_hand_is_not_duplicated_or_overwritten(world):
    matter_id = add_matter(world.firm_a, "ACME-0901").id
    with tenant_scope(world.firm_a.id):
        matter = db.session.get(Matter, matter_id)
        record_event(matter, "NONPROVISIONAL_FILED", date(2026, 3, 2), {}, None)
        update_matter(matter, {"filing_date": date(2026, 3, 3)}, world.firm_a.id)
        db.session.commit()
    assert events_of(world, matter_id) == [("NONPROVISIONAL_FILED", date(2026, 3, 2), None)]


def test_an_old_granted_patent_gets_its_maintenance_fees_and_no_overdue_prosecution(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    matter_id = new_matter(paralegal, world, filing_date="2019-06-24", grant_date="2023-01-10",
                           grant_number="US 11,234,567 B2")
    deadlines = deadlines_of(world, matter_id)
    assert "US_MAINTENANCE_FEE" in deadlines
    overdue = {kind for kind, (status, due) in deadlines.items() if status in ("open", "extended") and due < TODAY
               and kind != "US_MAINTENANCE_FEE"}
    assert overdue == set()
    with tenant_scope(world.firm_a.id):
        assert db.session.get(Matter, matter_id).status == "granted"


def test_earliest_priority_follows_the_parent_chain_into_the_search_cut_off(world, login_as):
    parent = add_matter(world.firm_a, "ACME-0100", filing_date=date(2021, 5, 4))
    with tenant_scope(world.firm_a.id):
        record_event(db.session.get(Matter, parent.id), "PROVISIONAL_FILED", date(2020, 5, 6), {}, None)
        db.session.commit()
    child = add_matter(world.firm_a, "ACME-0101", filing_date=date(2023, 2, 1), parent_id=parent.id,
                       family_relation="continuation")
    grandchild = add_matter(world.firm_a, "ACME-0102", filing_date=date(2024, 2, 1), parent_id=child.id,
                            family_relation="divisional")
    with tenant_scope(world.firm_a.id):
        session = create_session(db.session.get(Matter, grandchild.id), "", world["specialist_a"])
        assert session.cutoff_date == date(2020, 5, 6)
        db.session.rollback()
    page = login_as(world["a_attorney"]).get(f"/matters/{grandchild.id}").get_data(as_text=True)
    assert "<dt>Earliest priority</dt><dd>2020-05-06</dd>" in page


def test_imported_continuations_and_divisionals_take_their_parents_date():
    sample = Path(__file__).parents[2] / "data" / "patents" / "ipg120327-196-grants.xml"
    records = {item.record.number: item.record for item in iter_records(sample)
               if isinstance(item, ImportedRecord)}
    assert records["USD656297S1"].priority_date == date(2007, 4, 2)   # continuation-in-part, filed 2009-04-24
    assert records["USD656317S1"].priority_date == date(2010, 12, 17)  # division, filed 2011-12-07
    # a related publication (the same application published earlier) is not a priority
    assert imported_priority_date(date(2011, 1, 1), [{"relation": "related-publication", "date": "2009-01-01"}]) \
        == date(2011, 1, 1)


def test_pages_say_events_and_deadlines_in_plain_words(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    matter_id = new_matter(paralegal, world)
    page = paralegal.post(f"/matters/{matter_id}/events", data={
        "code": "FINAL_OA", "event_date": "2026-03-02", "preview": "1"}).get_data(as_text=True)
    assert "Reply to final Office action" in page and "US_FINAL_OA_REPLY" not in page
    page = paralegal.post(f"/matters/{matter_id}/events", data={
        "code": "FINAL_OA", "event_date": "2026-03-02", "record": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Recorded Final Office action mailed of 2026-03-02" in page
    with tenant_scope(world.firm_a.id):
        deadline_id = db.session.execute(select(Deadline.id).where(
            Deadline.matter_id == matter_id, Deadline.kind == "US_FINAL_OA_REPLY")).scalar_one()
    page = paralegal.get(f"/deadlines/{deadline_id}").get_data(as_text=True)
    assert "Final Office action mailed of 2026-03-02" in page
    assert ">FINAL_OA<" not in page and "from FINAL_OA" not in page and "by FINAL_OA" not in page


def test_the_event_picker_offers_only_events_of_the_matters_office(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    us_matter = new_matter(paralegal, world)
    ep_matter = new_matter(paralegal, world, reference="ACME-0901", jurisdiction="EP", application_type="ep")
    us_page = paralegal.get(f"/matters/{us_matter}").get_data(as_text=True)
    ep_page = paralegal.get(f"/matters/{ep_matter}").get_data(as_text=True)
    for code in ("RENEWAL_PAID", "EP_APPEAL_FILED", "UP_RENEWAL_PAID"):
        assert f'value="{code}"' not in us_page and f'value="{code}"' in ep_page
    assert 'value="MAINTENANCE_FEE_PAID"' in us_page and 'value="MAINTENANCE_FEE_PAID"' not in ep_page
    assert 'value="ABANDONED"' in us_page and 'value="ABANDONED"' in ep_page


def test_the_event_picker_offers_only_events_of_the_application_type(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    pages = {}
    for number, kind in enumerate(("utility", "provisional", "design"), start=10):
        matter_id = new_matter(paralegal, world, reference=f"ACME-09{number}", application_type=kind)
        pages[kind] = paralegal.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert all(f'value="{code}"' in pages["utility"] for code in ("NONFINAL_OA", "MAINTENANCE_FEE_PAID", "RCE_FILED"))
    # a provisional is never examined (35 U.S.C. 111(b)(8)): no Office action, allowance or grant to record
    assert not any(f'value="{code}"' in pages["provisional"] for code in ("NONFINAL_OA", "NOTICE_OF_ALLOWANCE",
                                                                          "GRANTED", "RCE_FILED"))
    assert 'value="NONPROVISIONAL_FILED"' in pages["provisional"]
    # no maintenance fees on a design patent, no RCE in a design application
    assert 'value="MAINTENANCE_FEE_PAID"' not in pages["design"] and 'value="RCE_FILED"' not in pages["design"]
    assert 'value="NONFINAL_OA"' in pages["design"]


def test_preview_and_record_refuse_the_same_parameters(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    matter_id = new_matter(paralegal, world, filing_date=(TODAY - timedelta(days=200)).isoformat())
    paralegal.post(f"/matters/{matter_id}/events", data={"code": "NONFINAL_OA",
                                                         "event_date": (TODAY - timedelta(days=100)).isoformat(),
                                                         "record": "1"})
    for button in ("preview", "record"):
        page = paralegal.post(f"/matters/{matter_id}/events", data={
            "code": "EXTENSION_FILED", "event_date": TODAY.isoformat(), "param_months": "7", button: "1"})
        assert page.status_code == 400, button
        assert "must be between 1 and 5, got 7" in page.get_data(as_text=True), button
    assert sorted(code for code, *_ in events_of(world, matter_id)) == ["NONFINAL_OA", "NONPROVISIONAL_FILED"]


def test_an_edited_event_date_that_moves_a_deadline_needs_a_second_persons_check(world, login_as):
    paralegal, attorney = login_as(world["a_paralegal"]), login_as(world["a_attorney"])
    matter_id = new_matter(paralegal, world)
    mailed = TODAY - timedelta(days=20)
    paralegal.post(f"/matters/{matter_id}/events", data={"code": "NONFINAL_OA", "event_date": mailed.isoformat(),
                                                         "record": "1"})
    with tenant_scope(world.firm_a.id):
        event_id = db.session.execute(select(Event.id).where(Event.matter_id == matter_id,
                                                             Event.code == "NONFINAL_OA")).scalar_one()
        reply = db.session.execute(select(Deadline).where(Deadline.source_event_id == event_id,
                                                          Deadline.kind == "US_OA_REPLY")).scalar_one()
        assert not reply.needs_verification
        first_due, deadline_id = reply.current_due, reply.id
    paralegal.post(f"/events/{event_id}/edit", data={"event_date": (mailed - timedelta(days=7)).isoformat()})
    with tenant_scope(world.firm_a.id):
        moved = db.session.get(Deadline, deadline_id)
        assert moved.current_due != first_due and moved.needs_verification
    assert "A second person must verify" in paralegal.post(f"/deadlines/{deadline_id}/verify",
                                                           follow_redirects=True).get_data(as_text=True)
    attorney.post(f"/deadlines/{deadline_id}/verify")
    with tenant_scope(world.firm_a.id):
        assert not db.session.get(Deadline, deadline_id).needs_verification


def test_renewal_years_do_not_flood_the_docket_or_the_matter_page(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    filed = TODAY - timedelta(days=400)
    matter_id = new_matter(paralegal, world, jurisdiction="EP", application_type="ep", filing_date=filed.isoformat())
    with tenant_scope(world.firm_a.id):
        renewals = db.session.execute(select(Deadline.sequence).where(
            Deadline.matter_id == matter_id, Deadline.kind == "EP_RENEWAL").order_by(Deadline.sequence)).scalars().all()
    assert renewals[0] == 3 and len(renewals) > 10  # every year is docketed ...
    docket = paralegal.get("/docket?next=all").get_data(as_text=True)
    assert docket.count("EP renewal fee, year") == 1  # ... but the docket shows the next one
    assert "EP renewal fee, year 3" in docket
    shown = paralegal.get("/docket?next=all&annuities=all").get_data(as_text=True)
    assert shown.count("EP renewal fee, year") == len(renewals)
    page = paralegal.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert f"Future annuities ({len(renewals) - 1})" in page
    assert "years</span>" in page  # a renewal years away reads in years, not thousands of days


def test_a_row_of_another_firm_on_the_providers_docket_leads_to_the_deadline(world, login_as):
    matter_id = _upcoming_in(world.firm_b, "BOR-77")
    specialist = login_as(world["specialist_both"])
    specialist.post("/tenants/choose", data={"tenant_id": world.firm_a.id})
    docket = specialist.get("/docket").get_data(as_text=True)
    with tenant_scope(world.firm_b.id):
        deadline_id = db.session.execute(select(Deadline.id).where(Deadline.matter_id == matter_id)).scalar_one()
    assert f'name="next" value="/deadlines/{deadline_id}"' in docket
    opened = specialist.post("/tenants/choose", data={"tenant_id": world.firm_b.id,
                                                      "next": f"/deadlines/{deadline_id}"}, follow_redirects=True)
    assert opened.status_code == 200 and "BOR-77" in opened.get_data(as_text=True)
    # a firm the specialist is not assigned to stays a 404, whatever the form says
    assert login_as(world["specialist_a"]).post("/tenants/choose", data={
        "tenant_id": world.firm_b.id, "next": f"/deadlines/{deadline_id}"}).status_code == 404


def _upcoming_in(tenant, reference) -> int:
    matter_id = add_matter(tenant, reference).id
    with tenant_scope(tenant.id):
        add_manual_deadline(db.session.get(Matter, matter_id), "Client instructions", TODAY + timedelta(days=3), None)
        db.session.commit()
    return matter_id


def test_mistyped_dates_and_numbers_are_caught_where_people_make_them(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    matter_id = new_matter(paralegal, world, filing_date="2025-03-03")
    impossible = paralegal.post(f"/matters/{matter_id}/events", data={
        "code": "NONFINAL_OA", "event_date": "2026-02-30", "record": "1", "note": "kept"})
    page = impossible.get_data(as_text=True)
    assert impossible.status_code == 400 and "“2026-02-30” is not a date" in page and "kept" in page
    assert "This field is required" not in page

    future = (TODAY + timedelta(days=40)).isoformat()
    asked = paralegal.post(f"/matters/{matter_id}/events", data={"code": "NONFINAL_OA", "event_date": future,
                                                                 "record": "1"})
    assert asked.status_code == 400 and "is in the future" in asked.get_data(as_text=True)
    assert [code for code, _, _ in events_of(world, matter_id)] == ["NONPROVISIONAL_FILED"]  # nothing recorded
    decades = paralegal.post(f"/matters/{matter_id}/events", data={"code": "NONFINAL_OA", "event_date": "1925-03-03",
                                                                   "record": "1"}).get_data(as_text=True)
    assert "before the matter was filed" in decades and "more than 20 years" in decades
    confirmed = paralegal.post(f"/matters/{matter_id}/events", data={
        "code": "NONFINAL_OA", "event_date": future, "record": "1", "confirmed": "1"})
    assert confirmed.status_code == 302

    base = {"reference": "ACME-0902", "title": "Pad", "jurisdiction": "US", "application_type": "utility",
            "status": "pending", "parent_id": 0, "family_relation": "", "responsible_attorney_id": 0,
            "specialist_id": 0}
    refused = paralegal.post("/matters/new", data={**base, "filing_date": "2024-05-01", "grant_date": "2023-01-01",
                                                   "application_number": "18/123,45"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "cannot be granted (2023-01-01) before" in page
    assert "not how US application numbers are written" in page and "18/123,45" in page
    for number in ("18/123,456", "18123456", "US 18/123,456"):
        assert application_number_problem("US", number) is None
    assert application_number_problem("EP", "EP 22187654.3") is None
    assert application_number_problem("PCT", "PCT/US2025/012345") is None
    assert application_number_problem("PCT", "PCT/US25/12345") is not None


def test_docket_pdf_columns_fit_dates_and_day_counts_and_flag_unverified_dates(world):
    from reportlab.platypus import Paragraph

    from app.patents.docketing.exports import DOCKET_PDF_COLUMNS, DOCKET_PDF_WIDTHS, docket_pdf_row
    from app.patents.docketing.queries import DocketFilters, docket_rows
    from app.patents.reports import pdf

    matter_id = add_matter(world.firm_a, "ACME-0950", responsible_attorney_id=world["a_attorney"].id).id
    with tenant_scope(world.firm_a.id):
        add_manual_deadline(db.session.get(Matter, matter_id), "Client instructions", TODAY + timedelta(days=3),
                            world["a_paralegal"].id)  # entered by hand: unverified until a second person checks
        db.session.commit()
        (row,) = docket_rows(DocketFilters(tenant_ids=[world.firm_a.id], todays={world.firm_a.id: TODAY}))
        cells = dict(zip(DOCKET_PDF_COLUMNS, docket_pdf_row(row)))
    assert "Unverified" in cells["Status"] and world["a_attorney"].name in cells["Responsible"]
    widths = dict(zip(DOCKET_PDF_COLUMNS, DOCKET_PDF_WIDTHS))
    for column, worst in (("Due", "2026-11-28"), ("Final", "2028-12-31"), ("Left", "-9999"), ("Left", "12345"),
                          ("Status", "Unverified"), ("Status", "Superseded")):
        paragraph = pdf.text(worst, "cell")
        assert isinstance(paragraph, Paragraph)
        paragraph.wrap(widths[column] - 12, 1000)  # the table's default cell padding is 6 pt a side
        assert len(paragraph.blPara.lines) == 1, column


def test_moments_show_in_the_firms_time_zone_not_utc(world, login_as):
    from app.models import Tenant
    with tenant_scope(world.firm_a.id):
        db.session.get(Tenant, world.firm_a.id).time_zone = "America/New_York"
        db.session.commit()
    paralegal = login_as(world["a_paralegal"])
    matter_id = new_matter(paralegal, world, filing_date="2025-03-03")
    with tenant_scope(world.firm_a.id):
        deadline = db.session.execute(select(Deadline).where(Deadline.matter_id == matter_id)).scalars().first()
        deadline_id = deadline.id
        created = db.session.execute(select(DeadlineChange.at).where(
            DeadlineChange.deadline_id == deadline_id)).scalars().first()
    page = paralegal.get(f"/deadlines/{deadline_id}").get_data(as_text=True)
    shown = as_utc(created).astimezone(ZoneInfo("America/New_York"))
    assert f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}" in page and "(UTC)" not in page

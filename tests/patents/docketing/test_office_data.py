"""Docketing from the office's own file history (issue 15 item 4), on real files the USPTO and the EPO served.

The files under tests/data/office/ are real responses kept as test fixtures by an open-source client
(README there). A paralegal uploads one, a second person confirms what it proposes, and the docket then reads as
it would had each event been recorded by hand.
"""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.patents.docketing.models import Deadline, Event, Matter, OfficeDataImport
from app.patents.docketing.office_data import OfficeDataError, codebook, interpret, read_office_file
from app.tenancy import tenant_scope
from tests.builders import add_matter, detached

OFFICE = Path(__file__).resolve().parents[2] / "data" / "office"
PEDS = OFFICE / "uspto-peds-12721698.json"             # granted 2013, maintenance fees paid late
ODP = OFFICE / "uspto-odp-15123456-application.json"   # non-final rejection, abandoned 2018
EP_STEPS = OFFICE / "ep-register-EP3221665-procedural-steps.xml"
EP_EVENTS = OFFICE / "ep-register-EP1000000-events.xml"
EP_OLD_STEPS = OFFICE / "ep-register-EP1000000-procedural-steps.xml"


def proposals(entries) -> list[tuple[str, str, dict]]:
    return [(e.on, e.event, e.params) for e in entries if e.status == "propose"]


def upload(client, matter_id: int, path: Path, content: bytes | None = None):
    return client.post(f"/matters/{matter_id}/office-data", data={
        "office_file": (io.BytesIO(content if content is not None else path.read_bytes()), path.name)},
        content_type="multipart/form-data")


def the_import(world, matter_id: int) -> OfficeDataImport | None:
    with tenant_scope(world.firm_a.id):
        found = db.session.execute(select(OfficeDataImport).where(OfficeDataImport.matter_id == matter_id)
                                   .order_by(OfficeDataImport.id.desc())).scalars().first()
        return found and detached(found)


def deadlines_of(world, matter_id) -> dict[tuple[str, int | None], str]:
    with tenant_scope(world.firm_a.id):
        return {(d.kind, d.sequence): d.status for d in db.session.execute(
            select(Deadline).where(Deadline.matter_id == matter_id, Deadline.status != "superseded")).scalars()}


def test_every_real_uspto_history_entry_is_accounted_for(world):
    """A granted patent's PEDS history: each code is proposed, known to open nothing, or shown as not mapped."""
    office_file = read_office_file(PEDS.read_bytes())
    assert (office_file.office, office_file.application_number) == ("US", "12721698")
    matter = add_matter(world.firm_a, application_number="12/721,698", filing_date=date(2010, 3, 11))
    with tenant_scope(world.firm_a.id):
        entries = interpret(db.session.get(Matter, matter.id), office_file)
    raw = json.loads(PEDS.read_text())["queryResults"]["searchResponse"]["response"]["docs"][0]["transactions"]
    assert len(entries) == len(raw) == 45 and all(e.status in {"propose", "no_event", "not_mapped"} for e in entries)
    assert proposals(entries) == [
        ("2012-02-01", "NONFINAL_OA", {}),            # the mailing (MCTNF), not the examiner's CTNF of 01-30
        ("2012-06-25", "EXTENSION_FILED", {}),        # the file does not say how many months: asked
        ("2012-06-25", "RESPONSE_FILED", {}),
        ("2012-08-27", "FINAL_OA", {}),
        ("2013-02-27", "EXTENSION_FILED", {}),
        ("2013-02-27", "RCE_FILED", {}),
        ("2013-04-11", "NOTICE_OF_ALLOWANCE", {}),
        ("2013-05-02", "ISSUE_FEE_PAID", {}),
        ("2013-06-04", "GRANTED", {"application_type": "utility"}),
        ("2018-09-20", "MAINTENANCE_FEE_PAID", {"sequence": 1}),
        ("2020-10-28", "MAINTENANCE_FEE_PAID", {"sequence": 2}),
    ]
    # ABN9 is a disposal for an RCE, not an abandonment: a tired reader of "ABN" must not close the matter
    abn9 = next(e for e in entries if e.code == "ABN9")
    assert abn9.status == "no_event" and "not an abandonment" in abn9.why


def test_the_open_data_portal_history_in_both_of_its_layouts_proposes_the_same(world):
    beta = json.loads(ODP.read_text())
    record = beta["patentBag"][0]
    # the same real history under the field names the portal serves today (patentFileWrapperDataBag/eventDataBag)
    today = {"count": 1, "patentFileWrapperDataBag": [{
        "applicationNumberText": record["applicationNumberText"],
        "applicationMetaData": {"filingDate": record["filingDate"]},
        "eventDataBag": [{"eventCode": t["caseActionCode"], "eventDescriptionText": t["caseActionDescriptionText"],
                          "eventDate": t["recordedDate"]} for t in record["transactionContentBag"]]}]}
    matter = add_matter(world.firm_a, application_number="15/123,456", filing_date=date(2016, 9, 2))
    with tenant_scope(world.firm_a.id):
        live = db.session.get(Matter, matter.id)
        from_beta = interpret(live, read_office_file(ODP.read_bytes()))
        from_today = interpret(live, read_office_file(json.dumps(today).encode()))
    expected = [("2018-03-14", "NONFINAL_OA", {}), ("2018-10-02", "ABANDONED", {})]
    assert proposals(from_beta) == proposals(from_today) == expected
    assert [(e.code, e.status) for e in from_beta] == [(e.code, e.status) for e in from_today]


def test_ep_register_steps_and_dossier_events_propose_renewals_grant_and_communications(world):
    matter = add_matter(world.firm_a, jurisdiction="EP", application_type="national_phase",
                        application_number="EP15860753.1", filing_date=date(2015, 11, 19))
    with tenant_scope(world.firm_a.id):
        live = db.session.get(Matter, matter.id)
        steps = interpret(live, read_office_file(EP_STEPS.read_bytes(), "EP15860753.1"))
        old = interpret(live, read_office_file(EP_OLD_STEPS.read_bytes()))
        events = interpret(live, read_office_file(EP_EVENTS.read_bytes()))
    assert proposals(steps) == [
        ("2017-05-11", "DESIGNATION_FEE_PAID", {}),
        ("2017-05-11", "EXAMINATION_REQUESTED", {}),
        ("2017-11-13", "RENEWAL_PAID", {"sequence": 3}),
        ("2018-10-19", "RENEWAL_PAID", {"sequence": 4}),
    ]
    assert {e.code: e.status for e in steps}["FFEE"] == "no_event"
    assert [(on, event) for on, event, _ in proposals(old)] == [
        ("2001-11-28", "RENEWAL_PAID"), ("2002-08-07", "R71_3_COMMUNICATION"), ("2002-08-24", "GRANT_APPROVED"),
        ("2002-11-28", "RENEWAL_PAID")]
    biblio = read_office_file((OFFICE / "ep-register-EP3221665-biblio.xml").read_bytes())
    assert (biblio.application_number, biblio.filing_date) == ("15860753", "2015-11-19")
    with tenant_scope(world.firm_a.id):
        assert proposals(interpret(db.session.get(Matter, matter.id), biblio)) == [
            ("2017-05-11", "EXAMINATION_REQUESTED", {})]
    first_report = next(e for e in events if e.code == "0009185")
    assert (first_report.event, first_report.ask) == ("EP_COMMUNICATION", ["period_months"])
    assert ("2002-12-28", "EP_GRANT_MENTIONED", {}) in proposals(events)


def test_a_paralegal_uploads_a_second_person_confirms_and_the_docket_follows(world, login_as):
    matter = add_matter(world.firm_a, application_number="12/721,698", filing_date=date(2010, 3, 11))
    paralegal, attorney = login_as(world["a_paralegal"]), login_as(world["a_attorney"])
    response = upload(paralegal, matter.id, PEDS)
    assert response.status_code == 302
    proposal = the_import(world, matter.id)
    page = paralegal.get(f"/office-data/{proposal.id}").get_data(as_text=True)
    assert "You uploaded this file" in page and "Mail Non-Final Rejection" in page
    assert "waiting for a second person" in paralegal.get(f"/matters/{matter.id}").get_data(as_text=True)
    with tenant_scope(world.firm_a.id):
        assert db.session.scalar(select(func.count(Event.id)).where(Event.matter_id == matter.id)) == 0

    picks = [i for i, e in enumerate(proposal.entries) if e["status"] == "propose"]
    refused = paralegal.post(f"/office-data/{proposal.id}/confirm", data={"pick": picks})
    assert refused.status_code == 400 and "second person" in refused.get_data(as_text=True)

    extension = next(i for i in picks if proposal.entries[i]["event"] == "EXTENSION_FILED")
    missing = attorney.post(f"/office-data/{proposal.id}/confirm", data={"pick": picks})
    assert missing.status_code == 400 and "needs: months" in missing.get_data(as_text=True)
    with tenant_scope(world.firm_a.id):
        assert db.session.scalar(select(func.count(Event.id)).where(Event.matter_id == matter.id)) == 0

    ticked = [i for i in picks if proposal.entries[i]["event"] != "EXTENSION_FILED" or i == extension]
    confirmed = attorney.post(f"/office-data/{proposal.id}/confirm",
                              data={"pick": ticked, f"param_{extension}_months": "1"})
    assert confirmed.status_code == 302
    statuses = deadlines_of(world, matter.id)
    assert {kind: statuses.get(kind) for kind in [("US_OA_REPLY", None), ("US_FINAL_OA_REPLY", None),
                                                  ("US_ISSUE_FEE", None), ("US_MAINTENANCE_FEE", 1),
                                                  ("US_MAINTENANCE_FEE", 2)]} == dict.fromkeys(
        [("US_OA_REPLY", None), ("US_FINAL_OA_REPLY", None), ("US_ISSUE_FEE", None), ("US_MAINTENANCE_FEE", 1),
         ("US_MAINTENANCE_FEE", 2)], "done")
    assert statuses[("US_MAINTENANCE_FEE", 3)] in ("open", "missed")  # the 12th-year fee: the file shows no payment
    with tenant_scope(world.firm_a.id):
        events = db.session.execute(select(Event).where(Event.matter_id == matter.id)).scalars().all()
        assert len(events) == len(ticked) and {e.office_import_id for e in events} == {proposal.id}
        assert db.session.get(Matter, matter.id).status == "granted"
    again = attorney.post(f"/office-data/{proposal.id}/confirm", data={"pick": picks})
    assert again.status_code == 400 and "already confirmed" in again.get_data(as_text=True)
    # a second upload of the same history proposes only what was left unticked: the rest is on the docket
    upload(paralegal, matter.id, PEDS)
    again_proposed = [(e["on"], e["event"]) for e in the_import(world, matter.id).entries if e["status"] == "propose"]
    assert again_proposed == [("2013-02-27", "EXTENSION_FILED")]


@pytest.mark.parametrize(("path", "content", "message"), [
    (PEDS, b'{"queryResults": {"searchResponse": ', "not valid JSON at line 1"),
    (PEDS, b'{"applications": []}', "not a USPTO file history"),
    (EP_STEPS, b"<reg:x xmlns:reg='http://www.epo.org/register'><reg:y></reg:x>", "not well-formed XML (line 1"),
    (EP_STEPS, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>', "declares entities"),
    (EP_STEPS, None, "is a US matter"),
    (ODP, None, "history of application 15123456"),
    (PEDS, b"%PDF-1.4", "Upload the file history as the office serves it"),
])
def test_a_file_that_is_not_this_matters_history_is_refused_with_the_reason(world, login_as, path, content,
                                                                             message):
    matter = add_matter(world.firm_a, application_number="12/721,698")
    response = upload(login_as(world["a_paralegal"]), matter.id, path, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert the_import(world, matter.id) is None


def test_a_file_with_several_applications_names_them():
    with pytest.raises(OfficeDataError, match=r"2 applications \(111, 222\)"):
        read_office_file(json.dumps({"patentFileWrapperDataBag": [
            {"applicationNumberText": "111"}, {"applicationNumberText": "222"}]}).encode())


def test_a_bad_date_in_one_entry_is_reported_and_the_rest_is_read():
    history = {"patentFileWrapperDataBag": [{"applicationNumberText": "1", "eventDataBag": [
        {"eventCode": "MCTNF", "eventDate": "2024-02-30"}, {"eventCode": "MCTFR", "eventDate": "2024-05-02"}]}]}
    office_file = read_office_file(json.dumps(history).encode())
    assert [e.on for e in office_file.entries] == ["", "2024-05-02"]
    assert office_file.warnings == ["Transaction 1 (MCTNF): '2024-02-30' is not a date; the entry is shown but "
                                    "cannot be docketed."]


def test_every_proposed_event_is_one_the_rules_know_for_its_office():
    from app.patents.docketing.operations import event_role
    for (office, _code), spec in codebook().items():
        if spec["kind"] == "propose":
            event_role(office, spec["event"])  # raises for an event the office's rules do not know


def test_another_firm_cannot_see_or_confirm_the_proposal(world, login_as):
    matter = add_matter(world.firm_a, application_number="12/721,698")
    upload(login_as(world["a_paralegal"]), matter.id, PEDS)
    proposal = the_import(world, matter.id)
    outsider = login_as(world["b_firm_admin"])
    assert outsider.get(f"/office-data/{proposal.id}").status_code == 404
    assert outsider.get(f"/matters/{matter.id}/office-data").status_code == 404
    assert outsider.post(f"/office-data/{proposal.id}/confirm", data={"pick": [0]}).status_code == 404
    assert the_import(world, matter.id).status == "proposed"

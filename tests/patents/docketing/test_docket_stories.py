"""The issue's 'done when' stories, docketed by events only: a design application with foreign priority,
an EP application from filing to the opposition period, a PCT application into the national phases."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, Matter
from app.patents.docketing.operations import record_event
from app.tenancy import tenant_scope


def open_deadlines(matter):
    return {(d.kind, d.sequence): d for d in db.session.execute(
        select(Deadline).where(Deadline.matter_id == matter.id)).scalars() if d.is_open}


def new_matter(world, jurisdiction, application_type):
    matter = Matter(reference=f"STORY-{jurisdiction}", title="Story", jurisdiction=jurisdiction,
                    application_type=application_type, filing_date=date(2025, 3, 14))
    db.session.add(matter)
    db.session.flush()
    return matter


def test_design_application_with_foreign_priority(world):
    with tenant_scope(world.firm_a.id):
        matter = new_matter(world, "US", "design")
        # 35 U.S.C. 172: 2025-03-14 + 6 months = Sun 09-14 -> Mon 09-15; restoration (1.55(c)) to Fri 11-14
        record_event(matter, "PRIORITY_FILED", date(2025, 3, 14), {"application_type": "design"}, None)
        filing = open_deadlines(matter)[("US_CONVENTION_FILING", None)]
        assert (filing.due, filing.final_due) == (date(2025, 9, 15), date(2025, 11, 14))
        record_event(matter, "NONPROVISIONAL_FILED", date(2025, 9, 12), {}, None)
        record_event(matter, "GRANTED", date(2027, 2, 2), {"application_type": "design"}, None)
        assert ("US_MAINTENANCE_FEE", 1) not in open_deadlines(matter)     # 35 U.S.C. 41(b)(3)
        assert ("US_CONVENTION_FILING", None) not in open_deadlines(matter)
        db.session.rollback()


def test_ep_from_filing_to_unitary_patent_and_opposition(world):
    with tenant_scope(world.firm_b.id):
        matter = new_matter(world, "EP", "ep")
        record_event(matter, "EP_FILED", date(2025, 3, 14), {}, None)
        assert open_deadlines(matter)[("EP_FILING_SEARCH_FEE", None)].due == date(2025, 4, 14)
        record_event(matter, "EP_FEES_PAID", date(2025, 4, 1), {}, None)
        record_event(matter, "SEARCH_REPORT_PUBLISHED", date(2025, 9, 17), {}, None)
        assert open_deadlines(matter)[("EP_EXAMINATION_REQUEST", None)].due == date(2026, 3, 17)
        record_event(matter, "EXAMINATION_REQUESTED", date(2026, 2, 2), {}, None)
        record_event(matter, "DESIGNATION_FEE_PAID", date(2026, 2, 2), {}, None)
        record_event(matter, "RESPONSE_FILED", date(2026, 2, 2), {}, None)
        record_event(matter, "R71_3_COMMUNICATION", date(2027, 1, 12), {}, None)
        assert open_deadlines(matter)[("EP_GRANT_APPROVAL", None)].due == date(2027, 5, 12)
        record_event(matter, "GRANT_APPROVED", date(2027, 4, 1), {}, None)
        record_event(matter, "EP_GRANT_MENTIONED", date(2027, 6, 2), {}, None)
        # Rule 6(1) UPR: + 1 month = Fri 2027-07-02; Art. 99(1): + 9 months = Thu 2028-03-02
        kinds = open_deadlines(matter)
        assert kinds[("EP_UNITARY_EFFECT_REQUEST", None)].due == date(2027, 7, 2)
        assert kinds[("EP_OPPOSITION", None)].due == date(2028, 3, 2)
        assert {k for k, _ in kinds} == {"EP_RENEWAL", "EP_UNITARY_EFFECT_REQUEST", "EP_OPPOSITION"}
        db.session.rollback()


def test_pct_into_the_national_phase_at_each_office(world):
    with tenant_scope(world.firm_a.id):
        matter = new_matter(world, "PCT", "pct")
        record_event(matter, "PCT_FILED", date(2025, 3, 14),
                     {"priority_date": "2024-03-15", "designated_offices": "US,EP,JP,CN"}, None)
        phases = {k: d for (k, _), d in open_deadlines(matter).items() if k.startswith("PCT_NATIONAL_PHASE_")}
        assert {k: d.due for k, d in phases.items()} == {
            "PCT_NATIONAL_PHASE_US": date(2026, 9, 15), "PCT_NATIONAL_PHASE_EP": date(2026, 10, 15),
            "PCT_NATIONAL_PHASE_JP": date(2026, 9, 15), "PCT_NATIONAL_PHASE_CN": date(2026, 9, 15)}
        record_event(matter, "NATIONAL_PHASE_ENTERED", date(2026, 9, 1), {"office": "JP"}, None)
        record_event(matter, "NATIONAL_STAGE_ENTERED", date(2026, 9, 2), {}, None)
        record_event(matter, "NATIONAL_PHASE_DROPPED", date(2026, 9, 3), {"office": "CN"}, None)
        left = {k for k, _ in open_deadlines(matter) if k.startswith("PCT_NATIONAL_PHASE_")}
        assert left == {"PCT_NATIONAL_PHASE_EP"}
        db.session.rollback()

"""A US file from final rejection through appeal, Board decision and court review, docketed by events only."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, Matter
from app.patents.docketing.operations import delete_event, record_event
from app.tenancy import tenant_scope


@pytest.fixture
def us_matter(world):
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="ACME-0077", title="Heat pump valve", jurisdiction="US",
                        application_type="utility", filing_date=date(2024, 3, 4))
        db.session.add(matter)
        db.session.flush()
        yield matter
        db.session.rollback()


def docket(matter):
    return {(d.kind, d.status): d for d in db.session.execute(
        select(Deadline).where(Deadline.matter_id == matter.id).order_by(Deadline.id)).scalars()}


def open_kinds(matter):
    return sorted(k for k, s in docket(matter) if s in ("open", "extended"))


def test_final_rejection_to_federal_circuit_without_a_manual_entry(world, us_matter):
    actor = world["a_paralegal"].id
    record_event(us_matter, "FINAL_OA", date(2026, 1, 15), {}, actor)
    assert open_kinds(us_matter) == ["US_FINAL_OA_REPLY", "US_NOTICE_OF_APPEAL"]

    # First reply within 2 months, advisory action after the 3-month date: it replaces both deadlines.
    advisory = record_event(us_matter, "ADVISORY_ACTION", date(2026, 5, 20),
                            {"final_action_date": "2026-01-15", "first_reply_within_two_months": "yes"}, actor)
    d = docket(us_matter)
    assert d[("US_FINAL_OA_REPLY", "superseded")].due == date(2026, 4, 15)
    assert d[("US_FINAL_OA_REPLY", "open")].due == date(2026, 5, 20)
    assert d[("US_NOTICE_OF_APPEAL", "open")].source_event_id == advisory.id

    # Deleting the advisory action brings the final action's dates back.
    delete_event(advisory, actor)
    d = docket(us_matter)
    assert d[("US_FINAL_OA_REPLY", "open")].due == date(2026, 4, 15)
    advisory = record_event(us_matter, "ADVISORY_ACTION", date(2026, 5, 20),
                            {"final_action_date": "2026-01-15", "first_reply_within_two_months": "yes"}, actor)

    record_event(us_matter, "EXTENSION_FILED", date(2026, 6, 10), {"months": 1}, actor)
    assert docket(us_matter)[("US_FINAL_OA_REPLY", "extended")].current_due == date(2026, 6, 22)
    assert docket(us_matter)[("US_NOTICE_OF_APPEAL", "extended")].current_due == date(2026, 6, 22)
    record_event(us_matter, "NOTICE_OF_APPEAL", date(2026, 6, 12), {}, actor)
    assert open_kinds(us_matter) == ["US_APPEAL_BRIEF"]
    record_event(us_matter, "APPEAL_BRIEF_FILED", date(2026, 8, 10), {}, actor)
    record_event(us_matter, "EXAMINERS_ANSWER", date(2026, 12, 1), {}, actor)
    assert docket(us_matter)[("US_REPLY_BRIEF", "open")].due == date(2027, 2, 1)  # 02-01 Monday
    record_event(us_matter, "REPLY_BRIEF_FILED", date(2027, 1, 20), {}, actor)

    record_event(us_matter, "BOARD_DECISION", date(2028, 3, 1), {}, actor)
    assert open_kinds(us_matter) == ["US_COURT_REVIEW", "US_REHEARING_REQUEST"]
    # 2028-03-01 + 63 days = 2028-05-03 (30 to 03-31, 30 to 04-30, 3 more), a Wednesday.
    assert docket(us_matter)[("US_COURT_REVIEW", "open")].due == date(2028, 5, 3)
    record_event(us_matter, "REHEARING_REQUESTED", date(2028, 4, 20), {}, actor)
    assert open_kinds(us_matter) == []
    record_event(us_matter, "REHEARING_DECIDED", date(2028, 7, 3), {}, actor)
    # 2028-07-03 + 63 days = 2028-09-04 (28 to 07-31, 31 to 08-31, 4 more) = Labor Day -> Tuesday 09-05.
    court = docket(us_matter)[("US_COURT_REVIEW", "open")]
    assert (court.nominal, court.due) == (date(2028, 9, 4), date(2028, 9, 5))
    record_event(us_matter, "COURT_REVIEW_FILED", date(2028, 8, 30), {}, actor)
    assert open_kinds(us_matter) == []

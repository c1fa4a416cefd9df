"""Recording, editing and deleting events keeps the docket consistent, with history."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, DeadlineChange, Matter
from app.patents.docketing.operations import (
    DocketError,
    add_manual_deadline,
    delete_event,
    mark_missed,
    override_due_date,
    record_event,
    update_event,
    verify,
)
from app.tenancy import tenant_scope


@pytest.fixture
def us_matter(world):
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="ACME-0042", title="Wireless charging pad", jurisdiction="US",
                        application_type="provisional", filing_date=date(2025, 3, 3))
        db.session.add(matter)
        db.session.flush()
        yield matter
        db.session.rollback()


def deadlines(matter, **filters):
    query = select(Deadline).where(Deadline.matter_id == matter.id).order_by(Deadline.current_due, Deadline.id)
    for key, value in filters.items():
        query = query.where(getattr(Deadline, key) == value)
    return db.session.execute(query).scalars().all()


def one(matter, kind, **filters):
    found = [d for d in deadlines(matter, kind=kind, **filters) if d.status != "superseded"]
    assert len(found) == 1, found
    return found[0]


def test_life_of_a_us_application_from_provisional_to_third_maintenance_fee(world, us_matter):
    actor = world["a_paralegal"].id
    record_event(us_matter, "PROVISIONAL_FILED", date(2025, 3, 3), {}, actor)
    nonprovisional = one(us_matter, "US_NONPROVISIONAL_FILING")
    assert nonprovisional.due == date(2026, 3, 3) and nonprovisional.final_due == date(2026, 5, 4)  # 05-03 is Sunday

    record_event(us_matter, "NONPROVISIONAL_FILED", date(2026, 2, 27), {}, actor)
    assert nonprovisional.status == "done" and nonprovisional.done_at == date(2026, 2, 27)
    assert one(us_matter, "US_IDS_NO_FEE").due == date(2026, 5, 27)

    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, actor)
    reply = one(us_matter, "US_OA_REPLY")
    assert reply.due == date(2027, 4, 29) and reply.final_due == date(2027, 7, 29)

    record_event(us_matter, "EXTENSION_FILED", date(2027, 5, 20), {"months": 1}, actor)
    # 2027-01-29 + 4 months = 05-29, a Saturday; Monday 05-31 is Memorial Day, so Tuesday 06-01.
    assert reply.status == "extended" and reply.current_due == date(2027, 6, 1)
    record_event(us_matter, "RESPONSE_FILED", date(2027, 5, 25), {}, actor)
    assert reply.status == "done" and reply.done_event_id is not None

    record_event(us_matter, "NOTICE_OF_ALLOWANCE", date(2027, 9, 1), {}, actor)
    assert us_matter.status == "allowed"
    issue_fee = one(us_matter, "US_ISSUE_FEE")
    assert issue_fee.due == date(2027, 12, 1) and issue_fee.extensions == []
    record_event(us_matter, "ISSUE_FEE_PAID", date(2027, 11, 2), {}, actor)
    assert issue_fee.status == "done"

    record_event(us_matter, "GRANTED", date(2028, 1, 4), {}, actor)
    assert us_matter.status == "granted" and us_matter.grant_date == date(2028, 1, 4)
    fees = sorted(deadlines(us_matter, kind="US_MAINTENANCE_FEE"), key=lambda d: d.sequence)
    assert [(f.sequence, f.window_opens, f.due, f.final_due) for f in fees] == [
        # 2031-07-04 holiday, 5-6 weekend; 2032-01-04 Sunday
        (1, date(2031, 1, 4), date(2031, 7, 7), date(2032, 1, 5)),
        (2, date(2035, 1, 4), date(2035, 7, 5), date(2036, 1, 4)),    # 2035-07-04 is a Wednesday holiday
        (3, date(2039, 1, 4), date(2039, 7, 5), date(2040, 1, 4)),    # 2039-07-04 is a Monday holiday
    ]
    for sequence in (1, 2, 3):
        record_event(us_matter, "MAINTENANCE_FEE_PAID", fees[sequence - 1].due, {"sequence": sequence}, actor)
    assert all(f.status == "done" for f in fees)
    # 37 CFR 1.705(b): 2028-01-04 + 2 months = Sat 2028-03-04 -> Mon 03-06
    assert [(d.kind, d.due) for d in deadlines(us_matter) if d.is_open] == [
        ("US_IDS_NO_FEE", date(2026, 5, 27)), ("US_PTA_RECONSIDERATION", date(2028, 3, 6))]


def test_every_deadline_carries_rule_citation_and_arithmetic(world, us_matter):
    record_event(us_matter, "NONFINAL_OA", date(2028, 1, 31), {}, None)
    reply = one(us_matter, "US_OA_REPLY")
    assert reply.citation and reply.rule_id and reply.rules_version
    assert reply.explanation[0] == "2028-01-31 + 3 months = 2028-04-30 (37 CFR 1.134)"
    assert "Monday 2028-05-01" in reply.explanation[1]


def test_editing_an_event_recomputes_in_place_and_keeps_history(world, us_matter):
    event = record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    reply = one(us_matter, "US_OA_REPLY")
    update_event(event, date(2027, 2, 1), {}, world["a_attorney"].id)
    assert reply.due == date(2027, 5, 3)  # 05-01 is Saturday
    changes = db.session.execute(select(DeadlineChange.change).where(
        DeadlineChange.deadline_id == reply.id).order_by(DeadlineChange.id)).scalars().all()
    assert changes == ["created", "recomputed", "needs check"]  # a date moved by hand: a second person checks it
    assert reply.needs_verification and reply.changed_by_id == world["a_attorney"].id


def test_editing_an_event_keeps_an_extension_on_the_new_ladder(world, us_matter):
    event = record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    record_event(us_matter, "EXTENSION_FILED", date(2027, 5, 1), {"months": 2}, None)
    update_event(event, date(2027, 1, 15), {}, None)
    reply = one(us_matter, "US_OA_REPLY")
    assert reply.extended_months == 2 and reply.current_due == date(2027, 6, 15)


def test_deleting_a_closing_event_reopens_what_it_closed(world, us_matter):
    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    response = record_event(us_matter, "RESPONSE_FILED", date(2027, 3, 1), {}, None)
    reply = one(us_matter, "US_OA_REPLY")
    assert reply.status == "done"
    delete_event(response, None)
    assert reply.status == "open" and reply.done_at is None and response.deleted_at is not None


def test_deleting_an_extension_moves_the_date_back(world, us_matter):
    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    extension = record_event(us_matter, "EXTENSION_FILED", date(2027, 5, 1), {"months": 3}, None)
    reply = one(us_matter, "US_OA_REPLY")
    assert reply.current_due == date(2027, 7, 29)
    delete_event(extension, None)
    assert reply.status == "open" and reply.current_due == reply.due == date(2027, 4, 29)


def test_deleting_a_triggering_event_supersedes_its_deadlines(world, us_matter):
    event = record_event(us_matter, "NOTICE_OF_ALLOWANCE", date(2027, 9, 1), {}, None)
    delete_event(event, None)
    assert [d.status for d in deadlines(us_matter)] == ["superseded"]


def test_a_closing_event_closes_only_the_right_sequence(world, us_matter):
    record_event(us_matter, "GRANTED", date(2028, 1, 4), {}, None)
    record_event(us_matter, "MAINTENANCE_FEE_PAID", date(2031, 6, 1), {"sequence": 1}, None)
    statuses = {d.sequence: d.status for d in deadlines(us_matter, kind="US_MAINTENANCE_FEE")}
    assert statuses == {1: "done", 2: "open", 3: "open"}


def test_an_extension_beyond_the_ladder_is_refused_with_a_clear_message(world, us_matter):
    record_event(us_matter, "NOTICE_OF_ALLOWANCE", date(2027, 9, 1), {}, None)
    with pytest.raises(DocketError, match="no open reply deadline"):
        record_event(us_matter, "EXTENSION_FILED", date(2027, 10, 1), {"months": 1}, None)
    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    with pytest.raises(DocketError, match="cannot be extended by 4 month"):
        record_event(us_matter, "EXTENSION_FILED", date(2027, 5, 1), {"months": 4}, None)


def test_unknown_events_and_bad_parameters_are_refused(world, us_matter):
    with pytest.raises(DocketError, match="not an event"):
        record_event(us_matter, "COFFEE_BREAK", date(2027, 1, 1), {}, None)
    with pytest.raises(DocketError, match="sequence"):
        record_event(us_matter, "MAINTENANCE_FEE_PAID", date(2031, 1, 1), {}, None)


def test_abandonment_closes_everything_open(world, us_matter):
    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    record_event(us_matter, "ABANDONED", date(2027, 8, 1), {}, None)
    assert us_matter.status == "abandoned"
    assert not [d for d in deadlines(us_matter) if d.is_open]


def test_manual_deadline_needs_a_second_person_to_verify(world, us_matter):
    maker, checker = world["a_paralegal"].id, world["a_attorney"].id
    deadline = add_manual_deadline(us_matter, "Client instructions due", date(2027, 3, 1), maker)
    assert deadline.needs_verification
    with pytest.raises(DocketError, match="second person"):
        verify(deadline, maker)
    verify(deadline, checker)
    assert not deadline.needs_verification and deadline.verified_by_id == checker


def test_overriding_a_computed_date_makes_it_unverified(world, us_matter):
    record_event(us_matter, "NONFINAL_OA", date(2027, 1, 29), {}, None)
    reply = one(us_matter, "US_OA_REPLY")
    assert not reply.needs_verification
    override_due_date(reply, date(2027, 4, 20), "client wants early filing", world["a_paralegal"].id)
    assert reply.needs_verification and reply.current_due == date(2027, 4, 20)


def test_missed_deadlines_are_marked(world, us_matter):
    record_event(us_matter, "NOTICE_OF_ALLOWANCE", date(2027, 9, 1), {}, None)
    assert mark_missed(date(2027, 12, 1)) == 0
    assert mark_missed(date(2027, 12, 2)) == 1
    assert one(us_matter, "US_ISSUE_FEE").status == "missed"


def test_life_of_an_ep_application_with_renewals(world):
    with tenant_scope(world.firm_b.id):
        matter = Matter(reference="BOR-7", title="Heat pump", jurisdiction="EP", application_type="ep",
                        filing_date=date(2024, 3, 15))
        db.session.add(matter)
        db.session.flush()
        record_event(matter, "EP_FILED", date(2024, 3, 15), {}, None)
        renewals = {d.sequence: d for d in deadlines(matter, kind="EP_RENEWAL")}
        assert sorted(renewals) == list(range(3, 21))
        assert renewals[3].due == date(2026, 3, 31) and renewals[3].final_due == date(2026, 9, 30)
        record_event(matter, "RENEWAL_PAID", date(2026, 3, 2), {"sequence": 3}, None)
        assert renewals[3].status == "done" and renewals[4].status == "open"
        record_event(matter, "EP_COMMUNICATION", date(2026, 5, 6), {"period_months": 4}, None)
        assert one(matter, "EP_COMMUNICATION_REPLY").due == date(2026, 9, 7)  # 09-06 is a Sunday
        record_event(matter, "RESPONSE_FILED", date(2026, 9, 1), {}, None)
        assert one(matter, "EP_COMMUNICATION_REPLY").status == "done"
        record_event(matter, "EP_GRANT_MENTIONED", date(2027, 6, 2), {}, None)
        assert matter.status == "granted" and one(matter, "EP_OPPOSITION").due == date(2028, 3, 2)
        db.session.rollback()

"""US after-final and appeal chain: notice of appeal, advisory action, reply
brief, Board decision, rehearing, court review.  Every expected date is worked
out by hand from the provision in the comment next to it."""
from datetime import date

import pytest

from app.patents.deadlines import compute, events, preview

D = date.fromisoformat


def by_kind(event, day, params=None):
    return {d.kind: d for d in compute("US", event, D(day), params or {})}


def ladder(dl):
    return [(e.months, e.nominal, e.due) for e in dl.extensions]


# ---------------------------------------------------------------- notice of appeal (41.31)
def test_notice_of_appeal_from_final_rejection():
    # 37 CFR 41.31(a)(1): within the period for reply.  Final mailed Thu 2026-01-15:
    # 3 months = Wed 2026-04-15; 1.136(a) ladder from the mailing date: 05-15 (Fri),
    # 06-15 (Mon), 07-15 (Wed) = the 6-month limit of 35 U.S.C. 133.
    dl = by_kind("FINAL_OA", "2026-01-15")["US_NOTICE_OF_APPEAL"]
    assert (dl.nominal, dl.due, dl.final_due) == (D("2026-04-15"), D("2026-04-15"), D("2026-07-15"))
    assert ladder(dl) == [(1, D("2026-05-15"), D("2026-05-15")), (2, D("2026-06-15"), D("2026-06-15")),
                          (3, D("2026-07-15"), D("2026-07-15"))]
    assert "37 CFR 41.31(a)(1)" in dl.citation


def test_notice_of_appeal_rolls_over_christmas_closures():
    # Final 2025-09-24 + 3 months = Wed 2025-12-24 (executive-order closure), 12-25 Christmas,
    # 12-26 closure, 27-28 weekend -> Monday 2025-12-29, like the reply itself.
    out = by_kind("FINAL_OA", "2025-09-24")
    assert out["US_NOTICE_OF_APPEAL"].due == out["US_FINAL_OA_REPLY"].due == D("2025-12-29")
    assert "so the notice of appeal is timely on Monday 2025-12-29" in out["US_NOTICE_OF_APPEAL"].explanation[1]


def test_second_non_final_rejection_opens_the_appeal_route_only_when_said_so():
    assert set(by_kind("NONFINAL_OA", "2026-01-15")) == {"US_OA_REPLY"}
    # Twice rejected: 35 U.S.C. 134(a).  2025-11-30 + 3 months = 2026-02-28 (clamped, Saturday) -> Mon 03-02.
    out = by_kind("NONFINAL_OA", "2025-11-30", {"claims_twice_rejected": "yes"})
    assert set(out) == {"US_OA_REPLY", "US_NOTICE_OF_APPEAL"}
    assert (out["US_NOTICE_OF_APPEAL"].nominal, out["US_NOTICE_OF_APPEAL"].due) == (D("2026-02-28"), D("2026-03-02"))


# ---------------------------------------------------------------- advisory action (MPEP 706.07(f))
def test_advisory_after_three_months_sets_the_period_and_the_extension_base():
    # First reply within 2 months; final 2026-01-15, advisory mailed Wed 2026-05-20 (after 04-15):
    # the period ends on the advisory date; a 1-month extension runs from it: 06-20 (Sat) -> Mon 06-22;
    # 2 and 3 months (07-20, 08-20) pass the 6-month limit 2026-07-15 and are capped there.
    out = by_kind("ADVISORY_ACTION", "2026-05-20",
                  {"final_action_date": "2026-01-15", "first_reply_within_two_months": "yes"})
    reply = out["US_FINAL_OA_REPLY"]
    assert (reply.nominal, reply.due, reply.final_due) == (D("2026-05-20"), D("2026-05-20"), D("2026-07-15"))
    assert ladder(reply) == [(1, D("2026-06-20"), D("2026-06-22")), (2, D("2026-07-15"), D("2026-07-15")),
                             (3, D("2026-07-15"), D("2026-07-15"))]
    assert reply.explanation[:3] == [
        "Final action mailing date 2026-01-15 + 3 months = 2026-04-15 (37 CFR 1.134)",
        "Advisory action mailing date 2026-05-20 (MPEP 706.07(f))",
        "Later of 2026-04-15 (3 months from the final action) and 2026-05-20 (advisory action mailing date): "
        "2026-05-20 (MPEP 706.07(f))"]
    assert any("counted from the advisory action mailing date" in line for line in reply.explanation)
    assert out["US_NOTICE_OF_APPEAL"].due == D("2026-05-20")


def test_advisory_within_three_months_leaves_the_three_month_date():
    # Advisory 2026-03-20 is before 04-15: period ends 04-15; extensions from the final action date.
    reply = by_kind("ADVISORY_ACTION", "2026-03-20", {"final_action_date": "2026-01-15",
                                                      "first_reply_within_two_months": "yes"})["US_FINAL_OA_REPLY"]
    assert reply.due == D("2026-04-15") and reply.extensions[0].due == D("2026-05-15")


def test_advisory_after_six_months_is_capped_at_the_statutory_limit():
    # Advisory 2026-07-20 is after final + 6 months = 2026-07-15: the period cannot end later (35 U.S.C. 133).
    reply = by_kind("ADVISORY_ACTION", "2026-07-20", {"final_action_date": "2026-01-15",
                                                      "first_reply_within_two_months": "yes"})["US_FINAL_OA_REPLY"]
    assert reply.nominal == reply.due == D("2026-07-15")
    assert any("is beyond the final date 2026-07-15, so the period ends on 2026-07-15" in line
               for line in reply.explanation)


def test_late_first_reply_advisory_does_not_move_the_period():
    # First reply after 2 months: 3 months from the final action whatever the advisory date.
    reply = by_kind("ADVISORY_ACTION", "2026-05-20", {"final_action_date": "2026-01-15"})["US_FINAL_OA_REPLY"]
    assert reply.rule_id == "US.ADVISORY.LATE_REPLY"
    assert reply.due == D("2026-04-15") and reply.extensions[0].due == D("2026-05-15")


# ---------------------------------------------------------------- examiner's answer (41.39, 41.41)
def test_reply_brief_two_months_not_extendable():
    # Answer 2026-03-31 + 2 months = Sun 2026-05-31 -> Mon 06-01; no 1.136(a) ladder (41.41(c)).
    out = by_kind("EXAMINERS_ANSWER", "2026-03-31")
    assert set(out) == {"US_REPLY_BRIEF"}
    brief = out["US_REPLY_BRIEF"]
    assert (brief.nominal, brief.due, brief.extensions) == (D("2026-05-31"), D("2026-06-01"), [])


def test_reply_brief_later_of_supplemental_answer_decision():
    # Decision on a request for a supplemental answer 2026-04-10 + 2 months = Wed 06-10 > 05-31.
    brief = by_kind("EXAMINERS_ANSWER", "2026-03-31",
                    {"supplemental_answer_decision_date": "2026-04-10"})["US_REPLY_BRIEF"]
    assert brief.due == D("2026-06-10")


def test_new_ground_in_answer():
    # 41.39(b): 2 months from the answer; 2026-01-16 + 2 months = Mon 2026-03-16.
    out = by_kind("EXAMINERS_ANSWER", "2026-01-16", {"new_ground": "yes"})
    assert out["US_ANSWER_NEW_GROUND_REPLY"].due == D("2026-03-16")
    assert out["US_ANSWER_NEW_GROUND_REPLY"].extensions == []


# ---------------------------------------------------------------- Board decision (41.50, 41.52, 90.3)
def test_board_decision_rehearing_and_court_review():
    # 2026-03-02 + 2 months = Sat 05-02 -> Mon 05-04 (41.52(a)(1));
    # 2026-03-02 + 63 days = Mon 2026-05-04 (29 days to 03-31, 30 to 04-30, 4 more) (90.3(a)).
    out = by_kind("BOARD_DECISION", "2026-03-02")
    assert set(out) == {"US_REHEARING_REQUEST", "US_COURT_REVIEW"}
    assert (out["US_REHEARING_REQUEST"].nominal, out["US_REHEARING_REQUEST"].due) == (D("2026-05-02"), D("2026-05-04"))
    court = out["US_COURT_REVIEW"]
    assert (court.nominal, court.due, court.extensions) == (D("2026-05-04"), D("2026-05-04"), [])
    assert court.explanation[0] == "2026-03-02 + 63 days = 2026-05-04 (37 CFR 90.3(a))"


def test_court_review_day_count_over_month_end_and_weekend():
    # 2026-01-31 + 63 days: 28 to 02-28, 31 to 03-31, 4 more = Sat 2026-04-04 -> Mon 04-06.
    # Rehearing: 2026-01-31 + 2 months = Tue 2026-03-31.
    out = by_kind("BOARD_DECISION", "2026-01-31")
    assert (out["US_COURT_REVIEW"].nominal, out["US_COURT_REVIEW"].due) == (D("2026-04-04"), D("2026-04-06"))
    assert "so the notice of appeal to the Federal Circuit or the civil action is timely on Monday 2026-04-06 " \
           "(37 CFR 90.3(b); 35 U.S.C. 21(b))" in out["US_COURT_REVIEW"].explanation[1]
    assert out["US_REHEARING_REQUEST"].due == D("2026-03-31")


def test_court_review_over_christmas_closures():
    # 2025-10-22 + 63 days: 9 to 10-31, 30 to 11-30, 24 more = 2025-12-24 (closure), 25 Christmas,
    # 26 closure, 27-28 weekend -> Monday 2025-12-29.
    court = by_kind("BOARD_DECISION", "2025-10-22")["US_COURT_REVIEW"]
    assert (court.nominal, court.due) == (D("2025-12-24"), D("2025-12-29"))


def test_board_new_ground():
    # 41.50(b): 2 months; 2026-01-30 + 2 months = Mon 2026-03-30; not extendable (41.50(f)).
    out = by_kind("BOARD_DECISION", "2026-01-30", {"new_ground": "yes"})
    assert out["US_BOARD_NEW_GROUND_REPLY"].due == D("2026-03-30")
    assert out["US_BOARD_NEW_GROUND_REPLY"].extensions == []


def test_court_review_after_rehearing_decision():
    # 90.3(b)(1): 63 days from the decision on rehearing; 2026-06-15 + 63 = Mon 2026-08-17
    # (15 to 06-30, 31 to 07-31, 17 more).
    court = by_kind("REHEARING_DECIDED", "2026-06-15")["US_COURT_REVIEW"]
    assert court.due == D("2026-08-17")


def test_court_review_not_modelled_before_part_90():
    # Board decisions before 2012-09-16 fell under old 37 CFR 1.304 (not modelled): only rehearing.
    assert set(by_kind("BOARD_DECISION", "2011-05-02")) == {"US_REHEARING_REQUEST"}


def test_appeal_brief_extension_ladder():
    # 41.37(a),(e): 2 months, 1.136(a) up to 5 months: NOA 2026-01-15 -> 03-15 (Sun) -> Mon 03-16;
    # +5 months = 2026-08-15 (Sat) -> Mon 08-17.
    brief = by_kind("NOTICE_OF_APPEAL", "2026-01-15")["US_APPEAL_BRIEF"]
    assert brief.due == D("2026-03-16") and brief.extensions[-1].due == D("2026-08-17")


@pytest.mark.parametrize("event,params", [
    ("ADVISORY_ACTION", {"final_action_date": "2026-01-15"}),
    ("EXAMINERS_ANSWER", {}), ("BOARD_DECISION", {}), ("REHEARING_DECIDED", {})])
def test_preview_json_shape_unchanged(event, params):
    p = preview("US", event, "2026-03-02", params)
    for d in p["deadlines"]:
        assert {"kind", "sequence", "nominal", "due", "extensions", "citation", "explanation"} <= set(d)


def test_events_listing_names_parameters_and_citations():
    listing = {e["event"]: e for e in events("US")}
    adv = listing["ADVISORY_ACTION"]
    assert {p["name"] for p in adv["parameters"]} == {"final_action_date", "first_reply_within_two_months"}
    court = [r for r in listing["BOARD_DECISION"]["rules"] if r["kind"] == "US_COURT_REVIEW"][0]
    assert court["period"] == "63 days (37 CFR 90.3(a))" and court["effective_from"] == "2012-09-16"
    assert court["extensions"] is None and "90.3" in court["citation"]

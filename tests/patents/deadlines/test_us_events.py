"""US events beyond the appeal chain: PTA reconsideration, design and plant grants, design priority, Quayle,
generic notices, interviews, IDS windows, reexamination and PTAB trials.  Dates worked out by hand."""
from datetime import date

import pytest

from app.patents.deadlines import compute, events

D = date.fromisoformat


def by_kind(event, day, params=None):
    return {d.kind: d for d in compute("US", event, D(day), params or {})}


def test_pta_reconsideration_two_months_extendable_five():
    # 1.705(b): plant patent granted 2026-03-03 + 2 months = Sun 05-03 -> Mon 05-04; 1.136(a):
    # +2 months ext = 07-03 (Independence Day observed), 4-5 weekend -> Mon 07-06;
    # final +7 months = Sat 10-03 -> Mon 10-05.  No maintenance fee for a plant patent (41(b)(3)).
    out = by_kind("GRANTED", "2026-03-03", {"application_type": "plant"})
    assert set(out) == {"US_PTA_RECONSIDERATION"}
    pta = out["US_PTA_RECONSIDERATION"]
    assert (pta.nominal, pta.due, pta.final_due) == (D("2026-05-03"), D("2026-05-04"), D("2026-10-05"))
    assert [e.due for e in pta.extensions] == [D("2026-06-03"), D("2026-07-06"), D("2026-08-03"),
                                              D("2026-09-03"), D("2026-10-05")]
    assert pta.explanation[0] == "2026-03-03 + 2 months = 2026-05-03 (37 CFR 1.705(b))"


def test_utility_grant_gets_pta_and_maintenance_design_grant_gets_nothing():
    # utility 2025-12-31 + 2 months = Sat 2026-02-28 -> Mon 03-02
    out = compute("US", "GRANTED", D("2025-12-31"), {})
    assert {d.kind for d in out} == {"US_PTA_RECONSIDERATION", "US_MAINTENANCE_FEE"}
    assert [d.due for d in out if d.kind == "US_PTA_RECONSIDERATION"] == [D("2026-03-02")]
    assert compute("US", "GRANTED", D("2025-12-31"), {"application_type": "design"}) == []
    granted = {e["event"]: e for e in events("US")}["GRANTED"]
    assert "35 U.S.C. 41(b)(3)" in granted["no_deadline"][0]["citation"]


def test_pta_not_before_the_2013_regime():
    assert {d.kind for d in compute("US", "GRANTED", D("2012-06-05"), {})} == {"US_MAINTENANCE_FEE"}


def test_design_priority_restoration_and_before_plt():
    # 2025-08-29 + 6 months = Sat 2026-02-28 -> Mon 03-02; + 8 months = Wed 2026-04-29 (1.55(c))
    d = by_kind("PRIORITY_FILED", "2025-08-29", {"application_type": "design"})["US_CONVENTION_FILING"]
    assert (d.nominal, d.due, d.final_due) == (D("2026-02-28"), D("2026-03-02"), D("2026-04-29"))
    # before 2013-12-18: 2012-03-01 + 6 months = Sat 09-01, Sun 09-02, Mon 09-03 Labor Day -> Tue 09-04
    old = by_kind("PRIORITY_FILED", "2012-03-01", {"application_type": "design"})["US_CONVENTION_FILING"]
    assert (old.due, old.final_due, old.rule_id) == (D("2012-09-04"), None, "US.PRIORITY.DESIGN")


@pytest.mark.parametrize("mailed,due,ext1,final", [
    ("2026-01-30", "2026-03-30", "2026-04-30", "2026-07-30"),   # Mon; ext 1 Thu; 6 months Thu
    ("2025-12-31", "2026-03-02", "2026-03-31", "2026-06-30"),   # 02-28 (clamped) Sat -> Mon 03-02
])
def test_quayle_two_months_extendable(mailed, due, ext1, final):
    q = by_kind("QUAYLE_ACTION", mailed)["US_QUAYLE_REPLY"]
    assert (q.due, q.extensions[0].due, q.final_due) == (D(due), D(ext1), D(final))
    assert [e.months for e in q.extensions] == [1, 2, 3, 4]


def test_generic_notice_fixed_and_extendable():
    # 1 month, not extendable: 2026-01-31 + 1 month = 2026-02-28 (clamped, Sat) -> Mon 03-02
    fixed = by_kind("USPTO_NOTICE", "2026-01-31", {"period_months": 1})["US_NOTICE_REPLY"]
    assert (fixed.nominal, fixed.due, fixed.extensions) == (D("2026-02-28"), D("2026-03-02"), [])
    # 2 months extendable: 03-31; +2 = 05-31 (Sun) -> Mon 06-01; +5 = 08-31 capped at 6 months 07-31
    ext = by_kind("USPTO_NOTICE", "2026-01-31", {"period_months": 2, "extendable": "yes"})["US_NOTICE_REPLY"]
    assert ext.due == D("2026-03-31") and ext.extensions[1].due == D("2026-06-01")
    assert ext.extensions[-1].due == ext.final_due == D("2026-07-31")


def test_interview_statement_longer_of_month_or_thirty_days():
    # 2026-01-30: 1 month = 02-28, 30 days = Sun 03-01 -> later is 03-01 -> Mon 03-02
    s = by_kind("INTERVIEW_HELD", "2026-01-30")["US_INTERVIEW_STATEMENT"]
    assert (s.nominal, s.due, s.extensions) == (D("2026-03-01"), D("2026-03-02"), [])
    # summary mailed 2026-02-10: 1 month = 03-10, 30 days = 03-12 (Thu): the latest of all four
    s = by_kind("INTERVIEW_HELD", "2026-01-30", {"summary_mailed_date": "2026-02-10"})["US_INTERVIEW_STATEMENT"]
    assert s.due == D("2026-03-12")
    assert compute("US", "INTERVIEW_HELD", D("2026-01-30"), {"reply_already_filed": "no"}) == []


def test_ids_windows():
    # 1.97(e)(1): foreign communication 2026-05-29 + 3 months = Sat 08-29 -> Mon 08-31
    w = by_kind("FOREIGN_CITATION", "2026-05-29")["US_IDS_STATEMENT_WINDOW"]
    assert (w.nominal, w.due, w.extensions) == (D("2026-08-29"), D("2026-08-31"), [])


def test_reexamination_owner_statement():
    # 1.530(b): order 2026-01-02 + 2 months = Mon 2026-03-02
    assert by_kind("REEXAM_ORDERED", "2026-01-02")["US_REEXAM_OWNER_STATEMENT"].due == D("2026-03-02")


@pytest.mark.parametrize("notice,due", [
    ("2026-02-27", "2026-05-27"),   # 42.107(b): 3 months, Wednesday
    ("2025-11-30", "2026-03-02"),   # 2026-02-28 (clamped) Saturday -> Monday
])
def test_trial_preliminary_response(notice, due):
    for proceeding in ("IPR", "PGR"):
        r = by_kind("TRIAL_FILING_DATE_NOTICE", notice, {"proceeding": proceeding})["US_TRIAL_PRELIMINARY_RESPONSE"]
        assert r.due == D(due) and r.extensions == []


def test_trial_final_decision_rehearing_and_appeal_day_counts():
    # 2026-06-01 + 30 days = Wed 07-01 (42.71(d)(2)); + 63 days = Mon 08-03 (29 to 06-30, 31 to 07-31, 3 more)
    out = by_kind("TRIAL_FINAL_DECISION", "2026-06-01")
    assert out["US_TRIAL_REHEARING_REQUEST"].due == D("2026-07-01")
    assert out["US_COURT_REVIEW"].due == D("2026-08-03")
    # 2026-06-04 + 30 days = Sat 07-04 (Independence Day), Sun 07-05 -> Mon 07-06
    late = by_kind("TRIAL_FINAL_DECISION", "2026-06-04")["US_TRIAL_REHEARING_REQUEST"]
    assert (late.nominal, late.due) == (D("2026-07-04"), D("2026-07-06"))
    assert "2026-06-04 + 30 days = 2026-07-04 (37 CFR 42.71(d)(2))" == late.explanation[0]

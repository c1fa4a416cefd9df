"""US rules.  Expected dates are worked out by hand in the comments."""
from datetime import date

import pytest

from app.patents.deadlines import RuleError, compute, extension_due, preview

D = date.fromisoformat


def one(jur, event, day, params=None, kind=None):
    out = compute(jur, event, D(day), params or {})
    if kind:
        out = [d for d in out if d.kind == kind]
    assert len(out) == 1
    return out[0]


def test_spec_example_nonfinal_oa():
    dl = preview("US", "NONFINAL_OA", "2028-01-31", {})["deadlines"][0]
    assert dl["kind"] == "US_OA_REPLY"
    assert dl["nominal"] == "2028-04-30" and dl["due"] == "2028-05-01"
    assert dl["explanation"][0] == "2028-01-31 + 3 months = 2028-04-30 (37 CFR 1.134)"
    assert dl["explanation"][1] == ("2028-04-30 is a Sunday, so the reply is timely on "
                                    "Monday 2028-05-01 (35 U.S.C. 21(b))")


def test_oa_extensions_counted_from_mailing_date_not_rolled_date():
    # MPEP 710.01(a): mailed Jan 31, SSP Apr 30; 1-month extension -> May 31
    # (not May 30 from Apr 30, not Jun 1 from the rolled May 1).
    dl = one("US", "NONFINAL_OA", "2028-01-31")
    assert [(e.months, e.nominal, e.due) for e in dl.extensions] == [
        (1, D("2028-05-31"), D("2028-05-31")),   # Wednesday
        (2, D("2028-06-30"), D("2028-06-30")),   # Friday
        (3, D("2028-07-31"), D("2028-07-31")),   # Monday
    ]
    assert dl.final_nominal == D("2028-07-31") and dl.final_due == D("2028-07-31")


def test_extension_rolled_on_its_own():
    # mailed 2025-09-24: SSP 2025-12-24 (EO closure) -> 12-29; ext 1 = 2026-01-24
    # (Saturday) -> Monday 2026-01-26; ext 3 = 2026-03-24 (Tuesday).
    dl = one("US", "FINAL_OA", "2025-09-24", kind="US_FINAL_OA_REPLY")
    assert dl.kind == "US_FINAL_OA_REPLY"
    assert dl.due == D("2025-12-29")
    assert dl.extensions[0].nominal == D("2026-01-24") and dl.extensions[0].due == D("2026-01-26")
    assert dl.extensions[2].due == D("2026-03-24")


def test_saturday_rollover():
    # 2025-03-14 + 3 months = 2025-06-14, a Saturday -> Monday 2025-06-16
    dl = one("US", "NONFINAL_OA", "2025-03-14")
    assert (dl.nominal, dl.due) == (D("2025-06-14"), D("2025-06-16"))
    assert "2025-06-14 is a Saturday and 2025-06-15 is a Sunday" in dl.explanation[1]


def test_observed_holiday_rollover_names_the_holiday():
    # 2026-04-03 + 3 months = Fri 2026-07-03 (Independence Day observed), Sat, Sun -> Mon 07-06
    dl = one("US", "NONFINAL_OA", "2026-04-03")
    assert dl.due == D("2026-07-06")
    assert "federal holiday (Independence Day (observed))" in dl.explanation[1]


def test_consecutive_executive_order_closures_2025():
    # 12-24 EO closure, 12-25 Christmas, 12-26 EO closure, 27-28 weekend -> Mon 12-29
    dl = one("US", "NONFINAL_OA", "2025-09-24")
    assert dl.due == D("2025-12-29")
    line = dl.explanation[1]
    assert "2025-12-24 is an official USPTO closure" in line
    assert "2025-12-25 is a federal holiday (Christmas Day)" in line
    assert "2025-12-26 is an official USPTO closure" in line
    assert line.endswith("so the reply is timely on Monday 2025-12-29 (35 U.S.C. 21(b))")


def test_christmas_eve_2024_closure_issue_fee():
    # NOA 2024-09-24 + 3 months = Tue 2024-12-24 (EO closure), 12-25 Christmas -> Thu 12-26
    dl = one("US", "NOTICE_OF_ALLOWANCE", "2024-09-24")
    assert (dl.kind, dl.due) == ("US_ISSUE_FEE", D("2024-12-26"))
    assert dl.extensions == [] and dl.final_due is None


@pytest.mark.parametrize("mailed,due,word", [
    ("2024-10-09", "2025-01-10", "Jimmy Carter"),        # Thu 2025-01-09 day of mourning
    ("2018-09-05", "2018-12-06", "George H. W. Bush"),   # Wed 2018-12-05 day of mourning
    ("2020-10-20", "2021-01-21", "Inauguration Day"),    # Wed 2021-01-20
])
def test_special_closures(mailed, due, word):
    dl = one("US", "NONFINAL_OA", mailed)
    assert dl.due == D(due)
    assert word in dl.explanation[1]


def test_dc_emancipation_day_does_not_extend():
    # 2026-01-16 + 3 months = Thu 2026-04-16: USPTO open
    dl = one("US", "NONFINAL_OA", "2026-01-16")
    assert dl.due == D("2026-04-16")


@pytest.mark.parametrize("mailed,nominal,due", [
    ("2023-11-30", "2024-02-29", "2024-02-29"),   # leap year clamp, Thursday
    ("2025-11-30", "2026-02-28", "2026-03-02"),   # clamp to Sat 02-28 -> Mon 03-02
    ("2025-05-31", "2025-08-31", "2025-09-02"),   # Sun 08-31, Mon 09-01 Labor Day -> Tue
])
def test_month_end_clamping(mailed, nominal, due):
    dl = one("US", "NONFINAL_OA", mailed)
    assert (dl.nominal, dl.due) == (D(nominal), D(due))


def test_restriction_2013_12_17_old_rule():
    # before 2013-12-18: later of 1 month (2014-01-17) and 30 days (2014-01-16)
    dl = one("US", "RESTRICTION", "2013-12-17")
    assert dl.rule_id == "US.RESTRICTION.PRE2013"
    assert (dl.nominal, dl.due) == (D("2014-01-17"), D("2014-01-17"))
    assert [e.months for e in dl.extensions] == [1, 2, 3, 4, 5]
    # 1-month ext: 2013-12-17 + 2 months = 2014-02-17 = Washington's Birthday -> Tue 02-18
    assert (dl.extensions[0].nominal, dl.extensions[0].due) == (D("2014-02-17"), D("2014-02-18"))
    assert dl.final_nominal == D("2014-06-17")


def test_restriction_2013_12_18_new_rule():
    # on/after 2013-12-18: 2 months -> Tue 2014-02-18; extensions 1-4 to 6 months
    dl = one("US", "RESTRICTION", "2013-12-18")
    assert dl.rule_id == "US.RESTRICTION.2013"
    assert (dl.nominal, dl.due) == (D("2014-02-18"), D("2014-02-18"))
    assert [e.months for e in dl.extensions] == [1, 2, 3, 4]
    # ext 3: 2014-05-18 (Sunday) -> Mon 05-19; ext 4 = final = 2014-06-18
    assert (dl.extensions[2].nominal, dl.extensions[2].due) == (D("2014-05-18"), D("2014-05-19"))
    assert dl.extensions[3].nominal == dl.final_nominal == D("2014-06-18")


def test_restriction_old_rule_30_days_longer_than_one_month():
    # mailed 2013-01-31: 1 month = 02-28, 30 days = Sat 03-02 -> later -> Mon 03-04
    dl = one("US", "RESTRICTION", "2013-01-31")
    assert (dl.nominal, dl.due) == (D("2013-03-02"), D("2013-03-04"))
    # 1-month ext: earliest of 01-31 + 2 months (Sun 03-31) and 03-02 + 1 month (04-02)
    assert (dl.extensions[0].nominal, dl.extensions[0].due) == (D("2013-03-31"), D("2013-04-01"))
    # never beyond the 6-month statutory limit 2013-07-31
    assert dl.extensions[-1].nominal == D("2013-07-31") == dl.final_nominal


def test_missing_parts():
    # 2025-08-29 + 2 months = Wed 10-29; ext 5 = 2026-03-29 (Sunday) -> Mon 03-30; final 7 months
    dl = one("US", "MISSING_PARTS", "2025-08-29")
    assert (dl.kind, dl.due) == ("US_MISSING_PARTS_REPLY", D("2025-10-29"))
    assert [e.months for e in dl.extensions] == [1, 2, 3, 4, 5]
    assert (dl.extensions[4].nominal, dl.extensions[4].due) == (D("2026-03-29"), D("2026-03-30"))
    assert (dl.final_nominal, dl.final_due) == (D("2026-03-29"), D("2026-03-30"))


def test_appeal_brief():
    # receipt 2025-12-31 + 2 months = 2026-02-28 (clamped, Saturday) -> Mon 03-02
    # ext 1 = 2025-12-31 + 3 months = Tue 2026-03-31; final 7 months = Fri 2026-07-31
    dl = one("US", "NOTICE_OF_APPEAL", "2025-12-31")
    assert (dl.kind, dl.nominal, dl.due) == ("US_APPEAL_BRIEF", D("2026-02-28"), D("2026-03-02"))
    assert dl.extensions[0].nominal == D("2026-03-31")
    assert dl.final_due == D("2026-07-31")


def test_provisional_to_nonprovisional():
    # 2024-02-29 + 12 months = Fri 2025-02-28; restoration limit 14 months = Tue 2025-04-29
    dl = one("US", "PROVISIONAL_FILED", "2024-02-29")
    assert (dl.kind, dl.due) == ("US_NONPROVISIONAL_FILING", D("2025-02-28"))
    assert (dl.final_nominal, dl.final_due) == (D("2025-04-29"), D("2025-04-29"))


def test_provisional_before_plt_has_no_restoration():
    dl = one("US", "PROVISIONAL_FILED", "2012-06-01")
    assert dl.final_due is None and dl.rule_id == "US.PROVISIONAL.NONPROV.1995"


def test_convention_priority_utility_and_design():
    # utility: 2025-07-04 + 12 = Sat 2026-07-04 -> Mon 07-06; final 14 months Fri 2026-09-04
    u = one("US", "PRIORITY_FILED", "2025-07-04")
    assert (u.kind, u.due, u.final_due) == ("US_CONVENTION_FILING", D("2026-07-06"), D("2026-09-04"))
    # design: 6 months = Sun 2026-01-04 -> Mon 01-05; restoration within 2 more months (37 CFR 1.55(c)):
    # 8 months = Wed 2026-03-04
    d = one("US", "PRIORITY_FILED", "2025-07-04", {"application_type": "design"})
    assert (d.due, d.final_due) == (D("2026-01-05"), D("2026-03-04"))


def test_ids_three_months():
    # filing 2025-10-13 + 3 = Tue 2026-01-13
    assert one("US", "NONPROVISIONAL_FILED", "2025-10-13").due == D("2026-01-13")
    # national stage entry 2025-10-19 + 3 = Mon 2026-01-19 (MLK Day) -> Tue 01-20
    dl = one("US", "NATIONAL_STAGE_ENTERED", "2025-10-19")
    assert (dl.kind, dl.due) == ("US_IDS_NO_FEE", D("2026-01-20"))


def test_maintenance_fees():
    # grant 2021-08-31:
    #  1st: opens +3y = Sat 2024-08-31 (not rolled); due +3y6m = Fri 2025-02-28;
    #       final +4y = Sun 2025-08-31, Mon 09-01 Labor Day -> Tue 2025-09-02
    #  2nd: opens Thu 2028-08-31; due Wed 2029-02-28; final Fri 2029-08-31
    #  3rd: opens Tue 2032-08-31; due Mon 2033-02-28; final Wed 2033-08-31
    out = [d for d in compute("US", "GRANTED", D("2021-08-31"), {}) if d.kind == "US_MAINTENANCE_FEE"]
    got = [(d.sequence, d.window_opens, d.due, d.final_due) for d in out]
    assert got == [
        (1, D("2024-08-31"), D("2025-02-28"), D("2025-09-02")),
        (2, D("2028-08-31"), D("2029-02-28"), D("2029-08-31")),
        (3, D("2032-08-31"), D("2033-02-28"), D("2033-08-31")),
    ]
    assert all(d.kind == "US_MAINTENANCE_FEE" for d in out)


def test_us_national_stage_30_months_from_priority():
    # priority 2023-05-02 + 30 months = Sun 2025-11-02 -> Mon 11-03
    dl = one("US", "PCT_FILED", "2024-03-10", {"priority_date": "2023-05-02"})
    assert (dl.kind, dl.due) == ("US_NATIONAL_STAGE", D("2025-11-03"))
    assert dl.explanation[0].startswith("Priority date 2023-05-02 + 30 months = 2025-11-02")
    # no priority claimed: from the international filing date, Fri 2026-07-31
    assert one("US", "PCT_FILED", "2024-01-31").due == D("2026-07-31")


def test_extension_due():
    dl = one("US", "NONFINAL_OA", "2028-01-31")
    assert extension_due(dl, 2).due == D("2028-06-30")
    with pytest.raises(RuleError, match="not available"):
        extension_due(dl, 4)
    with pytest.raises(RuleError, match="cannot be extended"):
        extension_due(one("US", "NOTICE_OF_ALLOWANCE", "2028-01-31"), 1)

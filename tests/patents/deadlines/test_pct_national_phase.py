"""PCT: international-phase periods and the national/regional phase at ten offices, each with its own period
and calendar.  Expected dates worked out by hand in the comments."""
from datetime import date

import pytest

from app.patents.deadlines import RuleError, closed_kinds, compute

D = date.fromisoformat


def pct(day, **params):
    return {d.kind: d for d in compute("PCT", "PCT_FILED", D(day), params)}


def test_national_phase_at_every_listed_office():
    # priority 2024-03-15: 30 months = Tue 2026-09-15; 31 months = Thu 2026-10-15.
    # CN: up to 32 months with surcharge = 2026-11-15 (Sunday, not rolled); CA: late entry 42 months = Wed 2027-09-15.
    out = pct("2025-03-14", priority_date="2024-03-15")
    due = {k.rsplit("_", 1)[1]: d.due for k, d in out.items() if k.startswith("PCT_NATIONAL_PHASE_")}
    assert due == {"US": D("2026-09-15"), "JP": D("2026-09-15"), "CN": D("2026-09-15"), "CA": D("2026-09-15"),
                   "BR": D("2026-09-15"), "EP": D("2026-10-15"), "KR": D("2026-10-15"), "AU": D("2026-10-15"),
                   "IN": D("2026-10-15"), "GB": D("2026-10-15")}
    assert out["PCT_NATIONAL_PHASE_CN"].final_due == D("2026-11-15")
    assert out["PCT_NATIONAL_PHASE_CA"].final_due == D("2027-09-15")
    assert out["PCT_NATIONAL_PHASE_JP"].explanation[0] == (
        "Priority date 2024-03-15 + 30 months = 2026-09-15 (Japanese Patent Act Art. 184-4(1))")


def test_national_phase_month_end_and_weekend_per_office_calendar():
    # priority 2023-07-31: 30 months = 2026-01-31 (Saturday) -> Monday 02-02 at the USPTO, JPO, CIPO, INPI;
    # CNIPA is not rolled (01-31).  31 months = 2026-02-28 (clamped, Saturday) -> Monday 03-02.
    out = pct("2024-07-30", priority_date="2023-07-31")
    for office in ("US", "JP", "CA", "BR"):
        assert out[f"PCT_NATIONAL_PHASE_{office}"].due == D("2026-02-02"), office
    assert out["PCT_NATIONAL_PHASE_CN"].due == D("2026-01-31")
    assert "is not moved for office closures under this rule" in out["PCT_NATIONAL_PHASE_CN"].explanation[2]
    for office in ("EP", "KR", "AU", "IN", "GB"):
        assert out[f"PCT_NATIONAL_PHASE_{office}"].due == D("2026-03-02"), office
    # offices whose holidays are not in the data say so
    assert any(line.startswith("Warning: the JPO closing days for 2026 are not confirmed")
               for line in out["PCT_NATIONAL_PHASE_JP"].explanation)


def test_designated_offices_select_the_national_phases():
    out = pct("2025-03-14", priority_date="2024-03-15", designated_offices="jp, CN")
    assert sorted(k for k in out if k.startswith("PCT_NATIONAL_PHASE_")) == ["PCT_NATIONAL_PHASE_CN",
                                                                             "PCT_NATIONAL_PHASE_JP"]
    out = pct("2025-03-14", priority_date="2024-03-15", designated_offices=["EP"])
    assert [k for k in out if k.startswith("PCT_NATIONAL_PHASE_")] == ["PCT_NATIONAL_PHASE_EP"]
    with pytest.raises(RuleError, match="'XX' is not one of US, EP"):
        pct("2025-03-14", designated_offices="US,XX")


def test_article_19_later_of_16_months_and_2_months_from_isr():
    # 16 months from 2024-03-15 = Tue 2025-07-15; ISR transmitted 2025-06-20 + 2 months = Wed 08-20 (later)
    assert pct("2025-03-14", priority_date="2024-03-15")["PCT_ART19_AMENDMENTS"].due == D("2025-07-15")
    art19 = pct("2025-03-14", priority_date="2024-03-15", isr_date="2025-06-20")["PCT_ART19_AMENDMENTS"]
    assert art19.due == D("2025-08-20")
    # priority 2024-03-12 + 16 months = Sat 2025-07-12 -> Monday 07-14 (International Bureau)
    assert pct("2025-03-11", priority_date="2024-03-12")["PCT_ART19_AMENDMENTS"].due == D("2025-07-14")


def test_priority_document_correction_and_sis():
    out = pct("2025-03-14", priority_date="2024-03-15")
    assert out["PCT_PRIORITY_DOCUMENT"].due == D("2025-07-15")          # Rule 17.1(a): 16 months
    assert out["PCT_PRIORITY_CORRECTION"].due == D("2025-07-15")        # later of 07-15 and 2025-07-14
    assert out["PCT_SIS_REQUEST"].due == D("2026-01-15")                # Rule 45bis.1(a): 22 months
    # filed 2025-03-17: 4 months from filing = Thu 2025-07-17 is the later limb of Rule 26bis.1(a)
    assert pct("2025-03-17", priority_date="2024-03-15")["PCT_PRIORITY_CORRECTION"].due == D("2025-07-17")


def test_filing_fees_one_month_at_the_receiving_office():
    assert pct("2025-03-14")["PCT_FILING_FEES"].due == D("2025-04-14")
    # 2025-11-24 + 1 month = 12-24: RO/US closure, Christmas, closure, weekend -> Mon 12-29;
    # RO/EP closed 24 Dec 2025 - 1 Jan 2026 -> Fri 2026-01-02
    assert pct("2025-11-24")["PCT_FILING_FEES"].due == D("2025-12-29")
    assert pct("2025-11-24", receiving_office="EP")["PCT_FILING_FEES"].due == D("2026-01-02")


def test_priority_year_with_restoration_by_the_receiving_office():
    # 2025-03-14 + 12 months = Sat 2026-03-14 -> Mon 03-16; Rule 26bis.3: + 14 months = Thu 2026-05-14
    f = compute("PCT", "PRIORITY_FILED", D("2025-03-14"), {})[0]
    assert (f.due, f.final_due) == (D("2026-03-16"), D("2026-05-14"))
    # before RO/US applied Rule 26bis.3 (2013-12-18) there is no restoration
    assert compute("PCT", "PRIORITY_FILED", D("2012-05-02"), {})[0].final_due is None


def test_closing_one_office():
    assert closed_kinds("NATIONAL_PHASE_ENTERED", {"office": "kr"}) == [("PCT_NATIONAL_PHASE_KR", None)]
    assert ("PCT_NATIONAL_PHASE_US", None) in closed_kinds("NATIONAL_STAGE_ENTERED")


def test_priority_year_before_restoration_existed():
    # RO/EP before Rule 26bis.3 (1 April 2007): 2006-05-02 + 12 months = Wed 2007-05-02, no restoration
    f = compute("PCT", "PRIORITY_FILED", D("2006-05-02"), {"receiving_office": "EP"})[0]
    assert (f.rule_id, f.due, f.final_due) == ("PCT.FILING.EP.PRE2007", D("2007-05-02"), None)
    # US utility before the PLT rules: 2012-05-02 + 12 months = Thu 2013-05-02, no restoration
    u = compute("US", "PRIORITY_FILED", D("2012-05-02"), {})[0]
    assert (u.rule_id, u.due, u.final_due) == ("US.PRIORITY.UTILITY.2000", D("2013-05-02"), None)


def test_jpo_year_end_holidays_and_ukipo_christmas():
    # JP: priority 2024-06-29 + 30 months = 2026-12-29; JPO closed 29 Dec - 3 Jan (administrative holidays),
    # 2027-01-02/03 weekend -> Monday 2027-01-04 (Japanese Patent Act Art. 3(2))
    jp = pct("2025-06-01", priority_date="2024-06-29", designated_offices="JP")["PCT_NATIONAL_PHASE_JP"]
    assert (jp.nominal, jp.due) == (D("2026-12-29"), D("2027-01-04"))
    # GB: priority 2024-05-25 + 31 months = Fri 2026-12-25 (Christmas), Sat, Sun, Mon 28 Boxing Day (observed)
    # -> Tuesday 2026-12-29
    gb = pct("2025-06-01", priority_date="2024-05-25", designated_offices="GB")["PCT_NATIONAL_PHASE_GB"]
    assert (gb.nominal, gb.due) == (D("2026-12-25"), D("2026-12-29"))

"""EP and PCT rules.  Expected dates worked out by hand in the comments."""
from datetime import date

import pytest

from app.patents.deadlines import RuleError, compute, preview

D = date.fromisoformat


def by_kind(out, kind):
    return [d for d in out if d.kind == kind]


def test_ep_renewal_series_years_3_to_20():
    # filed 2024-01-15: year N due at the end of the month of the (N-1)th anniversary
    out = [d for d in compute("EP", "EP_FILED", D("2024-01-15"), {}) if d.kind == "EP_RENEWAL"]
    assert [d.sequence for d in out] == list(range(3, 21))
    y3 = out[0]
    # 2nd anniversary 2026-01-15 -> 2026-01-31 (Saturday) -> Mon 2026-02-02 (Rule 134(1))
    assert (y3.nominal, y3.due) == (D("2026-01-31"), D("2026-02-02"))
    # additional-fee period: last day of the 6th month after the UNROLLED due date
    assert (y3.final_nominal, y3.final_due) == (D("2026-07-31"), D("2026-07-31"))
    # year 20: 19th anniversary 2043-01-15 -> Sat 2043-01-31 -> Mon 2043-02-02
    assert (out[-1].nominal, out[-1].due) == (D("2043-01-31"), D("2043-02-02"))


def test_ep_renewal_leap_day_filing():
    # filed 2024-02-29: 2nd anniversary 2026-02-28 -> end of Feb = Sat 02-28 -> Mon 03-02;
    # final = 2026-02-28 + 6 months -> last day of August, Mon 2026-08-31
    y3 = compute("EP", "EP_FILED", D("2024-02-29"), {})[0]
    assert (y3.nominal, y3.due) == (D("2026-02-28"), D("2026-03-02"))
    assert y3.final_nominal == D("2026-08-31")


def test_ep_renewal_due_in_christmas_closure():
    # filed 2023-12-10: year 3 due Wed 2025-12-31 (closed), 2026-01-01 closed -> Fri 2026-01-02
    y3 = compute("EP", "EP_FILED", D("2023-12-10"), {})[0]
    assert (y3.nominal, y3.due) == (D("2025-12-31"), D("2026-01-02"))
    assert y3.final_nominal == D("2026-06-30")


def test_ep_communication_notification_fiction_before_2023_11_01():
    # dated 2023-10-31: deemed notified 2023-11-10; + 4 months = Sun 2024-03-10 -> Mon 03-11
    dl = compute("EP", "EP_COMMUNICATION", D("2023-10-31"), {"period_months": 4})[0]
    assert (dl.kind, dl.nominal, dl.due) == ("EP_COMMUNICATION_REPLY", D("2024-03-10"), D("2024-03-11"))
    assert "deemed notified 10 days later" in dl.explanation[0]


def test_ep_communication_no_fiction_from_2023_11_01():
    # dated 2023-11-01: + 4 months = Fri 2024-03-01
    dl = compute("EP", "EP_COMMUNICATION", D("2023-11-01"), {"period_months": 4})[0]
    assert (dl.nominal, dl.due) == (D("2024-03-01"), D("2024-03-01"))
    assert "without the 10-day notification fiction" in dl.explanation[0]
    assert "OJ EPO 2022, A101" in dl.explanation[0]


def test_ep_communication_period_as_string_and_month_end():
    # 2025-10-31 + 4 months = 2026-02-28 (clamped, Saturday) -> Mon 2026-03-02
    dl = compute("EP", "EP_COMMUNICATION", D("2025-10-31"), {"period_months": "4"})[0]
    assert (dl.nominal, dl.due) == (D("2026-02-28"), D("2026-03-02"))


def test_ep_easter_rollover():
    # 2025-12-03 + 4 months = Good Friday 2026-04-03; Sat, Sun, Easter Monday -> Tue 04-07
    dl = compute("EP", "EP_COMMUNICATION", D("2025-12-03"), {"period_months": 4})[0]
    assert dl.due == D("2026-04-07")
    line = dl.explanation[2]
    assert "Good Friday" in line and "Easter Monday" in line and "Tuesday 2026-04-07" in line


def test_ep_communication_requires_period():
    with pytest.raises(RuleError, match="parameter 'period_months' is required for EP_COMMUNICATION"):
        compute("EP", "EP_COMMUNICATION", D("2025-01-10"), {})
    with pytest.raises(RuleError, match="between 1 and 6"):
        compute("EP", "EP_COMMUNICATION", D("2025-01-10"), {"period_months": 9})


def test_ep_decision_appeal_periods():
    # dated 2024-02-12: notice 2 months = Fri 2024-04-12; grounds 4 months = Wed 2024-06-12
    out = compute("EP", "EP_DECISION", D("2024-02-12"), {})
    assert [(d.kind, d.due) for d in out] == [("EP_APPEAL_NOTICE", D("2024-04-12")),
                                               ("EP_APPEAL_GROUNDS", D("2024-06-12"))]


def test_ep_decision_before_2023_11_uses_fiction_and_year_end_closure():
    # dated 2023-10-20 -> notified 2023-10-30; notice: Sat 2023-12-30, closed to 2024-01-01 -> Tue 01-02
    # grounds: 2023-10-30 + 4 months = 2024-02-29 (clamped, Thursday)
    notice, grounds = compute("EP", "EP_DECISION", D("2023-10-20"), {})
    assert (notice.nominal, notice.due) == (D("2023-12-30"), D("2024-01-02"))
    assert grounds.due == D("2024-02-29")


def test_ep_opposition_christmas_closure_2025():
    # mention 2025-03-24 + 9 months = 2025-12-24; EPO closed 24 Dec 2025 - 1 Jan 2026 -> Fri 2026-01-02
    dl = compute("EP", "EP_GRANT_MENTIONED", D("2025-03-24"), {})[0]
    assert (dl.kind, dl.due) == ("EP_OPPOSITION", D("2026-01-02"))
    line = dl.explanation[1]
    assert "Christmas Eve" in line and "year-end closure" in line and line.endswith("(Rule 134(1) EPC)")


def test_euro_pct_deferral_of_third_year_renewal():
    # IFD 2024-01-15, no priority: Rule 51 date 2026-01-31; 31 months = Sat 2026-08-15 -> later
    out = compute("EP", "PCT_FILED", D("2024-01-15"), {})
    rp = by_kind(out, "EP_REGIONAL_PHASE")[0]
    assert (rp.nominal, rp.due) == (D("2026-08-15"), D("2026-08-17"))
    renewals = by_kind(out, "EP_RENEWAL")
    assert [r.sequence for r in renewals] == list(range(3, 21))
    y3 = renewals[0]
    assert (y3.nominal, y3.due) == (D("2026-08-15"), D("2026-08-17"))
    # six months from the deferred due date, day for day: Mon 2027-02-15
    assert y3.final_nominal == D("2027-02-15")
    assert any(line.startswith("Later of 2026-01-31") for line in y3.explanation)
    # year 4: 3rd anniversary 2027-01-15 -> Sun 2027-01-31 -> Mon 02-01
    assert (renewals[1].nominal, renewals[1].due) == (D("2027-01-31"), D("2027-02-01"))


def test_euro_pct_no_deferral_when_rule_51_is_later():
    # priority 2023-03-15, IFD 2024-03-12: 31 months = Wed 2025-10-15;
    # Rule 51: 2026-03-12 -> Tue 2026-03-31 (later) ; final = Wed 2026-09-30
    out = compute("EP", "PCT_FILED", D("2024-03-12"), {"priority_date": "2023-03-15"})
    assert by_kind(out, "EP_REGIONAL_PHASE")[0].due == D("2025-10-15")
    y3 = by_kind(out, "EP_RENEWAL")[0]
    assert (y3.nominal, y3.due, y3.final_nominal) == (D("2026-03-31"), D("2026-03-31"), D("2026-09-30"))


def test_pct_demand_later_of():
    # priority 2023-05-02: 22 months = 2025-03-02; ISR 2024-12-20 + 3 = Thu 2025-03-20 (later)
    dl = compute("PCT", "PCT_FILED", D("2024-03-10"),
                 {"priority_date": "2023-05-02", "isr_date": "2024-12-20"})[0]
    assert (dl.kind, dl.due) == ("PCT_DEMAND", D("2025-03-20"))
    # without ISR date only the 22-month limb: Sun 2025-03-02 -> Mon 03-03, with a warning line
    dl = compute("PCT", "PCT_FILED", D("2024-03-10"), {"priority_date": "2023-05-02"})[0]
    assert dl.due == D("2025-03-03")
    assert any("cannot be computed yet" in line for line in dl.explanation)


def test_pct_demand_calendar_depends_on_ipea():
    # priority 2024-07-14 + 22 months = Thu 2026-05-14 = Ascension Day
    ep = compute("PCT", "PCT_FILED", D("2025-07-01"), {"priority_date": "2024-07-14"})[0]
    us = compute("PCT", "PCT_FILED", D("2025-07-01"), {"priority_date": "2024-07-14", "ipea": "US"})[0]
    assert (ep.calendar, ep.due) == ("EPO", D("2026-05-15"))     # default ipea EP
    assert (us.calendar, us.due) == ("USPTO", D("2026-05-14"))
    assert ep.explanation[-1].endswith("(PCT Rule 80.5)")


def test_pct_filing_receiving_office_calendar():
    # priority 2025-11-26 + 12 = Thu 2026-11-26 = Thanksgiving: RO/US -> Fri 11-27, RO/EP open
    us = compute("PCT", "PRIORITY_FILED", D("2025-11-26"), {})[0]
    ep = compute("PCT", "PRIORITY_FILED", D("2025-11-26"), {"receiving_office": "EP"})[0]
    assert (us.kind, us.due) == ("PCT_FILING", D("2026-11-27"))
    assert ep.due == D("2026-11-26")


def test_unconfirmed_epo_year_warns():
    out = compute("EP", "EP_FILED", D("2025-06-10"), {})   # year 3 due 2027-06-30
    assert any(line.startswith("Warning: the EPO closing days for 2027") for line in out[0].explanation)


def test_preview_lists_full_renewal_series():
    p = preview("EP", "EP_FILED", "2024-01-15", {})
    assert p["jurisdiction"] == "EP" and p["event"] == "EP_FILED" and p["date"] == "2024-01-15"
    assert [d["sequence"] for d in p["deadlines"] if d["kind"] == "EP_RENEWAL"] == list(range(3, 21))
    assert p["deadlines"][0]["final_due"] == "2026-07-31"

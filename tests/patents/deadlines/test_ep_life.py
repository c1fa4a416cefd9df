"""EP file from priority to opposition: fees, search report, examination, Rule 71(3), grant, unitary effect,
remedies (further processing, re-establishment), divisionals, Euro-PCT entry acts, Rule 132 extensions and the
amended Rule 126(2) safeguard.  Expected dates worked out by hand in the comments."""
from datetime import date

from app.patents.deadlines import compute

D = date.fromisoformat


def by_kind(event, day, params=None):
    return {d.kind: d for d in compute("EP", event, D(day), params or {}) if d.kind != "EP_RENEWAL"}


def test_filing_and_search_fee_one_month():
    # Rule 38(1): 2026-01-15 + 1 month = Sun 02-15 -> Mon 02-16 (Rule 134(1))
    fee = by_kind("EP_FILED", "2026-01-15")["EP_FILING_SEARCH_FEE"]
    assert (fee.nominal, fee.due) == (D("2026-02-15"), D("2026-02-16"))


def test_priority_year_and_re_establishment_window():
    # Art. 87(1): 2025-05-29 + 12 months = Fri 2026-05-29; Rule 136(1): + 14 months = Wed 2026-07-29
    p = by_kind("PRIORITY_FILED", "2025-05-29")["EP_CONVENTION_FILING"]
    assert (p.due, p.final_due) == (D("2026-05-29"), D("2026-07-29"))
    # 2024-12-24 + 12 = 2025-12-24: EPO closed 24 Dec 2025 - 1 Jan 2026 -> Friday 2026-01-02
    p = by_kind("PRIORITY_FILED", "2024-12-24")["EP_CONVENTION_FILING"]
    assert p.due == D("2026-01-02")


def test_search_report_opens_examination_designation_and_opinion_reply():
    # Rules 70(1), 39(1), 70a(1): 2026-02-25 + 6 months = Tue 2026-08-25
    out = by_kind("SEARCH_REPORT_PUBLISHED", "2026-02-25")
    assert {k: d.due for k, d in out.items()} == {"EP_EXAMINATION_REQUEST": D("2026-08-25"),
                                                 "EP_DESIGNATION_FEE": D("2026-08-25"),
                                                 "EP_SEARCH_OPINION_REPLY": D("2026-08-25")}
    # 2025-11-01 + 6 months = Fri 2026-05-01 (Labour Day), weekend -> Mon 05-04
    assert by_kind("SEARCH_REPORT_PUBLISHED", "2025-11-01")["EP_EXAMINATION_REQUEST"].due == D("2026-05-04")
    assert out["EP_EXAMINATION_REQUEST"].explanation[0] == "2026-02-25 + 6 months = 2026-08-25 (Rule 70(1) EPC)"


def test_rule_71_3_four_months_with_and_without_the_ten_day_fiction():
    # dated 2023-10-20 (old Rule 126(2)): deemed notified 10-30; + 4 months = 2024-02-29 (no 30 Feb)
    old = by_kind("R71_3_COMMUNICATION", "2023-10-20")["EP_GRANT_APPROVAL"]
    assert (old.due, old.extensions) == (D("2024-02-29"), [])
    # dated 2024-01-31: no fiction; + 4 months = Fri 2024-05-31
    assert by_kind("R71_3_COMMUNICATION", "2024-01-31")["EP_GRANT_APPROVAL"].due == D("2024-05-31")


def test_grant_mention_unitary_effect_and_opposition():
    # Rule 6(1) UPR: 2026-04-29 + 1 month = Fri 05-29; Art. 99(1): + 9 months = Fri 2027-01-29
    out = by_kind("EP_GRANT_MENTIONED", "2026-04-29")
    assert out["EP_UNITARY_EFFECT_REQUEST"].due == D("2026-05-29")
    assert out["EP_OPPOSITION"].due == D("2027-01-29")
    # 2026-01-31 + 1 month = 2026-02-28 (clamped, Saturday) -> Monday 03-02
    up = by_kind("EP_GRANT_MENTIONED", "2026-01-31")["EP_UNITARY_EFFECT_REQUEST"]
    assert (up.nominal, up.due) == (D("2026-02-28"), D("2026-03-02"))
    # before the UPC (1 June 2023) there is no unitary patent
    assert set(by_kind("EP_GRANT_MENTIONED", "2023-05-31")) == {"EP_OPPOSITION"}


def test_further_processing_two_months():
    # Rule 135(1): 2025-12-01 + 2 months = Sun 2026-02-01 -> Mon 02-02
    assert by_kind("LOSS_OF_RIGHTS_COMMUNICATION", "2025-12-01")["EP_FURTHER_PROCESSING"].due == D("2026-02-02")
    # dated 2023-10-25: deemed notified 11-04; + 2 months = Thu 2024-01-04
    assert by_kind("LOSS_OF_RIGHTS_COMMUNICATION", "2023-10-25")["EP_FURTHER_PROCESSING"].due == D("2024-01-04")


def test_re_establishment_earlier_of_two_months_and_one_year():
    # Rule 136(1): removal 2026-03-10 + 2 months = 05-10; expiry 2025-04-30 + 1 year = 2026-04-30: earlier
    r = by_kind("CAUSE_REMOVED", "2026-03-10", {"expired_time_limit_date": "2025-04-30"})["EP_REESTABLISHMENT"]
    assert r.due == D("2026-04-30")
    assert r.explanation[2] == ("Earlier of 2026-05-10 (2 months from the removal of the cause) and 2026-04-30 "
                                "(1 year from the expiry of the unobserved time limit): 2026-04-30 (Rule 136(1) EPC)")
    # expiry 2025-09-30: 1 year = 2026-09-30 is later; 2 months = Sun 2026-05-10 -> Mon 05-11
    r = by_kind("CAUSE_REMOVED", "2026-03-10", {"expired_time_limit_date": "2025-09-30"})["EP_REESTABLISHMENT"]
    assert r.due == D("2026-05-11")


def test_divisional_renewal_catch_up_rule_51_3():
    # parent filed 2021-06-15, divisional filed 2026-03-10.  Years 3-5 (due 2023-06-30, 2024-06-30,
    # 2025-06-30) are already due and year 6 (2026-06-30) falls due within 4 months: all payable until
    # 2026-03-10 + 4 months = Fri 07-10; with additional fee until 2026-03-10 + 6 months = Thu 09-10.
    # Year 7: Rule 51(1) 2027-06-30 (Wed) is later than the 4-month date.
    fees = {d.sequence: d for d in compute("EP", "DIVISIONAL_FILED", D("2026-03-10"),
                                           {"parent_filing_date": "2021-06-15"})}
    assert sorted(fees) == list(range(3, 21))
    for year in (3, 4, 5, 6):
        assert (fees[year].due, fees[year].final_due) == (D("2026-07-10"), D("2026-09-10"))
    assert fees[7].due == D("2027-06-30")


def test_euro_pct_examination_and_designation_later_of_31_months_and_rule_70_1():
    # priority 2023-03-31 + 31 months = Fri 2025-10-31
    out = by_kind("PCT_FILED", "2024-03-15", {"priority_date": "2023-03-31"})
    assert out["EP_EXAMINATION_REQUEST"].due == out["EP_DESIGNATION_FEE"].due == D("2025-10-31")
    # ISR published late, 2025-06-30: + 6 months = 2025-12-30 (year-end closure to 1 Jan) -> Fri 2026-01-02
    out = by_kind("PCT_FILED", "2024-03-15", {"priority_date": "2023-03-31", "isr_publication_date": "2025-06-30"})
    assert out["EP_EXAMINATION_REQUEST"].due == D("2026-01-02")
    assert out["EP_REGIONAL_PHASE"].due == D("2025-10-31")


def test_rule_132_extension_and_late_receipt_safeguard():
    # 4 months set + 2 months granted: 2024-01-10 + 6 months = 07-10; received 2024-01-20 = 10 days:
    # 3 days beyond 7 -> 07-13 (Saturday) -> Monday 2024-07-15
    r = compute("EP", "EP_COMMUNICATION", D("2024-01-10"),
                {"period_months": 4, "extension_months": 2, "received_date": "2024-01-20"})[0]
    assert (r.nominal, r.due) == (D("2024-07-13"), D("2024-07-15"))
    assert "4 months (period set) + 2 months (extension granted)" in r.explanation[1]
    # received 7 days late: not extended; 2024-01-10 + 4 months = Wed 05-10... (2024-05-10 is a Friday)
    r = compute("EP", "EP_COMMUNICATION", D("2024-01-10"), {"period_months": 4, "received_date": "2024-01-17"})[0]
    assert r.due == D("2024-05-10") and "so the period is not extended" in r.explanation[2]


def test_appeal_periods_with_late_receipt():
    # decision 2024-03-01 received 03-12 (11 days: 4 beyond 7).  Notice: + 2 months = 05-01, + 4 days = Sun 05-05
    # -> Mon 05-06.  Grounds: + 4 months = 07-01, + 4 days = Fri 07-05.
    out = {d.kind: d for d in compute("EP", "EP_DECISION", D("2024-03-01"), {"received_date": "2024-03-12"})}
    assert out["EP_APPEAL_NOTICE"].due == D("2024-05-06")
    assert out["EP_APPEAL_GROUNDS"].due == D("2024-07-05")
    # the safeguard does not exist for documents dated before 2023-11-01 (the 10-day fiction applies)
    old = {d.kind: d for d in compute("EP", "EP_DECISION", D("2023-10-02"), {"received_date": "2023-10-20"})}
    assert old["EP_APPEAL_NOTICE"].due == D("2023-12-12")   # deemed 10-12 + 2 months = Tue 12-12


def test_unitary_patent_renewal_fees_start_after_the_grant_year():
    # filed 2020-03-10, grant mentioned 2026-03-20: patent year 7 began 2026-03-10, before the mention, so
    # year 7 is still a European renewal fee (Art. 86(2)); the Unitary Patent pays from year 8:
    # due 2027-03-31 (Wed), with additional fee to the end of the 6th month, 2027-09-30 (Thu).
    up = compute("EP", "UNITARY_EFFECT_REGISTERED", D("2026-04-10"),
                 {"filing_date": "2020-03-10", "grant_mention_date": "2026-03-20"})
    assert [d.sequence for d in up] == list(range(8, 21))
    assert (up[0].kind, up[0].due, up[0].final_due) == ("UP_RENEWAL", D("2027-03-31"), D("2027-09-30"))
    # filed 2020-03-25: the 6th anniversary (2026-03-25) is after the mention, so year 7 (due Tue 2026-03-31)
    # is already a Unitary Patent fee
    up = compute("EP", "UNITARY_EFFECT_REGISTERED", D("2026-04-10"),
                 {"filing_date": "2020-03-25", "grant_mention_date": "2026-03-20"})
    assert (up[0].sequence, up[0].due) == (7, D("2026-03-31"))

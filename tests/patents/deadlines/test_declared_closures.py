"""Declared office closures (cited data in calendars/*.toml): a deadline on a declared closure moves to the
affected office's next open day, and the explanation names the notice."""
from datetime import date

from app.patents.deadlines import compute

D = date.fromisoformat


def test_epo_covid_19_rule_134_2_extension():
    # dated 2020-01-10, deemed notified 01-20 (old Rule 126(2)); + 2 months = 2020-03-20, inside the
    # dislocation period 15 March - 1 June 2020 -> Tuesday 2020-06-02 (OJ EPO 2020, A29, A38)
    r = compute("EP", "EP_COMMUNICATION", D("2020-01-10"), {"period_months": 2})[0]
    assert (r.nominal, r.due) == (D("2020-03-20"), D("2020-06-02"))
    assert r.explanation[-1].startswith("2020-03-20 to 2020-06-01 are in the period of general dislocation")
    # the same office closure applies to a PCT time limit before the EPO: priority 2017-08-20 + 31 months =
    # 2020-03-20 -> 2020-06-02
    pct = compute("PCT", "PCT_FILED", D("2018-08-20"), {"priority_date": "2017-08-20", "designated_offices": "EP"})
    assert [d.due for d in pct if d.kind == "PCT_NATIONAL_PHASE_EP"] == [D("2020-06-02")]
    # a time limit expiring the day before the period is not moved: 2020-03-13 (Friday)
    assert compute("EP", "EP_COMMUNICATION", D("2020-01-03"), {"period_months": 2})[0].due == D("2020-03-13")


def test_uspto_hurricane_sandy_closure():
    # 2012-07-30 + 3 months = Tue 2012-10-30 (closed) -> Wednesday 2012-10-31
    r = compute("US", "NONFINAL_OA", D("2012-07-30"), {})[0]
    assert r.due == D("2012-10-31") and "Hurricane Sandy" in r.explanation[1]


def test_uspto_february_2010_snow_closure():
    # 2009-11-09 + 3 months = Tue 2010-02-09; closed 8-11 February -> Friday 2010-02-12
    r = compute("US", "NONFINAL_OA", D("2009-11-09"), {})[0]
    assert r.due == D("2010-02-12")
    assert "2010-02-09 to 2010-02-11 are an official USPTO closure" in r.explanation[1]

"""Office calendars: USPTO (5 U.S.C. 6103 + EO closures) and EPO closing days."""
from datetime import date, timedelta

import pytest

from app.patents.deadlines.dates import easter_sunday
from app.patents.deadlines.office_calendar import get_calendar

D = date.fromisoformat


def weekday_closures(cal_id, year):
    cal = get_calendar(cal_id)
    d, out = date(year, 1, 1), []
    while d.year == year:
        if d.weekday() < 5 and not cal.is_open(d):
            out.append(d)
        d += timedelta(days=1)
    return out


# 5 U.S.C. 6103(a) legal public holidays, moved under 6103(b)/EO 11582
# (Saturday -> Friday, Sunday -> Monday), weekday dates only, worked out by hand:
US_FEDERAL = {
    2024: [  # Jan 1 Mon; MLK 3rd Mon Jan; Washington 3rd Mon Feb; Memorial last Mon May;
             # Juneteenth Wed; Jul 4 Thu; Labor 1st Mon Sep; Columbus 2nd Mon Oct;
             # Veterans Mon; Thanksgiving 4th Thu Nov; Christmas Wed
        "2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04",
        "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"],
    2025: ["2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
           "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"],
    2026: [  # July 4 2026 is a Saturday -> observed Friday July 3
        "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
        "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"],
}
# whole-day USPTO closures by executive order (MPEP 510), and Inauguration Day
# 2025-01-20 coincides with MLK Day.
US_EXTRA = {2024: ["2024-12-24"], 2025: ["2025-01-09", "2025-12-24", "2025-12-26"], 2026: []}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_uspto_closures_match_5_usc_6103_plus_executive_orders(year):
    expected = sorted(D(s) for s in US_FEDERAL[year] + US_EXTRA[year])
    assert weekday_closures("USPTO", year) == expected


def test_holidays_package_federal_list_matches_statute():
    # the raw package list (federal, no subdivision) must equal 5 U.S.C. 6103
    import holidays
    for year in (2024, 2025, 2026):
        h = holidays.country_holidays("US", years=year)
        weekday = sorted(d for d in h if d.weekday() < 5 and d.year == year)
        assert weekday == sorted(D(s) for s in US_FEDERAL[year])


def test_juneteenth_from_2021_only():
    cal = get_calendar("USPTO")
    assert cal.is_open(D("2020-06-19"))          # not yet a holiday (Friday)
    assert not cal.is_open(D("2021-06-18"))      # first observance, Fri for Sat Jun 19
    assert "Juneteenth" in cal.closed_reason(D("2021-06-18"))


def test_dc_emancipation_day_is_not_a_uspto_closure():
    # 16 April is a DC holiday for DC government, not under 5 U.S.C. 6103
    assert get_calendar("USPTO").is_open(D("2026-04-16"))   # Thursday
    assert get_calendar("USPTO").is_open(D("2025-04-16"))   # Wednesday


def test_inauguration_day_is_a_closure_and_moves_off_sunday():
    cal = get_calendar("USPTO")
    assert "Inauguration Day" in cal.closed_reason(D("2021-01-20"))
    assert cal.is_open(D("2022-01-20"))  # not an inauguration year
    # 2013-01-20 was a Sunday: observed Monday 2013-01-21 (also MLK Day)
    reason = cal.closed_reason(D("2013-01-21"))
    assert "Inauguration Day" in reason and "Martin Luther King" in reason


def test_new_years_day_on_saturday_observed_on_previous_friday():
    # 2022-01-01 was a Saturday -> federal employees off Friday 2021-12-31
    assert not get_calendar("USPTO").is_open(D("2021-12-31"))


def test_epo_2025_closing_days():
    # Easter 2025 = 20 April: Good Friday 18/4, Easter Monday 21/4,
    # Ascension (+39) 29/5, Whit Monday (+50) 9/6, Corpus Christi (+60) 19/6.
    # King's Day 27/4 is a Sunday (-> Sat 26/4, a weekend day anyway).
    expected = ["2025-01-01", "2025-01-06", "2025-04-18", "2025-04-21", "2025-05-01",
                "2025-05-05", "2025-05-29", "2025-06-09", "2025-06-19", "2025-08-15",
                "2025-10-03", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-29",
                "2025-12-30", "2025-12-31"]
    assert weekday_closures("EPO", 2025) == [D(s) for s in expected]


def test_epo_2026_closing_days():
    # Easter 2026 = 5 April: Good Friday 3/4, Easter Monday 6/4, Ascension 14/5,
    # Whit Monday 25/5, Corpus Christi 4/6.  King's Day Mon 27/4, Liberation
    # Day Tue 5/5.  15/8, 3/10 fall on Saturdays, 1/11 on a Sunday.
    expected = ["2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-04-27",
                "2026-05-01", "2026-05-05", "2026-05-14", "2026-05-25", "2026-06-04",
                "2026-12-24", "2026-12-25", "2026-12-31"]
    assert weekday_closures("EPO", 2026) == [D(s) for s in expected]


def test_epo_does_not_close_on_us_holidays_and_vice_versa():
    assert get_calendar("EPO").is_open(D("2026-11-26"))      # Thanksgiving
    assert get_calendar("USPTO").is_open(D("2026-05-14"))    # Ascension


def test_epo_unconfirmed_years_are_flagged():
    cal = get_calendar("EPO")
    assert cal.confirmed(2025) and not cal.confirmed(2027)


def test_easter_algorithm_matches_dateutil():
    from dateutil.easter import easter
    for y in range(1990, 2101):
        assert easter_sunday(y) == easter(y)

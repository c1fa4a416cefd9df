"""Each person reads dates in the format they chose (issue 15 item 9); sort keys and documents keep ISO 8601."""
from __future__ import annotations

import re
from datetime import date

from app.extensions import db
from app.patents.docketing.models import Matter
from app.patents.docketing.operations import record_event
from app.tenancy import tenant_scope
from tests.builders import add_matter


def chosen(page: str) -> list[str]:
    return re.findall(r'<input checked[^>]*value="(\w+)"', page)


def test_a_person_chooses_how_dates_read_and_nobody_else_is_affected(world, login_as):
    matter = add_matter(world.firm_a, filing_date=date(2026, 1, 5))
    with tenant_scope(world.firm_a.id):
        record_event(db.session.get(Matter, matter.id), "NONFINAL_OA", date(2026, 9, 3), {}, None)
        db.session.commit()
    attorney, paralegal = login_as(world["a_attorney"]), login_as(world["a_paralegal"])
    assert chosen(attorney.get("/account/preferences").get_data(as_text=True)) == ["iso"]
    saved = attorney.post("/account/preferences", data={"date_format": "us"}, follow_redirects=True)
    assert saved.status_code == 200 and chosen(saved.get_data(as_text=True)) == ["us"]

    page = attorney.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "12/03/2026" in page and "2026-12-03</strong>" not in page      # the reply due 3 months after 09-03
    assert 'data-value="2026-12-03"' in page                                # the sort key stays ISO
    assert "2026-12-03" in paralegal.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "12/03/2026" not in paralegal.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "12/03/2026" in attorney.get("/docket?next=all").get_data(as_text=True)


def test_an_unknown_format_is_refused_and_nothing_changes(world, login_as):
    attorney = login_as(world["a_attorney"])
    refused = attorney.post("/account/preferences", data={"date_format": "%Y%m"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    assert chosen(attorney.get("/account/preferences").get_data(as_text=True)) == ["iso"]

"""Odd input gets a 400 or 404 with a clear message on pages and the API alike, never a 500 (issue 11, item 8).

With TESTING on, an unexpected error is raised into the test, so a 500 fails loudly here.
"""
from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope

HUGE = "99999999999999999999"


@pytest.fixture
def matter_id(world):
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="A-1", title="t", jurisdiction="US", application_type="utility",
                        filing_date=date(2026, 1, 5))
        db.session.add(matter)
        db.session.commit()
        return matter.id


PAGE_CASES = [
    ("GET", f"/matters?page={HUGE}", None, 400, "too large"),
    ("GET", f"/docket?page={HUGE}", None, 400, "too large"),
    ("GET", f"/admin/audit?page={HUGE}", None, 400, "too large"),
    ("GET", f"/matters/{HUGE}", None, 404, None),
    ("GET", f"/matters/{2**63}", None, 404, None),
    ("GET", "/docket/calendar?month=9999-12", None, 400, "between the years"),
    ("GET", "/docket/calendar?month=0001-01", None, 400, "between the years"),
    ("GET", "/docket?due_from=9999-12-31", None, 400, "between the years"),
    ("POST", "/matters/{matter}/events", {"code": "NONFINAL_OA", "event_date": "9999-12-31", "preview": "1"},
     400, "between the years"),
    ("POST", "/matters/new", {"reference": "X-1", "title": "t", "jurisdiction": "US", "application_type": "utility",
                              "parent_id": HUGE}, 400, "too large"),
    ("GET", "/search/documents/XX1%00", None, 400, "NUL"),
    ("GET", "/matters?q=a%00b", None, 400, "NUL"),
]


@pytest.mark.parametrize("method,url,data,status,message", PAGE_CASES, ids=[c[1] for c in PAGE_CASES])
def test_pages_answer_odd_input_clearly(world, login_as, matter_id, method, url, data, status, message):
    client = login_as(world["specialist_a"], world.firm_a)
    response = client.open(url.format(matter=matter_id), method=method, data=data)
    assert response.status_code == status
    if message:
        assert message in response.get_data(as_text=True)


API_CASES = [
    ("GET", f"/api/v1/matters/{HUGE}", None, 404, None),
    ("GET", f"/api/v1/matters?limit={HUGE}", None, 400, "too large"),
    ("GET", f"/api/v1/matters?cursor={HUGE}", None, 400, "too large"),
    ("POST", "/api/v1/matters/{matter}/events", {"code": "NONFINAL_OA", "event_date": "9999-12-31"},
     400, "between the years"),
    ("POST", "/api/v1/matters/{matter}/events", {"code": "NONFINAL_OA", "event_date": "0001-01-01"},
     400, "between the years"),
    ("POST", "/api/v1/matters", {"reference": "X-1", "title": "t", "jurisdiction": "US",
                                 "application_type": "utility", "parent_id": 2**70}, 400, "too large"),
    ("GET", "/api/v1/search/documents/XX1%00", None, 400, "NUL"),
]


@pytest.mark.parametrize("method,url,body,status,message", API_CASES, ids=[c[1] for c in API_CASES])
def test_the_api_answers_odd_input_clearly(client, world, token_for, matter_id, method, url, body, status, message):
    headers = token_for(world["specialist_a"], world.firm_a)
    response = client.open(url.format(matter=matter_id), method=method, json=body, headers=headers)
    assert response.status_code == status
    if message:
        assert message in response.get_json()["detail"]


def test_ordinary_input_still_passes(world, login_as, matter_id):
    client = login_as(world["a_paralegal"])
    assert client.get("/docket/calendar?month=2026-12").status_code == 200
    assert client.get("/matters?page=2").status_code == 200
    assert client.post("/login", data={"email": "x@y.test", "password": "1234567890123456789012"}).status_code != 400

"""Every redirect to a place named in the request stays on this site (issue 11, item 10).

The bypass list is the usual one for open redirects: what browsers strip or rewrite before following
a Location (tabs, CR/LF, leading controls and spaces, backslashes), scheme-relative and absolute
URLs, and schemes with no slashes. Each is tried on the helper and on the three redirects that take a
target: sign-in ``next``, the tenant chooser's ``next`` and the deadline verify's ``back``.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.urls import safe_local_path
from tests.conftest import PASSWORD

BYPASSES = [
    "//evil.example/phish",
    "/\t/evil.example/phish",           # the reported one: POST /login?next=/%09/evil.example/phish
    "/\n/evil.example", "/\r\n/evil.example", "/\r/evil.example",
    "\t//evil.example", " //evil.example", "\x00//evil.example", "\x1f//evil.example",
    "/\\evil.example", "\\/evil.example", "\\\\evil.example", "/\\/evil.example", "\\\t\\evil.example",
    "https://evil.example/", "http:evil.example", "https:/evil.example", "HTTPS://evil.example",
    "//evil.example@ours.test/", "///evil.example", "////evil.example",
    "javascript:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "evil.example", "relative/path", "", "  ",
    "/x\x00y", "/" + "a" * 5000,
]
SAFE = {
    "/": "/",
    "/docket?next=7&page=2": "/docket?next=7&page=2",
    "/matters/12#deadlines": "/matters/12#deadlines",
    "/search/%2F%2Fevil.example": "/search/%2F%2Fevil.example",  # an encoded slash stays in the path
    "  /docket  ": "/docket",
    "/do\tcket": "/docket",  # what the browser would follow anyway
}


@pytest.mark.parametrize("target", BYPASSES)
def test_bypass_is_refused(target):
    assert safe_local_path(target) is None
    assert safe_local_path(target, "/home") == "/home"


@pytest.mark.parametrize("target,expected", SAFE.items())
def test_local_paths_pass_cleaned(target, expected):
    assert safe_local_path(target) == expected


def _stays_here(response) -> None:
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert not parts.path.startswith("//") and "\\" not in location and "evil" not in location, location


REPORTED = ["/\t/evil.example/phish", "//evil.example", "/\\evil.example", "https://evil.example/",
            "/\r\n/evil.example", " //evil.example"]


@pytest.mark.parametrize("target", REPORTED)
def test_sign_in_next_stays_here(client, world, target):
    response = client.post("/login", query_string={"next": target},
                           data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert response.status_code == 302
    _stays_here(response)


def test_sign_in_next_to_a_local_page_is_honoured(client, world):
    response = client.post("/login", query_string={"next": "/docket?next=7"},
                           data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/docket?next=7")


@pytest.mark.parametrize("target", REPORTED)
def test_tenant_chooser_next_stays_here(login_as, world, target):
    client = login_as(world["specialist_both"])
    page = client.get("/tenants/choose", query_string={"next": target})
    assert 'name="next" value=""' in page.get_data(as_text=True)  # the form does not carry it on
    response = client.post("/tenants/choose", data={"tenant_id": world.firm_b.id, "next": target})
    assert response.status_code == 302
    _stays_here(response)


@pytest.mark.parametrize("target", REPORTED)
def test_deadline_verify_back_stays_here(login_as, world, target):
    from app.patents.docketing.models import Deadline, Matter
    from app.patents.docketing.operations import record_event
    from app.tenancy import tenant_scope
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="A-1", title="t", jurisdiction="US", application_type="utility")
        db.session.add(matter)
        db.session.flush()
        record_event(matter, "NONFINAL_OA", date(2026, 2, 2), {}, None)
        db.session.commit()
        deadline_id = db.session.execute(select(Deadline.id)).scalars().first()
    response = login_as(world["a_paralegal"]).post(f"/deadlines/{deadline_id}/verify", data={"back": target})
    assert response.status_code == 302
    _stays_here(response)

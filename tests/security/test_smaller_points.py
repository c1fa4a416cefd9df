"""Smaller points of issue 11, item 14, each with its regression test."""
from __future__ import annotations

import re

from app.extensions import db
from app.patents.checklists import operations
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope
from tests.conftest import AuthActions
from tests.test_tenancy import add_matter


def test_the_calendar_feed_address_comes_from_base_url_not_the_host_header(app, world):
    app.config["BASE_URL"] = "https://desk.example.com/"
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"  # every request of this client names a forged host
    AuthActions(client).login(world["a_attorney"])
    page = client.post("/calendar-feed", data={"action": "create"})
    assert page.status_code == 200, page.status_code
    urls = re.findall(r"[a-z]+://[^\s\"<]+\.ics", page.get_data(as_text=True))
    assert urls and all(url.startswith("https://desk.example.com/ical/") for url in urls)


def test_viewers_cannot_start_checklist_pdf_jobs(world, login_as):
    matter_id = add_matter(world.firm_a, "A-1")
    with tenant_scope(world.firm_a.id):
        matter = db.session.get(Matter, matter_id)
        checklist = operations.start_checklist(matter, operations.default_template_for(matter),
                                               world["specialist_a"])
        db.session.commit()
        checklist_id = checklist.id
    assert login_as(world["a_viewer"]).post(f"/checklists/{checklist_id}/pdf").status_code == 403
    assert login_as(world["a_attorney"]).post(f"/checklists/{checklist_id}/pdf").status_code == 302


def test_people_of_a_deactivated_firm_cannot_sign_in_or_keep_working(app, world, login_as, client):
    from app.models import Tenant
    from tests.conftest import PASSWORD
    admin = login_as(world["a_firm_admin"])  # signed in before the firm is deactivated
    db.session.get(Tenant, world.firm_a.id).active = False
    db.session.commit()
    refused = client.post("/login", data={"email": world["a_firm_admin"].email, "password": PASSWORD})
    assert refused.status_code != 302
    created = admin.post("/admin/users/new", data={"name": "New", "email": "new@acme.test", "role": "viewer",
                                                   "password": "a long enough passphrase 9"})
    assert created.status_code == 302 and "/login" in created.location
    with tenant_scope([world.firm_a.id]):
        from sqlalchemy import select

        from app.models import User
        assert db.session.execute(select(User.id).where(User.email == "new@acme.test")).first() is None
    # The other firm and the provider are unaffected.
    assert client.post("/login", data={"email": world["b_firm_admin"].email, "password": PASSWORD}).status_code == 302


def test_re_enabling_an_account_does_not_revive_its_old_tokens_and_feeds(app, world, login_as, token_for):
    paralegal = world["a_paralegal"]
    headers = token_for(paralegal, world.firm_a)
    page = login_as(paralegal).post("/calendar-feed", data={"action": "create"}).get_data(as_text=True)
    feed_path = re.search(r"(/ical/[^\s\"<]+\.ics)", page).group(1)
    reader = app.test_client()
    assert reader.get("/api/v1/matters", headers=headers).status_code == 200
    assert reader.get(feed_path).status_code == 200
    admin = login_as(world["a_firm_admin"])
    fields = {"name": paralegal.name, "email": paralegal.email, "role": "paralegal"}
    assert admin.post(f"/admin/users/{paralegal.id}", data=fields).status_code == 302  # unchecked: disabled
    assert admin.post(f"/admin/users/{paralegal.id}", data={**fields, "active": "y"}).status_code == 302
    assert reader.get("/api/v1/matters", headers=headers).status_code == 401
    assert reader.get(feed_path).status_code == 404

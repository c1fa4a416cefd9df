"""Provider work in progress stays the provider's until delivered (issue 11 item 4): a firm sees nothing of an
undelivered search session (its queries, marks, passages and notes) on pages or in the API, then all of it."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Matter
from app.patents.search.models import SearchSession
from app.patents.search.sessions import create_session
from app.tenancy import tenant_scope
from app.utc import utcnow
from tests.builders import add_matter

SECRET_NOTE = "strategy: avoid the Zorbulator family"


def _session_in_progress(world) -> int:
    matter_id = add_matter(world.firm_a, "ACME-0700").id
    with tenant_scope(world.firm_a.id):
        session = create_session(db.session.get(Matter, matter_id), SECRET_NOTE, world["specialist_a"])
        db.session.commit()
        return session.id


def test_an_undelivered_search_session_is_invisible_to_every_firm_role(world, login_as, client, token_for):
    session_id = _session_in_progress(world)
    for role in ("a_firm_admin", "a_attorney", "a_paralegal", "a_viewer"):
        person = login_as(world[role])
        assert person.get(f"/search/sessions/{session_id}").status_code == 404, role
        assert SECRET_NOTE not in person.get("/search/sessions").get_data(as_text=True), role
        headers = token_for(world[role], world.firm_a)
        assert client.get(f"/api/v1/search/sessions/{session_id}", headers=headers).status_code == 404, role
        listed = client.get("/api/v1/search/sessions", headers=headers).get_json()["items"]
        assert listed == [], role
    specialist = login_as(world["specialist_a"], world.firm_a)
    assert SECRET_NOTE in specialist.get(f"/search/sessions/{session_id}").get_data(as_text=True)

    with tenant_scope(world.firm_a.id):
        db.session.execute(select(SearchSession).where(SearchSession.id == session_id)).scalar_one() \
            .delivered_at = utcnow()
        db.session.commit()
    attorney = login_as(world["a_attorney"])
    assert SECRET_NOTE in attorney.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    headers = token_for(world["a_attorney"], world.firm_a)
    assert client.get(f"/api/v1/search/sessions/{session_id}", headers=headers).status_code == 200

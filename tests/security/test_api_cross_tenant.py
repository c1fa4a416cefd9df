"""ASVS 5.0 V8 (authorization): every API operation, as every role of tenant B, on tenant A's ids, gets no 2xx.

The matrix walks app.url_map: a new /api/ route fails here until it is classified (ids from FOREIGN_IDS
of the page walker, or NO_ID_ROUTES with the test that covers it).
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.files import StoredFile
from app.jobs import JobRecord
from app.patents.docketing.models import Deadline, Event, Matter
from app.tenancy import tenant_scope
from tests.test_cross_tenant_routes import FOREIGN_IDS

B_ACTORS = ("b_firm_admin", "b_attorney", "b_paralegal", "b_viewer", "specialist_both")
METHODS = ("GET", "PUT", "PATCH", "DELETE", "POST")
# API routes without an id argument: what keeps them inside the caller's tenant is tested elsewhere.
NO_ID_ROUTES = {
    "api.list_matters": "lists read through the tenant filter; tests/security/test_canary.py",
    "api.create_matter": "inserts take the token's tenant; tests/api/test_api.py (tenant_id refused)",
    "api.list_deadlines": "tests/security/test_canary.py",
    "api.list_checklists": "tests/security/test_canary.py",
    "api.list_search_sessions": "tests/security/test_canary.py",
    "api.search_query": "searches the public corpus and the caller's collection only; tests/api/test_search_api.py",
    "api.search_similar": "searches the public corpus and the caller's collection only; tests/api/test_search_api.py",
    "api.list_work_requests": "tests/security/test_canary.py",
    "api.start_docket_report": "the report reads the caller's tenant only; tests/security/test_canary.py",
    "api.openapi_json": "public description of the API, no tenant data",
    "api.docs": "public description of the API, no tenant data",
    "api.deadlines_preview": "computes dates from the body, reads no stored data",
}
SNAPSHOT_MODELS = (Matter, Event, Deadline, JobRecord, StoredFile)


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def tenant_snapshot(tenant) -> dict:
    with tenant_scope(tenant.id):
        db.session.expire_all()
        return {model.__name__: [tuple(getattr(row, c.key) for c in model.__table__.columns)
                                 for row in db.session.execute(select(model).order_by(model.id)).scalars()]
                for model in SNAPSHOT_MODELS}


def test_every_api_route_is_in_the_matrix(app):
    unclassified = [rule.endpoint for rule in api_rules(app)
                    if not rule.arguments and rule.endpoint not in NO_ID_ROUTES]
    unknown_ids = [(rule.endpoint, a) for rule in api_rules(app) for a in rule.arguments if a not in FOREIGN_IDS]
    assert not unclassified and not unknown_ids, (unclassified, unknown_ids)


def test_tenant_b_gets_no_2xx_on_tenant_a_ids_and_a_is_unchanged(app, world, token_for):
    cache: dict = {}
    foreign_urls = []
    for rule in api_rules(app):
        if not rule.arguments:
            continue
        values = {}
        for argument in rule.arguments:
            if (argument, "a") not in cache:
                cache[(argument, "a")] = FOREIGN_IDS[argument](world, world.firm_a)
            values[argument] = cache[(argument, "a")]
        foreign_urls.append(rule.build(values, append_unknown=False)[1])
    assert any("/matters/" in url for url in foreign_urls) and any("/events/" in url for url in foreign_urls)
    before = tenant_snapshot(world.firm_a)
    headers = {actor: token_for(world[actor], world.firm_b) for actor in B_ACTORS}
    client = app.test_client()
    leaks = []
    for url in foreign_urls:
        for method in METHODS:
            for actor, auth in headers.items():
                response = client.open(url, method=method, json={"title": "pwned", "note": "pwned"},
                                       headers={**auth, "If-Match": "*"})
                if 200 <= response.status_code < 300:
                    leaks.append(f"{actor} {method} {url} -> {response.status_code}")
    assert not leaks, "cross-tenant API access:\n" + "\n".join(leaks)
    assert tenant_snapshot(world.firm_a) == before

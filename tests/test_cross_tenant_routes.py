"""Every route that takes an object id, walked with ids of another tenant: the answer is 404.

A new route with an id argument fails here until FOREIGN_IDS knows how to make that kind of object,
or EXEMPT says why the route needs no check. A 403 is accepted only where the same person gets 403
for their own tenant's object too: a role refusal that reveals nothing about the id.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from app.extensions import db
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope
from tests.builders import add_matter

# Route endpoints that take an id but need no cross-tenant check, with the reason.
EXEMPT: dict[str, str] = {
    "static": "public assets, no tenant data",
    "docket.feed": "takes a secret token, not an id; its own test shows a revoked or unknown token gets 404 "
                   "and a feed holds only its owner's firms (tests/patents/docketing/test_views.py)",
    "reminders.acknowledge_by_link": "takes a signed token that names its tenant, not an id; a token for another "
                                     "tenant or recipient gets 404 (tests/patents/reminders/test_acknowledge.py)",
}

# People of firm A (and a specialist assigned to firm A only) who try firm B's ids.
ACTORS = ("a_firm_admin", "a_attorney", "a_paralegal", "a_viewer", "specialist_a")


def _matter(world, tenant) -> int:
    return add_matter(tenant, title="Secret invention", filing_date=date(2026, 1, 5)).id


def _event(world, tenant) -> int:
    from app.patents.docketing.operations import record_event
    matter_id = _matter(world, tenant)
    with tenant_scope(tenant.id):
        event = record_event(db.session.get(Matter, matter_id), "NONFINAL_OA", date(2026, 2, 2), {}, None)
        db.session.commit()
        return event.id


def _deadline(world, tenant) -> int:
    from sqlalchemy import select

    from app.patents.docketing.models import Deadline
    event_id = _event(world, tenant)
    with tenant_scope(tenant.id):
        return db.session.execute(select(Deadline.id).where(Deadline.source_event_id == event_id)).scalar_one()


def _job(world, tenant) -> int:
    from app.files import store_bytes
    from app.jobs import JobRecord
    with tenant_scope(tenant.id):
        stored = store_bytes(b"%PDF-1.4 secret", "report.pdf", "application/pdf", "report")
        job = JobRecord(kind="report", label="Secret report", status="finished", file_id=stored.id)
        db.session.add(job)
        db.session.commit()
        return job.id


def _file(world, tenant) -> int:
    from app.jobs import JobRecord
    with tenant_scope(tenant.id):
        return db.session.get(JobRecord, _job(world, tenant)).file_id


def _checklist(world, tenant) -> int:
    from app.patents.checklists import operations
    matter_id = _matter(world, tenant)
    with tenant_scope(tenant.id):
        matter = db.session.get(Matter, matter_id)
        checklist = operations.start_checklist(matter, operations.default_template_for(matter),
                                               world["specialist_both"])
        db.session.commit()
        return checklist.id


def _checklist_item(world, tenant) -> int:
    from app.patents.checklists.models import Checklist
    checklist_id = _checklist(world, tenant)
    with tenant_scope(tenant.id):
        return db.session.get(Checklist, checklist_id).items[0].id


def _checklist_template(world, tenant) -> int:
    """Templates belong to the provider, not a tenant: only a provider admin reaches their pages."""
    from app.patents.checklists import operations
    return operations.all_templates()[0].id


def _search_session(world, tenant) -> int:
    from app.patents.search.models import SearchSession
    matter_id = _matter(world, tenant)
    with tenant_scope(tenant.id):
        found = SearchSession(matter_id=matter_id, title="Secret search")
        db.session.add(found)
        db.session.commit()
        return found.id



def _search_query(world, tenant) -> int:
    from app.patents.search.models import SearchQuery
    session_id = _search_session(world, tenant)
    with tenant_scope(tenant.id):
        query = SearchQuery(session_id=session_id, text="secret", hit_count=1)
        db.session.add(query)
        db.session.commit()
        return query.id


def _marked_hit(world, tenant) -> int:
    from app.patents.search.models import MarkedHit
    session_id = _search_session(world, tenant)
    with tenant_scope(tenant.id):
        mark = MarkedHit(session_id=session_id, number="US1B1", category="X")
        db.session.add(mark)
        db.session.commit()
        return mark.id


def _private_document_number(world, tenant) -> str:
    """A document only in this tenant's private collection: another tenant must not find it by number."""
    from sqlalchemy import select

    from app.patents.search.models import PrivateDocument
    number = f"XX{9000 + tenant.id}"
    with tenant_scope(tenant.id):
        exists = db.session.execute(select(PrivateDocument.id).where(PrivateDocument.number == number)).first()
        if exists is None:  # several routes take a number; one document serves them all
            db.session.add(PrivateDocument(number=number, root=number, country="XX", doc_number=str(9000 + tenant.id),
                                           title="Secret own document"))
            db.session.commit()
    return number


def _reminder_outbox_row(world, tenant) -> int:
    from app.models import utcnow
    from app.patents.docketing.models import Deadline
    from app.patents.reminders.models import OutboxMessage
    attorney = world[("a" if tenant is world.firm_a else "b") + "_attorney"]
    with tenant_scope(tenant.id):
        deadline = Deadline(matter_id=_matter(world, tenant), kind="MANUAL", label="Secret deadline",
                            nominal=date(2026, 3, 9), due=date(2026, 3, 9), current_due=date(2026, 3, 9),
                            status="open", extensions=[], explanation=[])
        db.session.add(deadline)
        db.session.flush()
        row = OutboxMessage(deadline_id=deadline.id, recipient_id=attorney.id, stage="7", due_date=deadline.due,
                            status="failed", next_attempt_at=utcnow(), last_error="550 secret")
        db.session.add(row)
        db.session.commit()
        return row.id


def _matter_watcher(world, tenant) -> int:
    from app.patents.reminders.models import MatterWatcher
    with tenant_scope(tenant.id):
        watcher = MatterWatcher(matter_id=_matter(world, tenant),
                                user_id=world[("a" if tenant is world.firm_a else "b") + "_paralegal"].id)
        db.session.add(watcher)
        db.session.commit()
        return watcher.id


def _work_request(world, tenant) -> int:
    from app.patents.work_requests.operations import submit
    matter_id = _matter(world, tenant)
    paralegal = world[("a" if tenant is world.firm_a else "b") + "_paralegal"]
    with tenant_scope(tenant.id):
        found = submit(db.session.get(Matter, matter_id), "prior_art_search", "Secret search request",
                                     "Secret instructions", date(2026, 3, 1), 3, paralegal, [])
        db.session.commit()
        return found.id


def _notification(world, tenant) -> int:
    """A notification of firm A's attorney in firm B cannot exist; firm B's own attorney owns this one."""
    from app.patents.notifications.operations import notify
    attorney = world[("a" if tenant is world.firm_a else "b") + "_attorney"]
    with tenant_scope(tenant.id):
        created = notify([attorney.id], "delivered", "Secret delivery", "/requests/1", tenant.id)
        db.session.commit()
        return created[0].id


def _api_token(world, tenant) -> int:
    from app.api import tokens
    owner = world[("a" if tenant is world.firm_a else "b") + "_attorney"]
    token, _secret = tokens.create_token(owner, tenant, "Secret token", "read_write", 30)
    db.session.commit()
    return token.id


def _login_session(world, tenant) -> int:
    """A sign-in of the firm's paralegal: only they, and their firm's admin, may end it."""
    from app.accounts import session_for_token, start_session
    paralegal = world[("a" if tenant is world.firm_a else "b") + "_paralegal"]
    token = start_session(paralegal, "192.0.2.7", "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0")
    db.session.commit()
    return session_for_token(token).id


def _security_key(world, tenant) -> int:
    """A security key of the firm's paralegal: only they may remove it."""
    import os

    from app.two_factor import SecurityKey
    key = SecurityKey(user_id=world[("a" if tenant is world.firm_a else "b") + "_paralegal"].id, name="Key",
                      credential_id=os.urandom(16), public_key=b"public key")
    db.session.add(key)
    db.session.commit()
    return key.id


def _office_data_import(world, tenant) -> int:
    """A USPTO file history uploaded for one of the firm's matters, waiting for a second person."""
    from app.patents.docketing.office_data import propose_from_file
    from tests.patents.docketing.test_office_data import PEDS
    matter_id = _matter(world, tenant)
    with tenant_scope(tenant.id):
        proposal = propose_from_file(db.session.get(Matter, matter_id), PEDS.read_bytes(), PEDS.name,
                                     world[("a" if tenant is world.firm_a else "b") + "_paralegal"].id)
        db.session.commit()
        return proposal.id


# URL argument name -> how to get the id of such an object in a given tenant.
FOREIGN_IDS = {
    "user_id": lambda world, tenant: world[("a" if tenant is world.firm_a else "b") + "_paralegal"].id,
    "tenant_id": lambda world, tenant: tenant.id,
    "matter_id": _matter,
    "import_id": _office_data_import,
    "job_id": _job,
    "file_id": _file,
    "event_id": _event,
    "deadline_id": _deadline,
    "checklist_id": _checklist,
    "item_id": _checklist_item,
    "template_id": _checklist_template,
    "session_id": _search_session,
    "query_id": _search_query,
    "mark_id": _marked_hit,
    "number": _private_document_number,
    "outbox_id": _reminder_outbox_row,
    "watcher_id": _matter_watcher,
    "request_id": _work_request,
    "notification_id": _notification,
    "token_id": _api_token,
    "login_session_id": _login_session,
    "key_id": _security_key,
    # A finding's fingerprint names no object of its own; the checklist id beside it is the foreign one.
    "fingerprint": lambda world, tenant: "0" * 32,
}


def routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint not in EXEMPT:
            yield rule


def _url(rule, world, tenant, cache):
    values = {}
    for argument in sorted(rule.arguments):
        if argument not in FOREIGN_IDS:
            pytest.fail(f"route {rule.rule} ({rule.endpoint}) takes '{argument}': add it to FOREIGN_IDS "
                        f"or EXEMPT in {__name__}")
        key = (argument, tenant.id)
        if key not in cache:
            cache[key] = FOREIGN_IDS[argument](world, tenant)
        values[argument] = cache[key]
    return rule.build(values, append_unknown=False)[1]


def test_every_id_route_answers_404_to_another_tenant(app, world, login_as):
    cache: dict = {}
    checked = 0
    failures = []
    clients = {actor: login_as(world[actor], world.firm_a) for actor in ACTORS}
    for rule in routes_with_ids(app):
        foreign_url = _url(rule, world, world.firm_b, cache)
        own_url = _url(rule, world, world.firm_a, cache)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for actor, client in clients.items():
                foreign = client.open(foreign_url, method=method).status_code
                if foreign == 404:
                    checked += 1
                    continue
                own = client.open(own_url, method=method).status_code
                if foreign == 403 and own == 403:
                    checked += 1
                    continue
                failures.append(f"{actor} {method} {foreign_url} -> {foreign} (own tenant: {own})")
    assert not failures, "cross-tenant leaks:\n" + "\n".join(failures)
    assert checked > 0


NOWHERE = 987654321  # an id no table holds


def _page_text(response, asked: str) -> str:
    body = response.get_data(as_text=True).replace(asked, "URL")
    return re.sub(r'value="[^"]{20,}"|nonce="[^"]*"', "", body)


def test_another_tenants_id_reads_exactly_like_an_id_that_exists_nowhere(app, world, login_as):
    """Bodies, not only status codes: a 404 for firm B's object says nothing a 404 for no object does not."""
    cache: dict = {}
    client = login_as(world["a_firm_admin"], world.firm_a)
    client.get("/", follow_redirects=True)  # the sign-in's one-time flash
    differing, compared = [], 0
    for rule in routes_with_ids(app):
        if "GET" not in rule.methods or rule.arguments & {"fingerprint", "user_id", "tenant_id"}:
            continue  # people and firms are walked above; a fingerprint names no object
        compared += 1
        foreign_url = _url(rule, world, world.firm_b, cache)
        nowhere_url = rule.build(dict.fromkeys(rule.arguments, NOWHERE), append_unknown=False)[1]
        foreign, nowhere = client.get(foreign_url), client.get(nowhere_url)
        if (foreign.status_code, _page_text(foreign, foreign_url)) != \
                (nowhere.status_code, _page_text(nowhere, nowhere_url)):
            differing.append(f"{foreign_url} -> {foreign.status_code}, {nowhere_url} -> {nowhere.status_code}")
    assert compared > 30 and not differing, "pages that tell another firm's id from no id:\n" + "\n".join(differing)


def test_the_walker_knows_every_id_argument(app):
    unknown = {(rule.endpoint, a) for rule in routes_with_ids(app) for a in rule.arguments if a not in FOREIGN_IDS}
    assert not unknown, f"add these to FOREIGN_IDS or EXEMPT: {sorted(unknown)}"

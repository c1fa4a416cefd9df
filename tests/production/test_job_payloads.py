"""An unpublished draft sent to the real deployment never reaches Redis or a log (issue 11 item 13, production tier).

The attorney uploads a draft over HTTP to gunicorn; the real RQ worker checks it. Afterwards every key RQ left in the
deployment's Redis (job hashes are kept 24 h, failed ones 7 days) and every process's log are searched for the text.
"""
from __future__ import annotations

import re

from app.extensions import db
from app.patents.checklists.models import Checklist
from app.tenancy import tenant_scope
from tests.conftest import PASSWORD
from tests.production.harness import wait_until
from tests.test_tenancy import add_matter

SECRET = "zorbulating flux capacitor"


def _redis_bytes(client) -> bytes:
    found = []
    for key in client.scan_iter("*"):
        kind = client.type(key)
        if kind == b"hash":
            found += client.hgetall(key).values()
        elif kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"list":
            found += client.lrange(key, 0, -1)
        elif kind == b"zset":
            found += client.zrange(key, 0, -1)
        elif kind == b"set":
            found += client.smembers(key)
    return b"".join(found)


def test_a_draft_checked_by_the_real_worker_leaves_no_text_in_redis_or_the_logs(app, world, deployment, browser):
    matter_id = add_matter(world.firm_a, "A-77")
    browser.sign_in(world["a_attorney"].email, PASSWORD)
    started = browser.submit("/checklists/new", {"matter_id": matter_id, "template_id": 0, "entity": "large"})
    assert started.status_code == 302, started.text[:300]
    checklist_id = int(re.search(r"/checklists/(\d+)", started.headers["Location"]).group(1))
    sent = browser.submit(f"/checklists/{checklist_id}/draft", {
        "claims": f"1. A {SECRET} comprising a coil.\n2. The {SECRET} of claim 1, wherein the coil is copper.",
        "title": f"The {SECRET}", "abstract": f"A {SECRET}.", "description": SECRET, "entity": "small"})
    assert sent.status_code == 302, sent.text[:300]

    def checked():
        with tenant_scope(world.firm_a.id):
            db.session.expire_all()
            return db.session.get(Checklist, checklist_id).checked_at is not None
    wait_until(checked, timeout=30, what="the real worker checked the draft")
    redis = deployment.redis_client()
    assert list(redis.scan_iter("rq:job:*")), "the worker's job hashes are gone: nothing was checked"
    assert b"zorbulating" not in _redis_bytes(redis)
    assert "zorbulating" not in deployment.logs()

"""An unpublished draft never travels in a job payload or a worker's log (issue 11, item 13).

The draft-check job is enqueued on a real Redis; what RQ stores there (kept 24 h, 7 days on failure)
is read back: ids only. A real worker then runs it and reads the text from the database.
"""
from __future__ import annotations

import logging
import re

import pytest
from redis import Redis
from rq import SimpleWorker

from app.extensions import db
from app.jobs import QUEUES, get_queue
from app.patents.checklists.models import Checklist
from app.tenancy import tenant_scope
from tests.conftest import REDIS_URL
from tests.test_tenancy import add_matter

SECRET = "zorbulating flux capacitor"
CLAIMS = f"1. A {SECRET} comprising a coil.\n2. The {SECRET} of claim 1, wherein the coil is copper."


def test_the_draft_check_job_carries_ids_only(app, world, login_as, caplog):
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as error:  # the suite must not pass silently without Redis
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    redis.flushdb()
    matter_id = add_matter(world.firm_a, "A-1")
    specialist = login_as(world["specialist_a"], world.firm_a)
    started = specialist.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"})
    checklist_id = int(re.search(r"/checklists/(\d+)", started.location).group(1))
    app.config["REDIS_URL"] = REDIS_URL
    caplog.set_level(logging.DEBUG)
    response = specialist.post(f"/checklists/{checklist_id}/draft", data={
        "claims": CLAIMS, "title": f"The {SECRET}", "abstract": f"A {SECRET}.", "description": SECRET,
        "entity": "small"})
    assert response.status_code == 302
    stored = b"".join(value for key in redis.keys("rq:job:*") if redis.type(key) == b"hash"
                      for value in redis.hgetall(key).values())
    assert stored, "the job was not enqueued on Redis"
    assert SECRET.encode() not in stored and b"zorbulating" not in stored

    SimpleWorker([get_queue(name, redis) for name in QUEUES], connection=redis).work(burst=True)
    db.session.rollback()
    with tenant_scope(world.firm_a.id):
        checklist = db.session.get(Checklist, checklist_id)
        assert checklist.checked_at is not None and checklist.check_result["claims"]["total"] == 2
    assert "zorbulating" not in caplog.text

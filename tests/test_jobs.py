"""The job mechanism, both ways: inline without Redis, and through a real RQ worker in burst mode."""
import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from app.extensions import db
from app.jobs import QUEUES, enqueue, get_queue
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope
from tests.conftest import REDIS_URL
from tests.jobs_for_tests import retitle_every_matter
from tests.test_tenancy import add_matter


def titles(tenant):
    with tenant_scope(tenant.id):
        return sorted(db.session.execute(select(Matter.title)).scalars())


def test_inline_when_no_redis_is_configured(app, world):
    add_matter(world.firm_a, "A-1", title="Widget")
    add_matter(world.firm_b, "B-1", title="Gadget")
    result = enqueue("reports", retitle_every_matter, world.firm_a.id, " (checked)")
    assert result.return_value() == 1
    assert titles(world.firm_a) == ["Widget (checked)"]
    assert titles(world.firm_b) == ["Gadget"]


def test_through_a_real_rq_worker(app, world):
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as error:  # the suite must not pass silently without Redis
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    redis.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    add_matter(world.firm_a, "A-1", title="Widget")
    add_matter(world.firm_b, "B-1", title="Gadget")
    job = enqueue("reports", retitle_every_matter, world.firm_b.id, " (rq)", job_id="retitle-b-1")
    assert job.id == "retitle-b-1" and job.get_status() == "queued"
    assert job.retries_left == QUEUES["reports"].retry_max and job.failure_ttl == QUEUES["reports"].failure_ttl
    SimpleWorker([get_queue(name, redis) for name in QUEUES], connection=redis).work(burst=True)
    assert job.get_status(refresh=True) == "finished" and job.return_value() == 1
    db.session.rollback()
    assert titles(world.firm_b) == ["Gadget (rq)"]
    assert titles(world.firm_a) == ["Widget"]


def test_job_ids_rq_would_refuse_are_caught_early(app):
    with pytest.raises(ValueError):
        enqueue("reports", retitle_every_matter, 1, "x", job_id="bad id:1")
    with pytest.raises(ValueError):
        enqueue("nope", retitle_every_matter, 1, "x")

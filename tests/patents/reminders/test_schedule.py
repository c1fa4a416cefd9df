"""Two schedulers queue one sweep per minute, and the queued sweep runs through a real RQ worker."""
from datetime import date

from redis import Redis
from rq import SimpleWorker

from app.jobs import get_queue
from app.patents.reminders.jobs import sweep_job_id
from tests.conftest import REDIS_URL
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc
from worker.schedule import PERIODIC_JOBS, enqueue_once

SWEEP, AT_RISK = PERIODIC_JOBS


def test_two_schedulers_queue_the_minute_once_and_the_worker_sweeps_and_sends(app, world, mailbox):
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    add_deadline(add_matter(world.firm_a, "ACME-RQ", attorney=world["a_attorney"]), date(2026, 3, 9))
    minute = utc(2026, 3, 2, 15, 0)
    assert [enqueue_once(SWEEP, minute, redis), enqueue_once(SWEEP, minute, redis)] == [True, False]
    assert SWEEP.job_id(minute) == sweep_job_id(minute)  # the id the sweep reads its minute from
    queue = get_queue("reminders", redis)
    assert queue.job_ids == ["reminder-sweep-202603021500"]
    SimpleWorker([queue], connection=redis).work(burst=True)
    assert [r.status for r in outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)] == ["sent"]
    assert len(mailbox.to(world["a_attorney"].email)) == 1


def test_the_at_risk_notification_is_queued_on_the_quarter_hour_once(app):
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    queued = [enqueue_once(AT_RISK, utc(2026, 3, 2, 15, m), redis) for m in (0, 1, 14, 15, 15)]
    assert queued == [True, False, False, True, False]
    assert sorted(get_queue("reminders", redis).job_ids) == ["work-request-at-risk-202603021500",
                                                            "work-request-at-risk-202603021515"]

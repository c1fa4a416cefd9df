"""Enqueue periodic jobs with deterministic ids: `python -m worker.schedule`.

The reminder sweep runs every minute; the work-request at-risk notification every quarter hour
(it marks what it notified, so a second run notifies nobody twice).

Why not RQ's enqueue_at or rq-scheduler: their scheduler can run a job twice (rq #1354, #1531) and a
Redis flush loses what they hold. Here Redis holds only this minute's job; a second scheduler is
harmless, because an atomic Redis key per minute lets one enqueue, the job id is the minute
(`reminder-sweep-YYYYMMDDHHMM`), and the sweep itself takes a database row for its minute.
"""
import logging
import time
from datetime import UTC, datetime, timedelta

from app import create_app
from app.jobs import enqueue, redis_connection
from app.patents.reminders.jobs import sweep_and_enqueue_delivery, sweep_job_id
from app.patents.work_requests.jobs import notify_at_risk_in_every_firm

log = logging.getLogger("patentdesk.schedule")
MINUTE_KEY_TTL_SECONDS = 3600


def enqueue_sweep(minute: datetime, connection) -> bool:
    """Queue this minute's sweep unless some scheduler already did; True when this call queued it."""
    job_id = sweep_job_id(minute)
    if not connection.set(f"patentdesk:scheduled:{job_id}", "1", nx=True, ex=MINUTE_KEY_TTL_SECONDS):
        return False
    enqueue("reminders", sweep_and_enqueue_delivery, minute.isoformat(), job_id=job_id)
    return True


AT_RISK_EVERY_MINUTES = 15


def enqueue_at_risk(minute: datetime, connection) -> bool:
    """Queue the at-risk notification on the quarter hour, once across schedulers."""
    if minute.minute % AT_RISK_EVERY_MINUTES:
        return False
    job_id = f"work-request-at-risk-{minute:%Y%m%d%H%M}"
    if not connection.set(f"patentdesk:scheduled:{job_id}", "1", nx=True, ex=MINUTE_KEY_TTL_SECONDS):
        return False
    enqueue("reminders", notify_at_risk_in_every_firm, job_id=job_id)
    return True


def main() -> None:
    app = create_app()
    with app.app_context():
        connection = redis_connection()
        if connection is None:
            raise SystemExit("REDIS_URL is not set: run `flask --app wsgi reminders sweep` from cron instead.")
        while True:
            minute = datetime.now(UTC).replace(second=0, microsecond=0)
            if enqueue_sweep(minute, connection):
                log.info("queued %s", sweep_job_id(minute))
            enqueue_at_risk(minute, connection)
            next_minute = minute + timedelta(minutes=1)
            time.sleep(max((next_minute - datetime.now(UTC)).total_seconds(), 0.5))


if __name__ == "__main__":
    main()

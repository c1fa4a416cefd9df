"""Enqueue periodic jobs with deterministic ids: `python -m worker.schedule` (the table: PERIODIC_JOBS).

The reminder sweep runs every minute; the work-request at-risk notification every quarter hour
(it marks what it notified, so a second run notifies nobody twice).

Why not RQ's enqueue_at or rq-scheduler: their scheduler can run a job twice (rq #1354, #1531) and a
Redis flush loses what they hold. Here Redis holds only this minute's job; a second scheduler is
harmless, because an atomic Redis key per minute lets one enqueue, the job id is the minute
(`reminder-sweep-YYYYMMDDHHMM`), and the sweep itself takes each firm's minute in the database.

It survives a Redis outage: it retries with back-off and carries on when Redis returns (a supervisor
restarts it if the process dies all the same; see README, "Keeping the processes running").
"""
import argparse
import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app import create_app
from app.jobs import enqueue, redis_connection
from app.patents.reminders.health import SCHEDULER_HEARTBEAT_KEY
from app.patents.reminders.jobs import sweep_and_enqueue_delivery
from app.patents.work_requests.jobs import notify_at_risk_in_every_firm

log = logging.getLogger("patentdesk.schedule")
MINUTE_KEY_TTL_SECONDS = 3600


@dataclass(frozen=True)
class PeriodicJob:
    """A job queued on a schedule: every `every_minutes` minutes (on the minute that divides evenly)."""

    name: str            # the job id's prefix: "<name>-YYYYMMDDHHMM"
    queue: str
    function: Callable
    every_minutes: int = 1
    pass_minute: bool = False  # the job is told which minute it stands for (the sweep works "as of" it)

    def job_id(self, minute: datetime) -> str:
        return f"{self.name}-{minute.astimezone(UTC):%Y%m%d%H%M}"


# Every periodic job, in one table (Redash's periodic_job_definitions). The at-risk notification marks what it
# notified, so a second run notifies nobody twice; the sweep takes each firm's minute in the database.
PERIODIC_JOBS = (
    PeriodicJob("reminder-sweep", "reminders", sweep_and_enqueue_delivery, pass_minute=True),
    PeriodicJob("work-request-at-risk", "reminders", notify_at_risk_in_every_firm, every_minutes=15),
)


def enqueue_once(job: PeriodicJob, minute: datetime, connection) -> bool:
    """Queue `job` for this minute unless some scheduler already did (an atomic Redis key per job and minute);
    True when this call queued it."""
    if minute.minute % job.every_minutes:
        return False
    job_id = job.job_id(minute)
    if not connection.set(f"patentdesk:scheduled:{job_id}", "1", nx=True, ex=MINUTE_KEY_TTL_SECONDS):
        return False
    enqueue(job.queue, job.function, *([minute.isoformat()] if job.pass_minute else []), job_id=job_id)
    return True


class SimulatedClock:
    """``--now``: start the clock at that moment and let it run (``--minute-seconds``: a minute lasts that many
    real seconds), for tests and demonstrations; without it, the real UTC clock."""

    def __init__(self, start: datetime | None = None, minute_seconds: float = 60.0):
        self.start, self.real_start, self.speed = start, time.monotonic(), 60.0 / minute_seconds

    def now(self) -> datetime:
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=(time.monotonic() - self.real_start) * self.speed)

    def real_seconds_until(self, moment: datetime) -> float:
        return (moment - self.now()).total_seconds() / self.speed


REDIS_BACKOFF_SECONDS = (1, 2, 4, 8, 15)


def run_forever(connection, clock: SimulatedClock) -> None:
    """Queue each minute's jobs; when Redis is unreachable, retry with back-off and carry on when it returns.

    A minute whose tick fell inside an outage is queued as soon as Redis answers again, if that minute
    is still current; otherwise the next minute's sweep does its work (a rung is due for the whole day).
    """
    failures = 0
    while True:
        minute = clock.now().replace(second=0, microsecond=0)
        try:
            for job in PERIODIC_JOBS:
                if enqueue_once(job, minute, connection):
                    log.info("queued %s", job.job_id(minute))
            heartbeat(connection, clock)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            delay = REDIS_BACKOFF_SECONDS[min(failures, len(REDIS_BACKOFF_SECONDS) - 1)]
            failures += 1
            log.warning("Redis is unreachable (%s); trying again in %s s", error, delay)
            time.sleep(delay)
            continue
        if failures:
            log.info("Redis answers again after %s failed attempts; carrying on", failures)
        failures = 0
        next_minute = minute + timedelta(minutes=1)
        time.sleep(max(clock.real_seconds_until(next_minute), 0.05))


def heartbeat(connection, clock: SimulatedClock) -> None:
    """/healthz reads when the scheduler last queued its minute."""
    connection.set(SCHEDULER_HEARTBEAT_KEY, datetime.now(UTC).isoformat(), ex=MINUTE_KEY_TTL_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description="Queue the periodic jobs each minute (runs until stopped).")
    parser.add_argument("--now", help="start the clock at this moment (ISO 8601; tests and demonstrations)")
    parser.add_argument("--minute-seconds", type=float, default=60.0,
                        help="with --now: how many real seconds a minute lasts")
    options = parser.parse_args()
    start = None
    if options.now:
        start = datetime.fromisoformat(options.now)
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    app = create_app()
    with app.app_context():
        connection = redis_connection()
        if connection is None:
            raise SystemExit("REDIS_URL is not set: run `flask --app wsgi reminders sweep` from cron instead.")
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        run_forever(connection, SimulatedClock(start, options.minute_seconds))


if __name__ == "__main__":
    main()

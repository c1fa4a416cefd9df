"""Run an RQ worker with PatentDesk's configuration: `python -m worker [--burst] [queue ...]`.

It exits only on a signal (SIGTERM or SIGINT: a warm shutdown that lets the current job finish) or,
with ``--burst``, when the queues are empty. When Redis goes away, RQ's own loop gives up ("unhandled
exception, quitting"); this wrapper waits with back-off and starts a fresh RQ worker once Redis answers
again. A job that was running meanwhile finishes in its work-horse: its outcomes are in the database,
and reminders it could not send are released or come free when their short lease runs out, for the
next minute's sweep to queue again.
"""
import argparse
import logging
import os
import signal
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker

from app import create_app
from app.extensions import db
from app.jobs import QUEUES, get_queue, redis_connection

log = logging.getLogger("patentdesk.worker")
BACKOFF_SECONDS = (1, 2, 4, 8, 15)


class Stop(Exception):
    """A signal arrived while the worker was waiting for Redis."""


def wait_or_stop(seconds: float, stopping: dict) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stopping["signal"]:
            raise Stop()
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))


def run_until_signalled(connection, queue_names: list[str], burst: bool, with_scheduler: bool) -> None:
    stopping = {"signal": None}

    def on_signal(signum, frame):
        stopping["signal"] = signum
    failures = 0
    while True:
        # RQ installs its own handlers inside work(); between runs, ours only note the signal.
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if stopping["signal"]:
            return
        worker = None
        try:
            queues = [get_queue(name, connection) for name in queue_names]
            worker = Worker(queues, connection=connection)
            worker.max_connection_wait_time = BACKOFF_SECONDS[-1]
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            log.warning("worker: Redis is unreachable (%s)", error)
        if worker is not None and (worker._stop_requested or worker._shutdown_requested_date):
            return  # a warm or cold shutdown RQ handled
        if burst and worker is not None and _redis_answers(connection):
            return
        delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
        failures = failures + 1 if not _redis_answers(connection) else 0
        log.warning("worker: the RQ worker stopped without a signal; starting a new one in %s s", delay)
        try:
            wait_or_stop(delay, stopping)
        except Stop:
            return


def _redis_answers(connection) -> bool:
    try:
        return bool(connection.ping())
    except (RedisConnectionError, RedisTimeoutError, OSError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("queues", nargs="*", default=list(QUEUES), help="queues to listen on, in priority order")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run RQ's scheduler in this worker")
    options = parser.parse_args()

    app = create_app()
    with app.app_context():
        connection = redis_connection()
        if connection is None:
            raise SystemExit("REDIS_URL is not set: with no Redis, jobs run inline in the web process.")
        # A forked work-horse must not reuse the parent's database connections.
        os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
        run_until_signalled(connection, options.queues, options.burst, not options.no_scheduler)


if __name__ == "__main__":
    main()

"""Run an RQ worker with PatentDesk's configuration: `python -m worker [--burst] [queue ...]`."""
import argparse
import os

from rq import Worker

from app import create_app
from app.extensions import db
from app.jobs import QUEUES, get_queue, redis_connection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
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
        queues = [get_queue(name, connection) for name in options.queues]
        Worker(queues, connection=connection).work(burst=options.burst, with_scheduler=not options.no_scheduler)


if __name__ == "__main__":
    main()

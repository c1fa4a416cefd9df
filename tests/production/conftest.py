"""The production-path tier: one deployment (gunicorn, RQ worker, scheduler, a redis-server of its own) per
test session, against this run's PostgreSQL database as the non-owner app role with forced RLS.

It runs in the PostgreSQL half of ``make test`` only: the deployment it models is PostgreSQL + Redis.
Tests seed data in-process (the ``app`` and ``world`` fixtures, committed to the same database) and then
talk to the deployment over real HTTP. A test may kill any process; the next test starts it again.
On failure, the end of every process's log is attached to the report.
"""
from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import BACKEND, _empty_all_tables
from tests.production.harness import Deployment

collect_ignore_glob = [] if BACKEND == "postgresql" else ["test_*.py"]


@pytest.fixture(scope="session")
def deployment(database_config, tmp_path_factory):
    running = Deployment(tmp_path_factory.mktemp("production"), database_config["SQLALCHEMY_DATABASE_URI"],
                         database_config["MIGRATION_DATABASE_URL"])
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def app(database_config, deployment):
    """The in-process app seeds data and enqueues into the deployment's Redis; it is not what is tested."""
    deployment.start()  # bring back whatever an earlier test stopped or killed
    # Sign-in throttle counters would carry failures from one test's people into the next test's.
    client = deployment.redis_client()
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
    app = create_app({"TESTING": True, **database_config, "REDIS_URL": deployment.redis_url,
                      "RATELIMIT_STORAGE_URI": deployment.redis_url, "SEARCH_INDEX_DIR": deployment.index_dir,
                      "UPLOAD_DIR": deployment.upload_dir})
    with app.app_context():
        yield app
        db.session.remove()
    _empty_all_tables(database_config)


@pytest.fixture
def browser(deployment):
    """A fresh HTTP client with its own cookies: browser.sign_in(user.email, PASSWORD)."""
    with deployment.client() as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    running = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and running is not None:
        report.sections.append(("production logs", running.logs()))

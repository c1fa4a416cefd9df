"""The deployment itself: production error pages and cookies, sign-in over HTTP, a job through the real worker,
the scheduler's periodic queueing, and Redis going away and coming back."""
from __future__ import annotations

from app.extensions import db
from app.jobs import JobRecord
from app.tenancy import tenant_scope
from tests.conftest import PASSWORD
from tests.production.harness import wait_until


def _run_docket_report(browser, tenant_id) -> JobRecord:
    started = browser.submit("/docket/report", {})
    assert started.status_code == 302, started.text[:300]
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])

    def finished():
        status = browser.get(f"/jobs/{job_id}/status").json()
        assert status["status"] != "failed", status
        return status["status"] == "finished"
    wait_until(finished, timeout=30, what="docket report job finished")
    with tenant_scope(tenant_id):
        db.session.expire_all()
        return db.session.get(JobRecord, job_id)


def test_errors_are_rendered_as_in_production(browser):
    page = browser.get("/no/such/page")
    assert page.status_code == 404 and "text/html" in page.headers["Content-Type"]
    assert "Traceback" not in page.text and "werkzeug" not in page.text.lower()
    assert "Strict-Transport-Security" in page.headers
    problem = browser.get("/api/v1/matters")
    assert problem.status_code == 401 and problem.headers["Content-Type"] == "application/problem+json"


def test_sign_in_over_http_sets_the_production_session_cookie(world, browser):
    browser.get("/login")
    signed_in = browser.submit("/login", {"email": world["a_attorney"].email, "password": PASSWORD})
    assert signed_in.status_code == 302
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("__Host-patentdesk=") and "Secure" in cookie and "HttpOnly" in cookie
    assert browser.get("/docket").status_code == 200


def test_a_report_job_runs_in_the_real_worker(world, browser):
    browser.sign_in(world["a_attorney"].email, PASSWORD)
    job = _run_docket_report(browser, world.firm_a.id)
    download = browser.get(f"/files/{job.file_id}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")


def test_the_scheduler_queues_the_minutes_sweep(deployment):
    assert wait_until(lambda: deployment.redis_client().keys("patentdesk:scheduled:reminder-sweep-*"), timeout=10)


def test_jobs_run_again_after_redis_goes_away_and_comes_back(deployment, world, browser):
    browser.sign_in(world["a_attorney"].email, PASSWORD)
    deployment.redis.kill()
    health = browser.get("/healthz")
    assert health.status_code == 503 and health.json()["checks"]["redis"].startswith("error")
    assert browser.get("/docket").status_code == 200  # pages that need no job still serve
    deployment.start()
    assert browser.get("/healthz").status_code == 200
    assert _run_docket_report(browser, world.firm_a.id).file_id is not None

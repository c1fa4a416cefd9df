"""Liveness you can see: /healthz says when the sweep is late or a due reminder waits, the provider's page shows
the figures per firm, and the outbox says what went wrong in words a firm admin understands."""
from datetime import date, timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import utcnow
from app.patents.reminders.delivery import deliver_pending
from app.patents.reminders.health import plain_error
from app.patents.reminders.models import OutboxMessage, SweepRun
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.patents.reminders.conftest import add_deadline, add_matter, free_port, outbox_rows, utc

NOW = utc(2026, 3, 2, 15, 0)


def _sweep_finished(minutes_ago: float):
    db.session.execute(update(SweepRun).values(finished_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()


def test_healthz_is_ok_when_sweeps_are_recent_and_nothing_waits(client, world, mailbox, login_as):
    run_sweep(NOW)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["checks"]["reminders"] == "ok"
    assert "reminders" not in response.get_json()  # figures across firms: for the provider's staff only
    body = login_as(world["provider_admin"]).get("/healthz").get_json()
    assert body["reminders"]["minutes_since_last_sweep"] < 1 and body["reminders"]["failed_rows"] == 0
    assert "reminders" not in login_as(world["b_firm_admin"]).get("/healthz").get_json()


def test_healthz_answers_503_when_the_sweep_is_late(client, world):
    run_sweep(NOW)
    _sweep_finished(minutes_ago=7)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["reminders"] == "late"


def test_healthz_answers_503_when_a_due_reminder_waits(client, world, mailbox, app, login_as):
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), date(2026, 3, 9))
    run_sweep(NOW)
    with tenant_scope(world.firm_a.id):
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(minutes=20)))
        db.session.commit()
    assert client.get("/healthz").status_code == 503
    response = login_as(world["provider_admin"]).get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and "waited" in body["checks"]["reminders"]
    assert 19 < body["reminders"]["oldest_due_unsent_minutes"] < 30
    with tenant_scope(world.firm_a.id):
        deliver_pending(world.firm_a.id)
        db.session.commit()
    assert client.get("/healthz").status_code == 200


def test_the_provider_page_shows_each_firms_delivery(world, mailbox, login_as, app):
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), date(2026, 3, 9))
    run_sweep(NOW)
    app.config["MAIL_PORT"] = free_port()  # the mail server is down
    with tenant_scope(world.firm_a.id):
        deliver_pending(world.firm_a.id, now=NOW)
        db.session.commit()
    page = login_as(world["provider_admin"]).get("/reminders/health").get_data(as_text=True)
    assert "Last completed sweep" in page and "Acme IP LLP" in page and "Borealis" not in page  # not assigned
    assert login_as(world["a_firm_admin"]).get("/reminders/health").status_code == 403
    outbox = login_as(world["a_firm_admin"]).get("/reminders/outbox").get_data(as_text=True)
    assert "The mail server could not be reached" in outbox
    assert "ConnectionRefusedError" not in outbox and "Errno" not in outbox
    [row] = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    assert "ConnectionRefusedError" in row.last_error  # kept for the provider's admins


def test_errors_in_plain_words():
    assert "could not be reached" in plain_error("ConnectionRefusedError: [Errno 111] Connection refused")
    assert "try again later (code 451)" in plain_error("451 4.3.0 try later")
    assert "refused the address (code 550)" in plain_error("550 5.1.1 no such mailbox")
    assert "line break" in plain_error("could not build the message: ValueError: Header values may not contain")
    assert "interrupted 7 times" in plain_error("gave up after 7 attempts: each was interrupted before it finished")
    assert plain_error("gave up after 7 attempts: SMTPServerDisconnected: Connection unexpectedly closed") \
        .startswith("Given up after 7 attempts. The mail server could not be reached.")

"""SMTP refusals: 4xx and a dead server retry with backoff, 5xx fails visibly with a retry button; nothing is lost."""
from datetime import date, timedelta

from app.patents.reminders.delivery import RETRY_DELAYS_SECONDS, deliver_pending
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.patents.reminders.conftest import add_deadline, add_matter, free_port, outbox_rows, utc

NOW = utc(2026, 3, 2, 15, 0)


def queued(world):
    matter = add_matter(world.firm_a, "ACME-5", attorney=world["a_attorney"])
    add_deadline(matter, date(2026, 3, 9))
    run_sweep(NOW)
    return outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)[0]


def deliver(world, now):
    with tenant_scope(world.firm_a.id):
        return deliver_pending(world.firm_a.id, now=now)


def test_temporary_refusal_backs_off_then_delivers_once(world, mailbox):
    row = queued(world)
    mailbox.reply = "451 4.3.0 try later"
    assert deliver(world, NOW).retrying == 1
    [after] = outbox_rows(world.firm_a, id=row.id)
    assert after.status == "pending" and after.attempts == 1 and "451" in after.last_error
    assert after.next_attempt_at.replace(tzinfo=None) == (NOW + timedelta(seconds=RETRY_DELAYS_SECONDS[0])).replace(
        tzinfo=None)
    mailbox.reply = "250 OK"
    assert deliver(world, NOW + timedelta(seconds=30)).sent == 0  # not before the backoff
    assert deliver(world, NOW + timedelta(seconds=61)).sent == 1
    assert len(mailbox.to(world["a_attorney"].email)) == 1


def test_a_dead_server_is_a_temporary_failure(app, world, mailbox):
    row = queued(world)
    app.config["MAIL_PORT"] = free_port()
    assert deliver(world, NOW).retrying == 1
    [after] = outbox_rows(world.firm_a, id=row.id)
    assert after.status == "pending" and "Connection" in after.last_error


def test_permanent_refusal_is_visible_and_can_be_retried(world, mailbox, login_as):
    row = queued(world)
    mailbox.reply = "550 5.1.1 no such mailbox"
    assert deliver(world, NOW).failed == 1
    admin = login_as(world["a_firm_admin"])
    page = admin.get("/reminders/outbox?status=failed").get_data(as_text=True)
    assert "refused the address (code 550)" in page and f"/reminders/outbox/{row.id}/retry" in page
    assert "5.1.1" not in page  # the raw reply is for the provider's admins
    assert admin.post(f"/reminders/outbox/{row.id}/retry").status_code == 302
    mailbox.reply = "250 OK"
    [retried] = outbox_rows(world.firm_a, id=row.id)
    assert deliver(world, retried.next_attempt_at + timedelta(seconds=1)).sent == 1
    assert len(mailbox.to(world["a_attorney"].email)) == 1


def test_a_firm_admin_sees_only_their_firms_outbox(world, mailbox, login_as):
    add_deadline(add_matter(world.firm_a, "ACME-SECRET", attorney=world["a_attorney"]), date(2026, 3, 9))
    add_deadline(add_matter(world.firm_b, "BORE-SECRET", attorney=world["b_attorney"]), date(2026, 3, 9))
    run_sweep(NOW)
    b_rows = outbox_rows(world.firm_b)
    assert b_rows
    a_page = login_as(world["a_firm_admin"]).get("/reminders/outbox").get_data(as_text=True)
    assert "ACME-SECRET" in a_page and "BORE-SECRET" not in a_page
    assert login_as(world["a_firm_admin"]).post(f"/reminders/outbox/{b_rows[0].id}/retry").status_code == 404
    provider_page = login_as(world["provider_admin"]).get("/reminders/outbox").get_data(as_text=True)
    assert "ACME-SECRET" in provider_page and "BORE-SECRET" not in provider_page  # not assigned to firm B
    assert login_as(world["a_attorney"]).get("/reminders/outbox").status_code == 403

"""Acknowledging in the app or by a signed link stops a person's ladder reminders; links are bound and expire."""
import time
from datetime import date

from app.patents.reminders.delivery import deliver_pending
from app.patents.reminders.links import make_ack_token
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc


def sent_reminder(world, mailbox, due=date(2026, 3, 9)):
    matter = add_matter(world.firm_a, "ACME-9", attorney=world["a_attorney"])
    add_deadline(matter, due)
    run_sweep(utc(2026, 3, 2, 15, 0))
    [row] = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    return row


def test_acknowledging_in_the_app_stops_later_stages_but_not_escalation(world, mailbox, login_as):
    row = sent_reminder(world, mailbox)
    attorney = login_as(world["a_attorney"])
    assert b"ACME-9" in attorney.get("/reminders").data
    assert attorney.post(f"/reminders/{row.id}/acknowledge").status_code == 302
    run_sweep(utc(2026, 3, 6, 15, 0))  # 3 days left: the attorney's stage 3 is suppressed
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)] == ["7"]
    assert outbox_rows(world.firm_a, recipient_id=world["a_firm_admin"].id) == []  # somebody acknowledged
    run_sweep(utc(2026, 3, 10, 15, 0))  # overdue escalates regardless
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=world["a_firm_admin"].id)] == ["overdue"]


def test_someone_else_cannot_acknowledge_my_reminder(world, mailbox, login_as):
    row = sent_reminder(world, mailbox)
    assert login_as(world["a_paralegal"]).post(f"/reminders/{row.id}/acknowledge").status_code == 404


def test_signed_link_shows_on_get_and_acknowledges_only_on_post(world, mailbox, client):
    sent_reminder(world, mailbox)
    with tenant_scope(world.firm_a.id):
        deliver_pending(world.firm_a.id, now=utc(2026, 3, 2, 15, 0))
    body = mailbox.to(world["a_attorney"].email)[0].get_body(("plain",)).get_content()
    link = next(w for w in body.split() if "/reminders/ack/" in w).replace("https://desk.example", "")
    page = client.get(link)
    assert page.status_code == 200 and b"ACME-9" in page.data
    run_sweep(utc(2026, 3, 6, 15, 0))
    assert {r.stage for r in outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)} == {"7", "3"}
    assert client.post(link).status_code == 200
    assert [r.status for r in outbox_rows(world.firm_a, stage="3", recipient_id=world["a_attorney"].id)] == [
        "cancelled"]


def test_tampered_expired_and_cross_tenant_links_are_refused(app, world, mailbox, client):
    row = sent_reminder(world, mailbox)
    good = make_ack_token(world.firm_a.id, row.id, world["a_attorney"].id)
    assert client.post(f"/reminders/ack/{good[:-2]}xx").status_code == 400
    assert client.post(f"/reminders/ack/{make_ack_token(world.firm_b.id, row.id, world['a_attorney'].id)}"
                       ).status_code == 404
    assert client.post(f"/reminders/ack/{make_ack_token(world.firm_a.id, row.id, world['a_paralegal'].id)}"
                       ).status_code == 404
    app.config["REMINDER_ACK_MAX_AGE_SECONDS"] = 0
    time.sleep(1.1)
    expired = client.post(f"/reminders/ack/{good}")
    assert expired.status_code == 400 and b"expired" in expired.data
    assert outbox_rows(world.firm_a, id=row.id)[0].status == "pending"

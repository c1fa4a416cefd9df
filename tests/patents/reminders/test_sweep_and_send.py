"""The sweep writes due reminders once; delivery sends each once, as rich e-mail, and stays quiet when it should."""
from datetime import date

from app.extensions import db
from app.patents.docketing.operations import mark_done, record_event, update_event
from app.patents.reminders.jobs import sweep_and_deliver_inline
from app.patents.reminders.models import UserReminderPreference
from app.tenancy import tenant_scope
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc

NOW = utc(2026, 3, 2, 15, 0)  # 10:00 in New York, 16:00 in Berlin


def test_a_due_stage_is_sent_once_with_text_html_ics_and_links(world, mailbox):
    attorney = world["a_attorney"]
    matter = add_matter(world.firm_a, "ACME-0042", attorney=attorney, specialist=world["specialist_a"])
    add_deadline(matter, date(2026, 3, 9), final_due=date(2026, 6, 9))
    sweep_and_deliver_inline(NOW)
    sweep_and_deliver_inline(utc(2026, 3, 2, 15, 1))

    to_attorney = mailbox.to(attorney.email)
    assert len(to_attorney) == 1 and len(mailbox.to(world["specialist_a"].email)) == 1
    message = to_attorney[0]
    assert message["Subject"].strip() == "[ACME-0042] Reply to non-final Office action due in 7 days (2026-03-09)"
    rows = outbox_rows(world.firm_a, recipient_id=attorney.id)
    assert [(r.stage, r.status) for r in rows] == [("7", "sent")]
    assert message["Message-ID"] == f"<reminder-{world.firm_a.id}-{rows[0].id}@desk.example>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "17/123,456" in part and "2026-06-09" in part and "35 U.S.C. 133" in part and "+3 months" in part
        assert f"https://desk.example/matters/{matter.id}" in part and "https://desk.example/reminders/ack/" in part
    ics = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"][0]
    assert b"DTSTART;VALUE=DATE:20260309" in ics.get_payload(decode=True)


def test_escalation_goes_to_firm_admin_and_assigned_provider_admin_and_overdue_too(world, mailbox):
    matter = add_matter(world.firm_a, "ACME-0007", attorney=world["a_attorney"])
    add_deadline(matter, date(2026, 3, 4), final_due=date(2026, 6, 4))  # 2 days left: inside the 3-day window
    add_deadline(matter, date(2026, 2, 27), final_due=date(2026, 5, 27), label="Overdue reply")
    sweep_and_deliver_inline(NOW)
    admin_mail = sorted(m["Subject"].strip() for m in mailbox.to(world["a_firm_admin"].email))
    assert len(admin_mail) == 2
    assert admin_mail[0].startswith("ESCALATION: [ACME-0007]") and "overdue by 3 days" in " ".join(admin_mail)
    assert len(mailbox.to(world["provider_admin"].email)) == 2
    assert not mailbox.to(world["b_firm_admin"].email)


def test_digest_users_get_one_mail_at_the_firms_digest_hour(world, mailbox):
    attorney = world["a_attorney"]
    db.session.add(UserReminderPreference(user_id=attorney.id, delivery="digest"))
    db.session.commit()
    for number in range(3):
        matter = add_matter(world.firm_a, f"ACME-10{number}", attorney=attorney)
        add_deadline(matter, date(2026, 3, 9 + number * 7 if number < 2 else 4))
    sweep_and_deliver_inline(NOW)  # 10:00 New York: today's 08:00 digest has passed
    assert not mailbox.to(attorney.email)
    sweep_and_deliver_inline(utc(2026, 3, 3, 12, 59))  # 07:59 New York
    assert not mailbox.to(attorney.email)
    sweep_and_deliver_inline(utc(2026, 3, 3, 13, 0))  # 08:00 New York
    digests = mailbox.to(attorney.email)
    assert len(digests) == 1 and "Deadline digest: 3 reminders" in digests[0]["Subject"]
    assert digests[0]["Message-ID"].startswith(f"<digest-{world.firm_a.id}-")


def test_nothing_fires_for_done_superseded_missed_or_abandoned(world, mailbox):
    attorney = world["a_attorney"]
    live = add_matter(world.firm_a, "ACME-1", attorney=attorney)
    abandoned = add_matter(world.firm_a, "ACME-2", attorney=attorney, status="abandoned")
    for status in ("done", "superseded", "missed"):
        add_deadline(live, date(2026, 3, 9), status=status)
    add_deadline(abandoned, date(2026, 3, 9))
    sweep_and_deliver_inline(NOW)
    assert outbox_rows(world.firm_a) == [] and mailbox.messages == []


def test_a_deadline_closed_after_the_sweep_is_cancelled_at_send_time(world, mailbox):
    from app.patents.reminders.delivery import deliver_pending
    from app.patents.reminders.sweep import run_sweep
    matter = add_matter(world.firm_a, "ACME-3", attorney=world["a_attorney"])
    deadline = add_deadline(matter, date(2026, 3, 9))
    run_sweep(NOW)
    with tenant_scope(world.firm_a.id):
        mark_done(db.session.get(type(deadline), deadline.id), date(2026, 3, 2), world["a_attorney"].id)
        db.session.commit()
        deliver_pending(world.firm_a.id, now=NOW)
    assert mailbox.messages == []
    assert [(r.status, r.cancel_reason) for r in outbox_rows(world.firm_a)] == [("cancelled", "deadline done")]


def test_moving_a_deadline_cancels_the_queued_row_and_writes_the_new_stage(world, mailbox):
    from sqlalchemy import select

    from app.patents.docketing.models import Deadline
    from app.patents.reminders.sweep import run_sweep
    matter = add_matter(world.firm_a, "ACME-4", attorney=world["a_attorney"])
    with tenant_scope(world.firm_a.id):
        event = record_event(matter, "NONFINAL_OA", date(2026, 1, 7), {}, None)
        db.session.commit()
        deadline = db.session.execute(select(Deadline).where(Deadline.kind == "US_OA_REPLY")).scalar_one()
        first_due = deadline.current_due
    assert first_due == date(2026, 4, 7)
    run_sweep(utc(2026, 3, 31, 14, 0))
    [queued] = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    assert (queued.stage, queued.due_date, queued.status) == ("7", first_due, "pending")

    with tenant_scope(world.firm_a.id):
        update_event(event, date(2026, 1, 3), {}, None)
        db.session.commit()
        assert db.session.get(Deadline, deadline.id).current_due == date(2026, 4, 3)  # same id, moved in place
    run_sweep(utc(2026, 3, 31, 14, 1))
    rows = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    assert [(r.stage, r.due_date, r.status) for r in rows] == [
        ("7", first_due, "cancelled"), ("3", date(2026, 4, 3), "pending")]

"""No lost same-day reminders: digest readers get what cannot wait for the digest at once, and a deadline
docketed inside its ladder gets the rung it has already passed (the catch-up rule), once."""
from datetime import date

from app.extensions import db
from app.patents.reminders.jobs import sweep_and_deliver_inline
from app.patents.reminders.models import UserReminderPreference
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc

NOW = utc(2026, 3, 2, 15, 0)  # 10:00 in New York (Acme): the 08:00 digest has gone out today


def reads_digests(user):
    db.session.add(UserReminderPreference(user_id=user.id, delivery="digest"))
    db.session.commit()


def test_a_digest_reader_gets_a_deadline_docketed_for_today_at_once(world, mailbox):
    attorney = world["a_attorney"]
    reads_digests(attorney)
    add_deadline(add_matter(world.firm_a, "ACME-TODAY", attorney=attorney), date(2026, 3, 2), docketed_at=None)
    add_deadline(add_matter(world.firm_a, "ACME-LATER", attorney=attorney), date(2026, 3, 6), docketed_at=None)
    sweep_and_deliver_inline(NOW)
    [today] = mailbox.to(attorney.email)
    assert "[ACME-TODAY]" in today["Subject"] and "due today" in today["Subject"]
    [later] = outbox_rows(world.firm_a, recipient_id=attorney.id, delivery="digest")
    assert later.stage == "7" and later.status == "pending"  # due after the next digest: it waits for it
    sweep_and_deliver_inline(utc(2026, 3, 3, 13, 0))  # 08:00 New York: the digest
    assert len(mailbox.to(attorney.email)) == 2


def test_a_digest_reader_gets_each_rung_by_the_digest_when_it_comes_before_the_due_date(world, mailbox):
    attorney = world["a_attorney"]
    reads_digests(attorney)
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=attorney), date(2026, 3, 3))  # stage 1 today
    sweep_and_deliver_inline(NOW)
    assert len(mailbox.to(attorney.email)) == 0  # tomorrow's 08:00 digest comes before the due date
    sweep_and_deliver_inline(utc(2026, 3, 3, 5, 0))  # midnight: the day itself (stage 0), digest at 08:00 still
    assert len(mailbox.to(attorney.email)) == 0
    sweep_and_deliver_inline(utc(2026, 3, 3, 13, 0))
    [digest] = mailbox.to(attorney.email)
    assert "Deadline digest: 2 reminders" in digest["Subject"]


def test_a_sweep_missed_at_midnight_sends_the_due_today_rung_at_once(world, mailbox):
    attorney = world["a_attorney"]
    reads_digests(attorney)
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=attorney), date(2026, 3, 3))
    sweep_and_deliver_inline(NOW)
    sweep_and_deliver_inline(utc(2026, 3, 3, 14, 0))  # no sweep from midnight to 09:00: the digest has gone
    subjects = sorted(m["Subject"] for m in mailbox.to(attorney.email))
    assert len(subjects) == 2 and any("[ACME-1]" in s and "due today" in s for s in subjects)


def test_a_deadline_docketed_inside_its_ladder_gets_the_rung_it_passed_once(world, mailbox):
    attorney = world["a_attorney"]
    add_deadline(add_matter(world.firm_a, "ACME-NEW", attorney=attorney), date(2026, 3, 12), docketed_at=None)
    add_deadline(add_matter(world.firm_a, "ACME-OLD", attorney=attorney), date(2026, 3, 12))  # 10 days, old
    sweep_and_deliver_inline(NOW)  # 10 days left: the 14-day rung has passed
    [caught_up] = mailbox.to(attorney.email)
    assert "[ACME-NEW]" in caught_up["Subject"] and "due in 10 days" in caught_up["Subject"]
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney.id)] == ["14"]
    sweep_and_deliver_inline(utc(2026, 3, 2, 15, 1))
    sweep_and_deliver_inline(utc(2026, 3, 3, 15, 0))
    assert len(mailbox.to(attorney.email)) == 1  # once; older rungs (30, 60) are never sent
    sweep_and_deliver_inline(utc(2026, 3, 5, 15, 0))  # 7 days left: both follow the ladder again
    assert sorted(r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney.id)) == ["14", "7", "7"]


def test_the_digest_hour_follows_the_firms_clock_across_a_dst_change(world, mailbox):
    attorney = world["a_attorney"]
    reads_digests(attorney)
    add_deadline(add_matter(world.firm_a, "ACME-DST", attorney=attorney), date(2026, 3, 9))
    sweep_and_deliver_inline(utc(2026, 3, 8, 5, 0))  # midnight EST on 8 March, the night clocks spring forward
    [row] = outbox_rows(world.firm_a, recipient_id=attorney.id)
    assert row.stage == "1" and row.delivery == "digest"
    assert row.next_attempt_at.replace(tzinfo=None) == utc(2026, 3, 8, 12, 0).replace(tzinfo=None)  # 08:00 EDT
    sweep_and_deliver_inline(utc(2026, 3, 8, 11, 59))
    assert not mailbox.to(attorney.email)
    sweep_and_deliver_inline(utc(2026, 3, 8, 12, 0))
    assert len(mailbox.to(attorney.email)) == 1


def test_a_quiet_firm_is_swept_again_as_soon_as_a_deadline_is_docketed(world, mailbox):
    from app.patents.reminders.sweep import run_sweep
    attorney = world["a_attorney"]
    add_deadline(add_matter(world.firm_a, "ACME-OLD", attorney=attorney), date(2026, 3, 30))
    assert run_sweep(NOW).tenants == 2
    assert world.firm_a.id in run_sweep(utc(2026, 3, 2, 15, 1)).quiet  # swept today, nothing changed
    add_deadline(add_matter(world.firm_a, "ACME-NEW", attorney=attorney), date(2026, 3, 12), docketed_at=None)
    summary = run_sweep(utc(2026, 3, 2, 15, 2))
    assert world.firm_a.id not in summary.quiet and summary.written == 1
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney.id)] == ["14"]
    assert world.firm_a.id not in run_sweep(utc(2026, 3, 3, 15, 0)).quiet  # a new day: swept in full

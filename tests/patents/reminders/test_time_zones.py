"""'Due in N days' and the digest hour follow each firm's local date, near midnight and across DST changes."""
from datetime import date

from app.patents.reminders.policy import next_digest_at
from app.patents.reminders.sweep import run_sweep
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc


def test_near_midnight_new_york_and_berlin_are_on_different_days(world, mailbox):
    add_deadline(add_matter(world.firm_a, "ACME-TZ", attorney=world["a_attorney"]), date(2026, 3, 8))
    add_deadline(add_matter(world.firm_b, "BORE-TZ", attorney=world["b_attorney"]), date(2026, 3, 8))
    run_sweep(utc(2026, 3, 1, 22, 59))  # Berlin 23:59 on 1 March: 7 days left there; New York 17:59, 7 left too
    assert [r.stage for r in outbox_rows(world.firm_b)] == ["7"]
    assert [r.stage for r in outbox_rows(world.firm_a)] == ["7"]
    run_sweep(utc(2026, 3, 1, 23, 0))  # Berlin has reached 2 March (6 days): nothing new anywhere
    assert len(outbox_rows(world.firm_b)) == 1 and len(outbox_rows(world.firm_a)) == 1


def test_new_york_evening_is_still_yesterday(world, mailbox):
    add_deadline(add_matter(world.firm_a, "ACME-EVE", attorney=world["a_attorney"]), date(2026, 3, 9))
    add_deadline(add_matter(world.firm_b, "BORE-EVE", attorney=world["b_attorney"]), date(2026, 3, 9))
    run_sweep(utc(2026, 3, 2, 4, 59))  # New York 23:59 on 1 March (8 days left); Berlin 05:59 on 2 March (7)
    assert outbox_rows(world.firm_a) == [] and [r.stage for r in outbox_rows(world.firm_b)] == ["7"]
    run_sweep(utc(2026, 3, 2, 5, 0))  # New York midnight: 7 days left
    assert [r.stage for r in outbox_rows(world.firm_a)] == ["7"]


def test_the_day_of_a_us_dst_change(world, mailbox):
    add_deadline(add_matter(world.firm_a, "ACME-DST", attorney=world["a_attorney"]), date(2026, 3, 9))
    attorney = world["a_attorney"].id
    run_sweep(utc(2026, 3, 8, 4, 59))  # 23:59 EST on 7 March: 2 days left, no stage
    assert outbox_rows(world.firm_a, recipient_id=attorney) == []
    run_sweep(utc(2026, 3, 8, 5, 0))  # midnight on the Sunday clocks spring forward: 1 day left
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney)] == ["1"]
    run_sweep(utc(2026, 3, 9, 3, 59))  # 23:59 EDT: still Sunday
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney)] == ["1"]
    run_sweep(utc(2026, 3, 9, 4, 0))  # midnight EDT, one hour earlier in UTC than the day before
    assert [r.stage for r in outbox_rows(world.firm_a, recipient_id=attorney)] == ["1", "0"]


def test_the_night_berlin_changes_to_summer_time(world, mailbox):
    add_deadline(add_matter(world.firm_b, "BORE-DST", attorney=world["b_attorney"]), date(2026, 3, 30))
    attorney = world["b_attorney"].id
    run_sweep(utc(2026, 3, 28, 22, 59))  # 23:59 CET on 28 March
    assert outbox_rows(world.firm_b, recipient_id=attorney) == []
    run_sweep(utc(2026, 3, 28, 23, 0))  # midnight: 29 March, the short day
    assert [r.stage for r in outbox_rows(world.firm_b, recipient_id=attorney)] == ["1"]


def test_digest_hour_stays_at_local_time_across_dst():
    assert next_digest_at(utc(2026, 3, 7, 14, 0), "America/New_York", 8) == utc(2026, 3, 8, 12, 0)  # EDT from 8 March
    assert next_digest_at(utc(2026, 3, 6, 14, 0), "America/New_York", 8) == utc(2026, 3, 7, 13, 0)  # still EST
    assert next_digest_at(utc(2026, 10, 24, 7, 0), "Europe/Berlin", 8) == utc(2026, 10, 25, 7, 0)  # CET again
    assert next_digest_at(utc(2026, 10, 24, 5, 59), "Europe/Berlin", 8) == utc(2026, 10, 24, 6, 0)  # CEST

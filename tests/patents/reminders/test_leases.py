"""Claims that cannot lapse into duplicates: leases on the database clock, renewed, re-checked, released.

The incident this guards against: a cron run that started 11 minutes earlier (its ``now`` is old)
set leases that had already run out by the clock of a newer run, which then sent everything again.
"""
import time
from datetime import timedelta

import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, update

from app.extensions import db
from app.patents.reminders import delivery
from app.patents.reminders.delivery import _claim, deliver_pending, firm_delivery_lock
from app.patents.reminders.jobs import deliver_reminders, sweep_and_deliver_inline
from app.patents.reminders.models import OutboxMessage
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.conftest import BACKEND
from tests.patents.reminders.conftest import outbox_rows, utc
from tests.patents.reminders.test_concurrency import in_threads, many_due

NOW = utc(2026, 3, 2, 15, 0)
ELEVEN_MINUTES_LATER = NOW + timedelta(minutes=11)


def test_a_run_started_eleven_minutes_earlier_does_not_lose_its_claims(app, world, mailbox):
    many_due(world, 6)
    run_sweep(NOW)
    mailbox.delay = 0.05
    tenant_id = world.firm_a.id

    def deliver(now, wait_for=None):
        def work():
            if wait_for is not None:
                assert wait_for.wait(10)
            with tenant_scope(tenant_id):
                deliver_pending(tenant_id, now=now, batch_size=3)
                db.session.commit()
        return work
    # the newer run starts while the older one is in the middle of sending its first batch
    runs = iter([deliver(NOW), deliver(ELEVEN_MINUTES_LATER, wait_for=mailbox.receiving)])
    in_threads(app, 2, lambda: next(runs)())
    ids = [m["Message-ID"] for m in mailbox.to(world["a_attorney"].email)]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_two_overlapping_cron_runs_send_each_reminder_once(app, world, mailbox):
    many_due(world, 6)
    mailbox.delay = 0.05

    def newer_run_once_the_older_one_is_sending():
        assert mailbox.receiving.wait(10)
        sweep_and_deliver_inline(ELEVEN_MINUTES_LATER)
    runs = iter([lambda: sweep_and_deliver_inline(NOW), newer_run_once_the_older_one_is_sending])
    in_threads(app, 2, lambda: next(runs)())
    ids = [m["Message-ID"] for m in mailbox.to(world["a_attorney"].email)]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {r.status for r in outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)} == {"sent"}


def test_a_claim_taken_over_by_another_run_is_not_sent(world, mailbox):
    many_due(world, 2)
    run_sweep(NOW)
    with tenant_scope(world.firm_a.id):
        lease = _claim([r.id for r in outbox_rows(world.firm_a)], world.firm_a.id, NOW, 60)
        first, second = [r.id for r in outbox_rows(world.firm_a)][:2]
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == second).values(claim_token="another-run"))
        db.session.commit()
        assert lease.still_ours([second])  # fresh: nobody can have taken an unexpired row, no need to ask
        lease.renewed_at -= 60  # as if a third of the lease had passed: the next check asks the database
        assert not lease.still_ours([second])
        lease.renewed_at -= 60
        assert lease.still_ours([first])
        claimed_until = db.session.execute(select(OutboxMessage.claimed_until).where(
            OutboxMessage.id == first)).scalar_one()
        assert claimed_until.replace(tzinfo=None) > delivery.utcnow().replace(tzinfo=None)  # on the real clock


def test_a_failed_run_releases_what_it_had_not_sent(app, world, mailbox, monkeypatch):
    app.config["REMINDER_SMTP_CONNECTIONS"] = 1  # one send at a time: which rows were tried is certain
    many_due(world, 4)
    run_sweep(NOW)
    real_send, calls = delivery.SmtpConnection.send, []

    def time_runs_out_on_the_second(self, message, recipient, sender=None):
        calls.append(recipient)
        if len(calls) == 2:
            raise JobTimeoutException("job timed out")
        return real_send(self, message, recipient, sender)
    monkeypatch.setattr(delivery.SmtpConnection, "send", time_runs_out_on_the_second)
    with tenant_scope(world.firm_a.id), pytest.raises(JobTimeoutException):
        deliver_pending(world.firm_a.id, now=NOW)
    rows = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    assert [r.status for r in rows][:2] == ["sent", "pending"] and rows[1].attempts == 1  # tried: keeps it
    assert all(r.claim_token is None and r.claimed_until is None for r in rows)
    assert all(r.attempts == 0 for r in rows if r.status == "pending" and r.id != rows[1].id)  # never tried
    monkeypatch.setattr(delivery.SmtpConnection, "send", real_send)
    with tenant_scope(world.firm_a.id):
        deliver_pending(world.firm_a.id, now=NOW)
    ids = [m["Message-ID"] for m in mailbox.to(world["a_attorney"].email)]
    assert len(ids) == 4 and len(set(ids)) == 4


@pytest.mark.skipif(BACKEND != "postgresql", reason="advisory locks are PostgreSQL's")
def test_one_delivery_run_per_firm_at_a_time(app, world, mailbox):
    many_due(world, 1)
    run_sweep(NOW)
    with tenant_scope(world.firm_a.id), firm_delivery_lock(world.firm_a.id) as mine:
        assert mine
        assert deliver_reminders(world.firm_a.id) == {"skipped": "another run is delivering this firm's reminders"}
        assert mailbox.messages == []
    assert deliver_reminders(world.firm_a.id)["sent"] == 1
    time.sleep(0)


def test_message_ids_are_stable_per_row_and_per_digest_content(app):
    from types import SimpleNamespace

    from app.patents.reminders.delivery import message_id_for

    def rows(*ids, delivery="digest"):
        return [SimpleNamespace(id=i, tenant_id=3, delivery=delivery) for i in ids]
    assert message_id_for(rows(7, delivery="immediate")) == message_id_for(rows(7, delivery="immediate"))
    assert message_id_for(rows(5, 9)) == message_id_for(rows(9, 5))  # a retry of the same digest
    assert message_id_for(rows(5, 9)) != message_id_for(rows(5, 9, 12))  # retried with a new item: a new message

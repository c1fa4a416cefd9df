"""One bad row, one bad firm: every other reminder still goes out, and the bad one says why, visibly.

Poison data is written straight into the database (as an old import or a bug elsewhere could leave it):
the input checks on forms and the API must not be what keeps delivery alive.
"""
from datetime import date

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.patents.docketing.models import Matter
from app.patents.reminders import sweep as sweep_module
from app.patents.reminders.delivery import MAX_ATTEMPTS, deliver_pending
from app.patents.reminders.models import FirmSweep, OutboxMessage
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.conftest import BACKEND
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc

NOW = utc(2026, 3, 2, 15, 0)
DUE = date(2026, 3, 9)  # 7 days ahead: a ladder stage for firms in both time zones


def _poison(tenant, matter_id, reference):
    with tenant_scope(tenant.id):
        db.session.execute(update(Matter.__table__).where(Matter.__table__.c.tenant_id == tenant.id,
                                                          Matter.__table__.c.id == matter_id)
                           .values(reference=reference))
        db.session.commit()


def _deliver(tenant, now=NOW):
    with tenant_scope(tenant.id):
        report = deliver_pending(tenant.id, now=now, batch_size=2)
        db.session.commit()
        return report


@pytest.mark.parametrize("reference", ["ACME-\r\nBcc: victim@example.com", "ACME-\n2", "ACME-\r"])
def test_a_line_break_in_a_matter_reference_neither_injects_a_header_nor_stops_delivery(world, mailbox, reference):
    attorney = world["a_attorney"]
    matters = [add_matter(world.firm_a, f"ACME-{n}", attorney=attorney) for n in range(4)]
    for matter in matters:
        add_deadline(matter, DUE)
    _poison(world.firm_a, matters[0].id, reference)  # the first row claimed, every time
    run_sweep(NOW)
    report = _deliver(world.firm_a)
    assert (report.sent, report.failed) == (4, 0)
    assert len(mailbox.to(attorney.email)) == 4
    assert all(m["Bcc"] is None and "\n" not in m["Subject"] for m in mailbox.messages)


def test_a_bad_recipient_address_fails_that_row_only(world, mailbox, login_as):
    good = add_matter(world.firm_a, "ACME-GOOD", attorney=world["a_attorney"])
    bad = add_matter(world.firm_a, "ACME-BAD", attorney=world["a_paralegal"])
    add_deadline(good, DUE)
    add_deadline(bad, DUE)
    person = type(world["a_paralegal"])
    db.session.execute(update(person).where(person.id == world["a_paralegal"].id)
                       .values(email="para\r\nlegal@acme.test"))
    db.session.commit()
    run_sweep(NOW)
    report = _deliver(world.firm_a)
    assert report.sent >= 1 and report.failed == 1
    assert len(mailbox.to(world["a_attorney"].email)) >= 1
    [failed] = outbox_rows(world.firm_a, status="failed")
    assert "could not build the message" in failed.last_error and failed.claim_token is None
    assert _deliver(world.firm_a).sent == 0  # not claimed again and again
    page = login_as(world["a_firm_admin"]).get("/reminders/outbox?status=failed").get_data(as_text=True)
    assert "e-mail address contains characters" in page


def test_attempts_are_capped_when_every_attempt_is_interrupted(world, mailbox):
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), DUE)
    run_sweep(NOW)
    [row] = outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)
    with tenant_scope(world.firm_a.id):  # as a worker killed mid-send leaves it, MAX_ATTEMPTS times over
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            attempts=MAX_ATTEMPTS, claim_token="killed", claimed_until=utc(2026, 3, 2, 14, 50)))
        db.session.commit()
    assert _deliver(world.firm_a).sent == 0
    [after] = outbox_rows(world.firm_a, id=row.id)
    assert after.status == "failed" and "interrupted" in after.last_error
    assert mailbox.messages == []


def test_one_firms_failing_sweep_stops_no_other_firm_and_is_retried(world, mailbox, monkeypatch):
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), DUE)
    add_deadline(add_matter(world.firm_b, "BORE-1", attorney=world["b_attorney"]), DUE)
    real = sweep_module.write_escalations

    def broken_for_firm_a(tenant_id, *args):
        if tenant_id == world.firm_a.id:
            raise RuntimeError("simulated fault half-way through firm A's sweep")
        return real(tenant_id, *args)
    monkeypatch.setattr(sweep_module, "write_escalations", broken_for_firm_a)
    summary = run_sweep(NOW)
    assert summary.failed == [world.firm_a.id] and summary.tenants_with_mail == [world.firm_b.id]
    assert outbox_rows(world.firm_a) == []  # rolled back: nothing half-written
    with tenant_scope(world.firm_a.id):
        state = db.session.execute(select(FirmSweep)).scalar_one()
        assert state.last_minute is None and state.failures_in_a_row == 1
        assert state.last_error == "failed with RuntimeError"

    monkeypatch.setattr(sweep_module, "write_escalations", real)
    again = run_sweep(NOW)  # the same minute: firm A is swept now, firm B is not swept twice
    assert again.tenants == 1 and again.quiet == [world.firm_b.id] and again.failed == []
    assert len(outbox_rows(world.firm_a, recipient_id=world["a_attorney"].id)) == 1
    assert len(outbox_rows(world.firm_b, recipient_id=world["b_attorney"].id)) == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="lock_timeout is PostgreSQL's")
def test_a_lock_held_on_one_firms_rows_delays_no_other_firm(app, world, mailbox, monkeypatch):
    from sqlalchemy import create_engine
    monkeypatch.setattr(sweep_module, "FIRM_LOCK_TIMEOUT", "300ms")
    overdue = add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), date(2026, 2, 1))
    add_deadline(add_matter(world.firm_b, "BORE-1", attorney=world["b_attorney"]), DUE)
    owner = create_engine(app.config["MIGRATION_DATABASE_URL"])
    with owner.connect() as holder:  # someone else's long transaction holds firm A's overdue deadline
        holder.execute(text("SELECT set_config('app.tenant_ids', :ids, true)"), {"ids": str(world.firm_a.id)})
        locked = holder.execute(text("SELECT id FROM deadlines WHERE id = :id FOR UPDATE"), {"id": overdue.id})
        assert locked.first() is not None
        summary = run_sweep(NOW)
        holder.rollback()
    owner.dispose()
    assert summary.failed == [world.firm_a.id] and summary.tenants_with_mail == [world.firm_b.id]
    with tenant_scope(world.firm_a.id):
        assert "lock" in db.session.execute(select(FirmSweep.last_error)).scalar_one()
    assert run_sweep(NOW).failed == []  # the lock is gone: the same minute is swept for firm A now


def test_sweeps_are_recorded_in_their_own_tables_not_the_audit_log(world, mailbox):
    from datetime import timedelta

    from sqlalchemy import func

    from app.models import AuditEntry
    from app.patents.reminders.models import SweepRun
    add_deadline(add_matter(world.firm_a, "ACME-1", attorney=world["a_attorney"]), DUE)
    run_sweep(NOW)  # the first sweep copies the provider's defaults into each firm's policy
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    for minute in range(1, 4):
        run_sweep(NOW + timedelta(minutes=minute))
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() == before
    runs = db.session.execute(select(SweepRun).order_by(SweepRun.minute)).scalars().all()
    assert len(runs) == 4 and all(r.finished_at and r.firms_failed == 0 for r in runs)
    assert [r.firms_swept for r in runs] == [2, 0, 0, 0]  # then nothing changed: quiet, not swept again
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(FirmSweep.last_minute)).scalar_one() == "202603021500"

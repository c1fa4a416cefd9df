"""Deadline reminders on the real processes while Redis goes away: nothing dies, nothing is lost or sent twice.

The scheduler runs on a simulated clock (``--now``, a minute every few real seconds), so a minute tick
falls inside the outage within seconds; the SMTP server is a recording aiosmtpd on the deployment's
MAIL_PORT. Redis is the deployment's own redis-server (no persistence): killing it loses every queued
job, as the worst real outage would.
"""
from __future__ import annotations

import time
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from tests.patents.reminders.conftest import RecordingHandler, add_deadline, add_matter
from tests.production.harness import wait_until

MINUTE_SECONDS = 4
DUE = date(2026, 3, 9)  # 7 days after the simulated 2 March: a ladder rung in New York and in Berlin


@pytest.fixture
def mail_sink(deployment):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=int(deployment.env["MAIL_PORT"]))
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def simulated_scheduler(app, deployment):
    """Swap the deployment's scheduler for one on a simulated clock; put the usual one back afterwards."""
    usual = list(deployment.scheduler.command)
    deployment.scheduler.stop()

    def start(now_iso: str):
        deployment.scheduler.command = usual + ["--now", now_iso, "--minute-seconds", str(MINUTE_SECONDS)]
        return deployment.scheduler.start()
    yield start
    deployment.scheduler.stop()
    deployment.scheduler.command = usual


def portfolio(world, per_firm=3):
    for firm, attorney in ((world.firm_a, world["a_attorney"]), (world.firm_b, world["b_attorney"])):
        for number in range(per_firm):
            add_deadline(add_matter(firm, f"{firm.slug.upper()}-{number}", attorney=attorney), DUE)
    return 2 * per_firm


def test_reminders_survive_redis_down_across_a_tick_and_mid_delivery(world, deployment, mail_sink,
                                                                     simulated_scheduler):
    expected = portfolio(world)
    mail_sink.delay = 0.4
    worker_pid = deployment.worker.pid

    deployment.redis.kill()  # down before the first tick of the simulated clock, and across it
    scheduler = simulated_scheduler("2026-03-02T14:59:30+00:00")
    time.sleep(MINUTE_SECONDS * 1.5)
    assert scheduler.running and deployment.worker.running, deployment.logs()
    deployment.redis.start().wait_ready()

    wait_until(mail_sink.receiving.is_set, timeout=60, what="delivery under way after Redis returned")
    deployment.redis.kill()  # mid-delivery: the queued delivery of the other firm is lost with Redis
    time.sleep(4)
    assert scheduler.running and deployment.worker.running, deployment.logs()
    deployment.redis.start().wait_ready()

    wait_until(lambda: len(mail_sink.messages) >= expected, timeout=90, what=f"{expected} reminders delivered")
    time.sleep(MINUTE_SECONDS)  # another minute: nothing more may arrive
    ids = [m["Message-ID"] for m in mail_sink.messages]
    assert len(ids) == expected and len(set(ids)) == expected, deployment.logs()
    assert deployment.worker.pid == worker_pid and deployment.worker.running  # no restart by anyone
    assert "Redis is unreachable" in deployment.scheduler.log_text()


class FaultySmtp(RecordingHandler):
    """Answers by the matter in the subject: '451 once', 'stored, then the connection drops before 250, once',
    '550 always'; everything else is accepted."""

    def __init__(self, plan: dict[str, str]):
        super().__init__()
        self.plan, self.seen = plan, set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email as email_module
        from email import policy as email_policy
        message = email_module.message_from_bytes(envelope.content, policy=email_policy.default)
        fault = next((f for ref, f in self.plan.items() if f"[{ref}]" in str(message["Subject"])), None)
        first = message["Message-ID"] not in self.seen
        self.seen.add(message["Message-ID"])
        if fault == "550":
            return "550 5.1.1 no such mailbox"
        if fault == "451" and first:
            return "451 4.3.0 try again later"
        self.messages.append(message)
        if fault == "drop" and first:
            server.transport.close()  # stored, but the 250 never reaches the sender
            return "421 closing"
        return "250 OK"


def test_smtp_faults_on_the_real_processes(app, world, deployment, simulated_scheduler):
    from app.extensions import db
    from app.patents.reminders.models import OutboxMessage
    from app.tenancy import tenant_scope
    portfolio(world)
    sink = FaultySmtp({"ACME-0": "451", "ACME-1": "drop", "BOREALIS-0": "550"})
    controller = Controller(sink, hostname="127.0.0.1", port=int(deployment.env["MAIL_PORT"]))
    controller.start()
    try:
        simulated_scheduler("2026-03-02T14:59:58+00:00")
        # the 451 is retried 60 simulated seconds later: a few real seconds on the scheduler's clock
        wait_until(lambda: len({m["Message-ID"] for m in sink.messages}) >= 5, timeout=90,
                   what="every deliverable reminder stored")
        time.sleep(MINUTE_SECONDS)
    finally:
        controller.stop()
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(set(ids)) == 5, deployment.logs()
    duplicates = len(ids) - len(set(ids))
    assert duplicates == 1  # the one whose 250 was lost: sent again with the same Message-ID
    with tenant_scope(world.firm_b.id):
        db.session.expire_all()
        failed = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.status == "failed")).scalars().all()
        assert len(failed) == 1 and "550" in failed[0].last_error


def test_a_line_break_in_a_matter_reference_stops_nothing_on_the_real_processes(app, world, deployment, mail_sink,
                                                                                 simulated_scheduler):
    from sqlalchemy import update

    from app.extensions import db
    from app.patents.docketing.models import Matter
    from app.tenancy import tenant_scope
    expected = portfolio(world)
    with tenant_scope(world.firm_a.id):  # straight into the database, past every input check
        matters = Matter.__table__
        db.session.execute(update(matters).where(matters.c.tenant_id == world.firm_a.id,
                                                 matters.c.reference == "ACME-0")
                           .values(reference="ACME-0\r\nBcc: victim@example.com"))
        db.session.commit()
    simulated_scheduler("2026-03-02T14:59:58+00:00")
    wait_until(lambda: len(mail_sink.messages) >= expected, timeout=60, what="every reminder delivered")
    time.sleep(MINUTE_SECONDS)
    assert len(mail_sink.messages) == expected
    assert all(m["Bcc"] is None for m in mail_sink.messages)

"""The per-minute jobs and command: reminder sweep and delivery, notification e-mails, `flask reminders sweep`."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import click
from sqlalchemy import select

from ...extensions import db
from ...jobs import app_context, enqueue, tenant_job
from ...models import Tenant, utcnow
from ...tenancy import tenant_scope
from ..notifications.email import email_pending
from .delivery import DEFAULT_LEASE_SECONDS, deliver_pending, firm_delivery_lock
from .sweep import run_sweep

log = logging.getLogger("patentdesk.reminders")

def sweep_job_id(minute: datetime) -> str:
    return f"reminder-sweep-{minute.astimezone(UTC):%Y%m%d%H%M}"


def sweep_and_enqueue_delivery(minute_iso: str | None = None) -> dict | None:
    """The periodic job: sweep every firm, queueing each firm's delivery as soon as its sweep has committed.

    A firm whose sweep failed is reported in the result and in its FirmSweep row; the job itself
    succeeds, so RQ does not re-run the firms that went well (the next minute retries the failed one).
    """
    with app_context():
        now = datetime.fromisoformat(minute_iso) if minute_iso else None
        minute = sweep_job_id(now or utcnow()).rsplit("-", 1)[1]

        def queue_delivery(tenant_id: int) -> None:
            enqueue("reminders", deliver_reminders, tenant_id, now_iso=minute_iso,
                    job_id=f"reminder-send-{tenant_id}-{minute}")
        summary = run_sweep(now, on_firm_swept=queue_delivery)
        if summary.already_swept:
            return None
        enqueue("reminders", email_notifications_everywhere, job_id=f"notification-email-{summary.minute}")
        return {"minute": summary.minute, "written": summary.written, "cancelled": summary.cancelled,
                "firms failed": summary.failed}


@tenant_job
def deliver_reminders(tenant_id: int, lease_seconds: int = DEFAULT_LEASE_SECONDS, now_iso: str | None = None) -> dict:
    """One firm's delivery; ``now_iso``: the minute of the sweep that queued it (the scheduler's clock)."""
    with firm_delivery_lock(tenant_id) as mine:
        if not mine:
            return {"skipped": "another run is delivering this firm's reminders"}
        now = datetime.fromisoformat(now_iso) if now_iso else None
        report = deliver_pending(tenant_id, now=now, lease_seconds=lease_seconds)
        return vars(report)


def _active_tenant_ids() -> list[int]:
    return db.session.execute(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).scalars().all()


def email_notifications_everywhere(now: datetime | None = None) -> int:
    """Work-request notifications by e-mail for those who asked, firm by firm (in each firm's scope)."""
    with app_context():
        sent = 0
        for tenant_id in _active_tenant_ids():
            with tenant_scope(tenant_id):
                sent += email_pending(tenant_id, now)
        return sent


def sweep_and_deliver_inline(now: datetime | None) -> tuple:
    """What the cron line runs when there is no Redis: the sweep, then delivery for every tenant, in-process."""
    summary = run_sweep(now)
    totals = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    for tenant_id in _active_tenant_ids():
        try:
            with tenant_scope(tenant_id), firm_delivery_lock(tenant_id) as mine:
                if not mine:
                    log.info("firm %s: another run is delivering its reminders; leaving them to it", tenant_id)
                    continue
                report = deliver_pending(tenant_id, now=now)
                db.session.commit()
        except Exception:  # noqa: BLE001 - one firm's trouble stops no other firm's mail
            db.session.rollback()
            log.exception("reminder delivery for firm %s failed; the other firms go on", tenant_id)
            continue
        for key, value in vars(report).items():
            totals[key] += value
    totals["notification e-mails"] = email_notifications_everywhere(now)
    return summary, totals


@click.command("sweep")
@click.option("--now", "now_text", default=None, help="Pretend it is this moment (ISO 8601, default: now, UTC).")
def sweep_command(now_text: str | None) -> None:
    """Decide which reminders are due, write them to the outbox and send them (cron, once a minute)."""
    now = None
    if now_text:
        now = datetime.fromisoformat(now_text)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    summary, totals = sweep_and_deliver_inline(now)
    if summary.already_swept:
        click.echo("This minute was already swept; delivered what was waiting.")
    else:
        click.echo(f"Swept {summary.tenants} firms at {summary.minute}: {summary.written} reminders written, "
                   f"{summary.cancelled} cancelled, {summary.missed} deadlines marked missed.")
    if summary.failed:
        click.echo(f"The sweep failed for {len(summary.failed)} firm(s): ids {summary.failed} (see the log; "
                   "the next run tries again).")
    click.echo("Delivery: " + ", ".join(f"{count} {what}" for what, count in totals.items()))

"""Offboarding a firm: deactivate now, keep for a retention period (exports stay possible), then delete every trace.

Deletion destroys the firm's data keys first (crypto-shredding: whatever copy of a file survives is
unreadable), then deletes every row app/firm_data.py says is the firm's, its files, its private search
collection, its jobs and its people's throttle keys in Redis, and its audit trail; last, it writes one
provider-level audit entry with what was deleted, in counts, never content.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import create_engine, delete, select, update

from . import accounts, audit, files, firm_data, keys
from .extensions import db
from .models import AuditEntry, Tenant, User, utcnow
from .tenancy import tenant_scope

log = logging.getLogger("patentdesk.offboarding")


class OffboardingError(ValueError):
    """An offboarding step that cannot be done; the message says why."""


def offboard(tenant: Tenant, now: datetime | None = None) -> datetime:
    """Deactivate the firm and set its deletion date; its people are signed out and their API tokens stop."""
    from .api.tokens import ApiToken

    if tenant.offboarded_at is not None:
        raise OffboardingError(f"{tenant.name} is already being offboarded.")
    now = now or utcnow()
    retention = timedelta(days=current_app.config["OFFBOARDING_RETENTION_DAYS"])
    tenant.active, tenant.offboarded_at, tenant.delete_after = False, now, now + retention
    for person in db.session.execute(select(User).where(User.home_tenant_id == tenant.id)).scalars():
        accounts.end_all_sessions(person, reason="firm offboarded")
    db.session.execute(update(ApiToken).where(ApiToken.tenant_id == tenant.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    audit.record("firm_offboarded", tenant_id=tenant.id, target=tenant,
                 summary=f"{tenant.name} offboarded: deactivated, to be deleted after {tenant.delete_after:%Y-%m-%d}")
    return tenant.delete_after


def cancel(tenant: Tenant) -> None:
    """Keep the firm after all (before its deletion date): active again, nothing deleted."""
    if tenant.offboarded_at is None:
        raise OffboardingError(f"{tenant.name} is not being offboarded.")
    tenant.active, tenant.offboarded_at, tenant.delete_after = True, None, None
    audit.record("firm_offboarding_cancelled", tenant_id=tenant.id, target=tenant,
                 summary=f"offboarding of {tenant.name} cancelled")


@dataclass
class DeletionReport:
    tenant_id: int
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    data_keys: int = 0
    index_dropped: bool = False
    redis_keys: int = 0
    audit_entries: int = 0

    def as_details(self) -> dict:
        return {"firm_id": self.tenant_id, "rows": {k: v for k, v in sorted(self.rows.items()) if v},
                "files": self.files, "data_keys_destroyed": self.data_keys, "private_index_dropped": self.index_dropped,
                "redis_keys": self.redis_keys, "audit_entries": self.audit_entries}


def delete_firm(tenant_id: int) -> DeletionReport:
    """Delete every trace of the firm. Irreversible: call only for a firm past its deletion date."""
    report = DeletionReport(tenant_id)
    person_ids = firm_data.people_ids(tenant_id)
    emails = firm_data.people_emails(person_ids)
    audit_condition = firm_data.audit_condition(tenant_id, person_ids)  # before the people are gone
    with tenant_scope(tenant_id):
        report.data_keys = keys.destroy_data_keys(tenant_id)  # first: any surviving copy is now unreadable
        db.session.commit()
        report.files = _delete_files(tenant_id)
        for table in reversed(firm_data.tenant_tables()):
            report.rows[table.name] = db.session.execute(delete(table).where(table.c.tenant_id == tenant_id)).rowcount
        for table in firm_data.person_tables():
            report.rows[table.name] = db.session.execute(
                delete(table).where(table.c.user_id.in_(person_ids or [-1]))).rowcount
        report.rows["users"] = db.session.execute(
            delete(User.__table__).where(User.__table__.c.home_tenant_id == tenant_id)).rowcount
        report.rows["tenants"] = db.session.execute(
            delete(Tenant.__table__).where(Tenant.__table__.c.id == tenant_id)).rowcount
        db.session.commit()
    report.index_dropped = _drop_private_collection(tenant_id)
    report.redis_keys = _purge_redis(tenant_id, emails)
    report.audit_entries = _delete_audit_trail(audit_condition)
    audit.record("firm_deleted", summary=f"firm #{tenant_id} deleted after offboarding",
                 details=report.as_details())  # provider level: no subject firm any more
    db.session.commit()
    log.info("firm %s deleted: %s", tenant_id, report.as_details())
    return report


def delete_due_firms(now: datetime | None = None) -> list[DeletionReport]:
    """Delete every offboarded firm whose retention period is over (daily, from cron or the scheduler)."""
    now = now or utcnow()
    due = list(db.session.execute(select(Tenant.id).where(Tenant.delete_after.is_not(None),
                                                          Tenant.delete_after <= now)).scalars())
    return [delete_firm(tenant_id) for tenant_id in due]


def _delete_files(tenant_id: int) -> int:
    directory = files.tenant_directory(tenant_id)
    if not directory.exists():
        return 0
    count = sum(1 for path in directory.iterdir() if path.is_file())
    shutil.rmtree(directory)
    return count


def _drop_private_collection(tenant_id: int) -> bool:
    from .patents.search import corpus
    return corpus.drop_private_collection(tenant_id)


def _purge_redis(tenant_id: int, emails: list[str]) -> int:
    """Jobs of this firm (their payloads, results and errors) and throttle keys that name its people."""
    from rq.job import Job

    from .jobs import redis_connection

    connection = redis_connection()
    if connection is None:
        return 0
    deleted = 0
    for key in list(connection.scan_iter(match="rq:job:*", count=500)):
        job_id = key.decode().removeprefix("rq:job:")
        if ":" in job_id:
            continue  # a job's side keys go with the job
        try:
            job = Job.fetch(job_id, connection=connection)
            takes_tenant = getattr(job.func, "takes_tenant_id", False)
        except Exception:  # noqa: BLE001 - a job whose function no longer imports is none of this firm's
            continue
        if takes_tenant and job.args and job.args[0] == tenant_id:
            job.delete(remove_from_queue=True)
            deleted += 1
    for email in emails:
        pattern = "*" + "".join("\\" + ch if ch in "*?[]\\" else ch for ch in email.lower()) + "*"
        for key in list(connection.scan_iter(match=pattern, count=500)):
            deleted += connection.delete(key)
    return deleted


def _delete_audit_trail(condition) -> int:
    """The audit log is append-only for the app's database role; deleting a firm's trail is the owner's job."""
    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    if owner_url:
        engine = create_engine(owner_url)
        try:
            with engine.begin() as connection:
                return connection.execute(delete(AuditEntry.__table__).where(condition)).rowcount
        finally:
            engine.dispose()
    deleted = db.session.execute(delete(AuditEntry.__table__).where(condition)).rowcount
    db.session.commit()
    return deleted


def firms_being_offboarded() -> list[Tenant]:
    return list(db.session.execute(select(Tenant).where(Tenant.offboarded_at.is_not(None))
                                   .order_by(Tenant.delete_after)).scalars())



def init_app(app) -> None:
    import click

    @app.cli.group("firms")
    def firms_group():
        """Offboarded firms."""

    @firms_group.command("delete-due")
    @click.option("--now", "now_text", help="ISO date-time to act as now (default: the current time)")
    def delete_due_command(now_text):
        """Delete every offboarded firm past its retention period (run daily from cron)."""
        now = datetime.fromisoformat(now_text) if now_text else None
        for report in delete_due_firms(now):
            click.echo(f"firm #{report.tenant_id}: {sum(report.rows.values())} rows, {report.files} files, "
                       f"{report.audit_entries} audit entries, {report.redis_keys} Redis keys deleted; "
                       f"data key destroyed.")

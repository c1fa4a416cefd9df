"""The append-only audit log: explicit entries (sign-ins, sign-offs) and automatic create/update/delete."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from .extensions import db
from .models import AuditEntry, utcnow
from .utc import as_utc


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    remote_addr: str | None = None
    request_id: str | None = None


SYSTEM = Actor(None, "system")
_actor: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)


def set_actor(actor: Actor):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


@contextmanager
def acting_as(actor: Actor):
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def record(action: str, *, summary: str = "", tenant_id: int | None = None, target=None,
           details: dict | None = None, actor: Actor | None = None) -> None:
    """Add an explicit entry to the current transaction."""
    who = actor or _actor.get()
    db.session.add(AuditEntry(
        at=utcnow(), actor_user_id=who.user_id, actor_label=who.label, subject_tenant_id=tenant_id,
        action=action, target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None), summary=summary, details=details,
        remote_addr=who.remote_addr, request_id=who.request_id,
    ))


def visible_entries(user, tenant_id: int | None):
    """The audit query a person may browse: a firm admin sees their firm; a provider admin any tenant."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if user.role == "firm_admin":
        return query.where(AuditEntry.subject_tenant_id == user.home_tenant_id)
    if user.role == "provider_admin":
        return query if tenant_id is None else query.where(AuditEntry.subject_tenant_id == tenant_id)
    raise PermissionError("only admins browse the audit log")


EXPORT_COLUMNS = ("id", "at", "actor_user_id", "actor_label", "subject_tenant_id", "action", "target_type",
                  "target_id", "summary", "details", "remote_addr", "request_id")


def entries_between(query, start: datetime, end: datetime):
    """The entries of a visible_entries() query from start (inclusive) to end (exclusive), oldest first."""
    return query.where(AuditEntry.at >= start, AuditEntry.at < end).order_by(None).order_by(AuditEntry.at,
                                                                                            AuditEntry.id)


def entry_as_dict(entry: AuditEntry) -> dict:
    row = {column: getattr(entry, column) for column in EXPORT_COLUMNS}
    row["at"] = as_utc(entry.at).isoformat()
    return row


def export_lines(query, fmt: str) -> Iterator[str]:
    """The entries as CSV (spreadsheet-safe cells) or as a JSON array, streamed in batches."""
    from .patents.docketing.exports import _csv_safe

    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for entry in db.session.execute(query.execution_options(yield_per=500)).scalars():
            row = entry_as_dict(entry)
            row["details"] = json.dumps(row["details"], sort_keys=True) if row["details"] is not None else ""
            writer.writerow([_csv_safe(row[column]) for column in EXPORT_COLUMNS])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        return
    separator = "[\n"
    for entry in db.session.execute(query.execution_options(yield_per=500)).scalars():
        yield separator + json.dumps(entry_as_dict(entry), sort_keys=True)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def _tenant_of(obj) -> int | None:
    for attribute in ("tenant_id", "home_tenant_id"):
        if hasattr(obj, attribute):
            return getattr(obj, attribute)
    return None


def _changed_fields(obj) -> list[str]:
    state = inspect(obj)
    return sorted(attr.key for attr in state.attrs if attr.history.has_changes())


def _label(obj) -> str:
    for attribute in ("reference", "email", "name", "title", "kind"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return f"#{getattr(obj, 'id', '?')}"


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")


@event.listens_for(Session, "after_flush")
def _audit_changes(session, flush_context) -> None:
    who = _actor.get()
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not getattr(type(obj), "__audit__", False):
                continue
            details = None
            if action == "update":
                changed = _changed_fields(obj)
                if not changed:
                    continue
                details = {"changed": changed}
            rows.append({
                "at": utcnow(), "actor_user_id": who.user_id, "actor_label": who.label,
                "subject_tenant_id": _tenant_of(obj), "action": action, "target_type": type(obj).__name__,
                "target_id": obj.id, "summary": f"{action} {type(obj).__name__} {_label(obj)}",
                "details": details, "remote_addr": who.remote_addr, "request_id": who.request_id,
            })
    if rows:
        # A Core insert: adding ORM objects during a flush is not supported.
        session.connection().execute(insert(AuditEntry), rows)

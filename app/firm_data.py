"""Everything that belongs to one firm, in one place: the export archive reads it from here, offboarding deletes it.

Every table of the schema is classified below (tests/test_firm_export.py fails on a new, unclassified
table), so an export is complete and an offboarding leaves nothing behind:
- a table with a ``tenant_id`` column holds the firm's rows directly;
- ``PER_PERSON_TABLES`` hold rows of the firm's people (``user_id``);
- ``tenants``, ``users`` and ``audit_entries`` hold the firm's row, its people and its audit trail;
- ``PROVIDER_TABLES`` belong to the provider, with the reason.
Secrets are never exported: ``NOT_EXPORTED`` tables and ``HIDDEN_COLUMNS`` stay out of the archive.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Table, or_, select

from . import files
from .extensions import db
from .models import AuditEntry, Tenant, User, utcnow

FORMAT = "patentdesk-firm-export/1"
# Earlier exports are not packed into later ones.
EXPORT_PURPOSE = files.FilePurpose.FIRM_EXPORT
PER_PERSON_TABLES = ("login_sessions", "calendar_feeds", "notification_preferences", "reminder_user_preferences",
                     "totp_authenticators", "recovery_codes", "security_keys")
PROVIDER_TABLES = {
    "checklist_templates": "the provider's drafting checklist templates, shared by every firm",
    "checklist_template_versions": "versions of those templates, written by provider admins",
    "declared_closures": "office closures declared by provider admins, with their citations (no firm data)",
    "patent_documents": "the public patent corpus",
    "reminder_provider_defaults": "the provider's default reminder ladders",
    "reminder_sweep_runs": "when the reminder sweep ran: minutes and counts, no firm data",
}
NOT_EXPORTED = {
    "firm_data_keys": "key material (wrapped or not) never leaves the database; the files are exported decrypted",
    "totp_authenticators": "second-factor seeds are secrets",
    "recovery_codes": "hashes of second-factor recovery codes are secrets",
    "security_keys": "security-key credentials are bound to this site and useless elsewhere",
}
HIDDEN_COLUMNS = {"users": {"password_hash"}, "api_tokens": {"secret_hash"}, "login_sessions": {"token_hash"},
                  "calendar_feeds": {"token_hash"}}


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def tenant_tables() -> list[Table]:
    """Tables with a tenant_id column, parents before children."""
    return [t for t in db.metadata.sorted_tables if "tenant_id" in t.columns]


def person_tables() -> list[Table]:
    return [_table(name) for name in PER_PERSON_TABLES]


def unclassified_tables() -> list[str]:
    known = {t.name for t in tenant_tables()} | set(PER_PERSON_TABLES) | set(PROVIDER_TABLES) | {
        "tenants", "users", "audit_entries"}
    return sorted(name for name in db.metadata.tables if name not in known)


def people_ids(tenant_id: int) -> list[int]:
    return list(db.session.execute(select(User.id).where(User.home_tenant_id == tenant_id)).scalars())


def people_emails(person_ids: list[int]) -> list[str]:
    return list(db.session.execute(select(User.email).where(User.id.in_(person_ids or [-1]))).scalars())


def audit_condition(tenant_id: int, person_ids: list[int]):
    """The firm's audit trail: entries about the firm, its row, its people, and failed sign-ins naming them
    (those have no firm: the summary written by app/blueprints/auth.py is all that names the account)."""
    failed_sign_ins = [f"failed sign-in for {email}" for email in people_emails(person_ids)]
    return or_(AuditEntry.subject_tenant_id == tenant_id,
               (AuditEntry.target_type == "Tenant") & (AuditEntry.target_id == tenant_id),
               (AuditEntry.target_type == "User") & AuditEntry.target_id.in_(person_ids or [-1]),
               (AuditEntry.action == "sign_in_failed") & AuditEntry.summary.in_(failed_sign_ins or ["-"]))


def _statements(tenant_id: int) -> list[tuple[str, object]]:
    """(table name, select of the firm's rows) for every exported table. Call inside the firm's tenant scope."""
    person_ids = people_ids(tenant_id)
    statements = [("tenants", select(_table("tenants")).where(_table("tenants").c.id == tenant_id)),
                  ("users", select(_table("users")).where(_table("users").c.home_tenant_id == tenant_id))]
    statements += [(t.name, select(t).where(t.c.tenant_id == tenant_id)) for t in tenant_tables()]
    statements += [(t.name, select(t).where(t.c.user_id.in_(person_ids or [-1]))) for t in person_tables()]
    statements.append(("audit_entries", select(_table("audit_entries")).where(audit_condition(tenant_id, person_ids))))
    return [(name, statement.order_by(*_table(name).primary_key.columns))
            for name, statement in statements if name not in NOT_EXPORTED]


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def firm_rows(tenant_id: int) -> dict[str, list[dict]]:
    """Every exported table's rows of the firm, as JSON-ready dicts without hidden columns."""
    rows = {}
    for name, statement in _statements(tenant_id):
        hidden = HIDDEN_COLUMNS.get(name, set())
        rows[name] = [{key: _json_value(value) for key, value in row._mapping.items() if key not in hidden}
                      for row in db.session.execute(statement)]
    return rows


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_archive(tenant_id: int, progress=None) -> tuple[bytes, dict]:
    """The firm's data as a ZIP: data/<table>.json, files/<id>-<name> decrypted, manifest.json, SHA256SUMS.

    Call inside the firm's tenant scope. Returns the archive and its manifest.
    """
    tenant = db.session.get(Tenant, tenant_id)
    rows = firm_rows(tenant_id)
    stored_files = db.session.execute(select(files.StoredFile).where(files.StoredFile.purpose != EXPORT_PURPOSE)
                                      .order_by(files.StoredFile.id)).scalars().all()
    total = len(rows) + len(stored_files)
    checksums: dict[str, str] = {}
    file_entries = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, data: bytes) -> None:
            archive.writestr(path, data)
            checksums[path] = _sha256(data)

        for done, (name, table_rows) in enumerate(rows.items(), start=1):
            add(f"data/{name}.json", json.dumps(table_rows, indent=1, sort_keys=True, ensure_ascii=False).encode())
            if progress:
                progress.update(done, total, f"Tables: {name}")
        for done, stored in enumerate(stored_files, start=len(rows) + 1):
            path = f"files/{stored.id}-{stored.filename}"
            try:
                data = files.read_bytes(stored)
            except (files.FileUnreadable, FileNotFoundError) as problem:
                file_entries.append({"path": None, "stored_file_id": stored.id, "error": str(problem)})
                continue
            add(path, data)
            file_entries.append({"path": path, "stored_file_id": stored.id, "filename": stored.filename,
                                 "content_type": stored.content_type, "size": len(data), "sha256": checksums[path],
                                 "matches_record": checksums[path] == stored.sha256})
            if progress and done % 10 == 0:
                progress.update(done, total, f"Files: {done - len(rows)} of {len(stored_files)}")
        manifest = {
            "format": FORMAT, "generated_at": utcnow().isoformat(),
            "firm": {"id": tenant.id, "name": tenant.name, "slug": tenant.slug},
            "tables": {name: len(table_rows) for name, table_rows in rows.items()},
            "files": file_entries,
            "checksums": dict(sorted(checksums.items())),
            "not_exported": NOT_EXPORTED, "hidden_columns": {k: sorted(v) for k, v in HIDDEN_COLUMNS.items()},
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
        add("manifest.json", manifest_bytes)
        archive.writestr("SHA256SUMS", "".join(f"{digest}  {path}\n" for path, digest in sorted(checksums.items())))
    return buffer.getvalue(), manifest



def export_job(progress, requested_by_id: int | None) -> dict:
    """Tracked job body: build the archive and keep it, encrypted like every file, for a time-limited download."""
    from .tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    progress.update(0, None, "Collecting the firm's data…")
    data, manifest = build_archive(tenant_id, progress)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    stored = files.store_bytes(data, f"{manifest['firm']['slug']}-export-{stamp}.zip", "application/zip",
                               EXPORT_PURPOSE, created_by_id=requested_by_id, visible_to_firm=False)
    progress.attach(stored)
    return {"tables": manifest["tables"], "files": len(manifest["files"]), "bytes": len(data)}

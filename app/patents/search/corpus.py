"""Import, store and index orchestration: files -> database rows (idempotent) -> the search indexes, and the job bodies.

Collections: the public corpus is `public`; a tenant's private collection is `tenant:<id>`, each in an
index of its own. Writes to an index go through the "indexing" queue in batches; the engines also wait
on their index's lock, so a second writer only ever queues up.

Which engine serves which collection, and where indexes live, is a SearchIndexes the application
provides once (`use_indexes`); this module itself knows nothing of Flask.

Tracking public imports: JobRecord is tenant-scoped, and a provider user always works inside some
tenant in the UI. The job record (and the stored upload) live in that tenant, so the person who
started it can follow it on the ordinary job page. The documents themselves go into the
non-tenant PatentDocument table; nothing of any tenant's data is written by a public import.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable

from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...jobs import app_context, enqueue, tenant_job
from ...models import Tenant
from ...tenancy import current_tenant_id, tenant_scope
from .importers import ImportFailure, SkippedDocument, iter_records
from .backends import SearchIndexes
from .models import PatentDocument, PrivateDocument

log = logging.getLogger("patentdesk.search")

PUBLIC = "public"
STORE_BATCH = 200
INDEX_BATCH = 500
MAX_REPORTED_FAILURES = 500


def tenant_collection(tenant_id: int) -> str:
    return f"tenant:{tenant_id}"


def collections_for_tenant(tenant_id: int | None) -> list[str]:
    """What a person working in a tenant may search: the public corpus and that tenant's own collection."""
    return [PUBLIC] + ([tenant_collection(tenant_id)] if tenant_id else [])


_provider: Callable[[], SearchIndexes] | None = None


def use_indexes(provider: Callable[[], SearchIndexes]) -> None:
    """Called by the application: how to find the current SearchIndexes."""
    global _provider
    _provider = provider


def indexes() -> SearchIndexes:
    if _provider is None:
        raise RuntimeError("search indexes are not configured (the application calls corpus.use_indexes)")
    return _provider()


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    failed: list[dict] = field(default_factory=list)
    failed_count: int = 0
    warnings: list[dict] = field(default_factory=list)  # documents imported after a repair, and how
    warned_count: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # documents that are not patents, by kind
    numbers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "failed": self.failed,
                "warnings": self.warnings, "skipped": self.skipped}

    def add_failure(self, failure: ImportFailure, display_name: str | None = None) -> None:
        self.failed_count += 1
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append({"file": display_name or failure.file, "position": failure.position,
                                "line": failure.line, "error": failure.error})

    def add_warnings(self, item, display_name: str | None = None) -> None:
        self.warned_count += 1
        if len(self.warnings) < MAX_REPORTED_FAILURES:
            self.warnings.append({"file": display_name or item.file, "position": item.position, "line": item.line,
                                  "number": item.record.number, "warning": "; ".join(item.warnings)})

    @property
    def message(self) -> str:
        parts = [f"{self.imported} imported", f"{self.updated} updated", f"{self.failed_count} failed"]
        if self.warned_count:
            parts.append(f"{self.warned_count} repaired with a warning")
        parts += [f"{count} {kind}{'s' if count > 1 else ''} skipped" for kind, count in self.skipped.items()]
        return ", ".join(parts)


def _model_for(private: bool):
    return PrivateDocument if private else PatentDocument


def store_records(items: Iterable, *, private: bool, display_name: str | None = None,
                  on_progress: Callable[[int], None] | None = None, summary: ImportSummary | None = None
                  ) -> ImportSummary:
    """Upsert imported records by number (a re-import updates); failures are listed with file and position.

    Private documents go into the current tenant (the tenant filter and the insert stamping do that).
    Flushes per batch; the caller (CLI, job body) commits.
    """
    model = _model_for(private)
    summary = summary or ImportSummary()
    changes: dict[str, list] = {"added": [], "overwritten": []}
    iterator = iter(items)
    seen = 0
    while batch := list(islice(iterator, STORE_BATCH)):
        records = []
        for item in batch:
            if isinstance(item, ImportFailure):
                summary.add_failure(item, display_name)
            elif isinstance(item, SkippedDocument):
                summary.skipped[item.kind] = summary.skipped.get(item.kind, 0) + 1
            else:
                if item.warnings:
                    summary.add_warnings(item, display_name)
                records.append(item)
        numbers = {item.record.number for item in records}
        existing = {doc.number: doc for doc in db.session.execute(
            select(model).where(model.number.in_(numbers))).scalars()} if numbers else {}
        for item in records:
            document = existing.get(item.record.number)
            if document is None:
                document = model()
                db.session.add(document)
                existing[item.record.number] = document
                summary.imported += 1
            else:
                summary.updated += 1
            before = None if private or document.id is None else _audited_fields(document)
            document.fill_from(item.record, display_name or item.file)
            if not private:
                _note_public_change(changes, item.record.number, before, _audited_fields(document))
            summary.numbers.append(item.record.number)
        db.session.flush()
        seen += len(batch)
        if on_progress:
            on_progress(seen)
    if changes["added"] or changes["overwritten"]:
        audit.record("public_corpus_import", summary=(
            f"public corpus: {len(changes['added'])} added, {len(changes['overwritten'])} overwritten"
            f" from {display_name or 'an import'}"), details={k: v[:AUDIT_LIST_LIMIT] for k, v in changes.items()})
    return summary


# The public corpus is what every firm searches: each change is audited with the fields before and after.
AUDITED_FIELDS = ("title", "abstract", "kind", "priority_date", "filing_date", "publication_date", "applicants",
                  "assignees", "inventors", "ipc", "cpc", "family_id")
AUDIT_LIST_LIMIT = 1000  # documents listed per import entry (the summary counts them all)


def _audited_fields(document) -> dict:
    def shown(value):
        value = value.isoformat() if hasattr(value, "isoformat") else value
        return value[:300] if isinstance(value, str) else list(value) if isinstance(value, list) else value
    return {name: shown(getattr(document, name, None)) for name in AUDITED_FIELDS}


def _note_public_change(changes: dict, number: str, before: dict | None, after: dict) -> None:
    if before is None:
        changes["added"].append(number)
    elif before != after:
        changes["overwritten"].append({"number": number, "changed": {
            name: [before[name], after[name]] for name in AUDITED_FIELDS if before[name] != after[name]}})


def import_file(path_or_stream, *, private: bool, display_name: str | None = None,
                on_progress: Callable[[int], None] | None = None, summary: ImportSummary | None = None,
                filename_hint: str | None = None) -> ImportSummary:
    return store_records(iter_records(path_or_stream, filename_hint or display_name), private=private,
                         display_name=display_name, on_progress=on_progress, summary=summary)


# Indexing --------------------------------------------------------------------------------------


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def schedule_indexing(numbers: list[str], tenant_id: int | None) -> None:
    """Queue the indexing of these documents (public when tenant_id is None); one job per 5000 numbers."""
    unique = list(dict.fromkeys(numbers))
    for chunk in _chunks(unique, 5000):
        if tenant_id is None:
            enqueue("indexing", index_public_documents, chunk)
        else:
            enqueue("indexing", index_private_documents, tenant_id, chunk)


def _records_of(model, numbers: list[str]) -> Iterator:
    for chunk in _chunks(numbers, INDEX_BATCH):
        for document in db.session.execute(select(model).where(model.number.in_(chunk))).scalars():
            yield document.to_record()


def index_public_documents(numbers: list[str]) -> int:
    """Job body (indexing queue): (re-)index public documents from the database. Needs no tenant scope."""
    with app_context():
        return indexes().backend_for(PUBLIC).add(PUBLIC, _records_of(PatentDocument, numbers), timeout=600)


@tenant_job
def index_private_documents(tenant_id: int, numbers: list[str]) -> int:
    """Job body (indexing queue): (re-)index documents of one tenant's private collection."""
    collection = tenant_collection(tenant_id)
    return indexes().backend_for(collection).add(collection, _records_of(PrivateDocument, numbers), timeout=600)


def unindex_private_document(tenant_id: int, number: str) -> None:
    collection = tenant_collection(tenant_id)
    indexes().backend_for(collection).delete(collection, [number])


def drop_private_collection(tenant_id: int) -> bool:
    """Offboarding: remove a firm's private collection from its search engine, index files and all."""
    import os
    import shutil

    collection = tenant_collection(tenant_id)
    backend = indexes().backend_for(collection)
    directory = backend.directory(collection)
    if not os.path.isdir(directory):
        return False
    backend.drop(collection)  # under the index's lock, so no reader or writer sees it half gone
    shutil.rmtree(directory, ignore_errors=True)
    return True


def _all_of(model) -> Iterator:
    for document in db.session.execute(select(model).order_by(model.id)).yield_per(INDEX_BATCH).scalars():
        yield document.to_record()


def reindex_everything() -> int:
    """Rebuild every collection's index from the database, each switched atomically; anyone may run it at any time.

    Reading every tenant's collection is an explicit cross-tenant scope, one tenant at a time.
    """
    count = indexes().backend_for(PUBLIC).rebuild(PUBLIC, _all_of(PatentDocument), timeout=600)
    for tenant_id in db.session.execute(select(Tenant.id).order_by(Tenant.id)).scalars().all():
        collection = tenant_collection(tenant_id)
        with tenant_scope(tenant_id):
            count += indexes().backend_for(collection).rebuild(collection, _all_of(PrivateDocument), timeout=600)
    return count


# The upload job ---------------------------------------------------------------------------------


def import_upload(progress, stored_file_id: int, private: bool) -> dict:
    """Tracked job body (indexing queue): import an uploaded file, then queue its indexing.

    Runs inside the tenant the upload was made in (run_tracked's tenant_job); a public import writes
    only the non-tenant PatentDocument table.
    """
    import io

    from ...files import StoredFile, read_bytes

    stored = db.session.get(StoredFile, stored_file_id)
    data = read_bytes(stored)
    progress.update(0, None, f"Reading {stored.filename}…")
    hint = stored.filename
    if hint.lower().endswith(".txt"):  # .txt is JSONL or CSV: content decides, the name only breaks a tie
        hint = hint[:-4] + (".jsonl" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else ".csv")
    summary = import_file(io.BytesIO(data), private=private, display_name=stored.filename, filename_hint=hint,
                          on_progress=lambda seen: progress.update(seen, None, f"{seen} documents read…"))
    progress.update(summary.imported + summary.updated + summary.failed_count + sum(summary.skipped.values()), None,
                    summary.message)
    numbers = summary.numbers
    tenant_id = current_tenant_id() if private else None
    db.session.commit()
    schedule_indexing(numbers, tenant_id)
    return summary.as_dict() | {"failed_count": summary.failed_count, "warned_count": summary.warned_count}

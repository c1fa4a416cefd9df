"""Export of everything of a firm: one archive of JSON and decrypted files, with a manifest and checksums, made by
a job with progress and downloadable for a limited time; it opens, matches the database and holds nothing of
another firm and no secret.

ASVS 5.0 V14.2.x (data the user may take away) and V8 (only the firm's admins and the provider's admin).
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select, update

from app import files, firm_data
from app.extensions import db
from app.jobs import JobRecord
from app.tenancy import tenant_scope
from tests import test_cross_tenant_routes as factories

# Tables the export itself changes after it packed them: its own job record and archive, and its audit entries.
CHANGED_BY_THE_EXPORT = {"job_records", "stored_files", "audit_entries"}


def fill_firm(world, tenant) -> None:
    """One of every kind of thing a firm has, made the way the cross-tenant walker makes them."""
    from app.patents.work_requests.models import WorkRequest
    from app.patents.work_requests.operations import add_comment

    for make in (factories._matter, factories._event, factories._deadline, factories._job, factories._checklist_item,
                 factories._marked_hit, factories._search_query, factories._private_document_number,
                 factories._reminder_outbox_row, factories._matter_watcher, factories._notification,
                 factories._api_token, factories._login_session):
        make(world, tenant)
    request_id = factories._work_request(world, tenant)
    paralegal = world[("a" if tenant is world.firm_a else "b") + "_paralegal"]
    with tenant_scope(tenant.id):
        add_comment(db.session.get(WorkRequest, request_id), paralegal, f"A comment at {tenant.slug}")
        files.store_bytes(f"%PDF-1.4 own file of {tenant.slug}".encode(), "brief.pdf", "application/pdf", "upload")
        db.session.commit()


def _export(client) -> tuple[int, zipfile.ZipFile]:
    started = client.post("/admin/security/export")
    assert started.status_code == 302 and "/admin/exports/" in started.location
    job_id = int(started.location.rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/admin/exports/{job_id}").get_data(as_text=True)
    assert "Download the archive" in page
    download = client.get(f"/admin/exports/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    return job_id, zipfile.ZipFile(io.BytesIO(download.data))


def test_every_table_is_classified_as_the_firms_its_peoples_or_the_providers(app):
    assert firm_data.unclassified_tables() == []


def test_a_firm_exports_its_whole_data_set_and_the_archive_matches_the_database(app, world, login_as):
    fill_firm(world, world.firm_a)
    fill_firm(world, world.firm_b)
    job_id, archive = _export(login_as(world["a_firm_admin"]))

    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"manifest.json", "SHA256SUMS"} <= names
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == names - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["firm"]["id"] == world.firm_a.id and manifest["format"] == firm_data.FORMAT
    with tenant_scope(world.firm_a.id):
        database = firm_data.firm_rows(world.firm_a.id)
        records = {f.id: f for f in db.session.execute(select(files.StoredFile)).scalars()}
        for table, rows in database.items():
            exported = json.loads(archive.read(f"data/{table}.json"))
            assert manifest["tables"][table] == len(exported)
            if table in CHANGED_BY_THE_EXPORT:
                by_id = {row["id"]: row for row in rows}
                assert all(row["id"] in by_id for row in exported), table
            else:
                assert exported == rows, table
        for entry in manifest["files"]:
            record = records[entry["stored_file_id"]]
            assert archive.read(entry["path"]) == files.read_bytes(record)
            assert entry["matches_record"] and entry["sha256"] == record.sha256
    # Deadlines carry their explanations; requests their comments; checklists their items and sign-offs.
    for table in ("matters", "events", "deadlines", "deadline_changes", "work_requests", "work_request_comments",
                  "checklists", "checklist_items", "search_sessions", "search_queries", "search_marked_hits",
                  "private_documents", "users", "audit_entries"):
        assert json.loads(archive.read(f"data/{table}.json")), f"{table} is empty"
    assert all("explanation" in row for row in json.loads(archive.read("data/deadlines.json")))

    everything = b"".join(archive.read(name) for name in names)
    assert b"own file of borealis" not in everything and b"borealis" not in everything.lower()
    assert world["a_attorney"].password_hash.encode() not in everything
    for name in names:
        if name.startswith("data/"):
            keys = {key for row in json.loads(archive.read(name)) for key in row}
            assert not keys & {"secret_hash", "password_hash", "token_hash", "wrapped_key", "sealed_secret"}, name
    assert "data/firm_data_keys.json" not in names and "data/totp_authenticators.json" not in names
    assert b"own file of acme" in everything  # decrypted


def test_only_the_firms_admins_and_the_providers_admin_reach_an_export(app, world, login_as):
    fill_firm(world, world.firm_a)
    job_id, _archive = _export(login_as(world["a_firm_admin"]))
    b_admin = login_as(world["b_firm_admin"])
    assert b_admin.get(f"/admin/exports/{job_id}").status_code == 404
    assert b_admin.get(f"/admin/exports/{job_id}/download").status_code == 404
    assert login_as(world["a_attorney"]).get(f"/admin/exports/{job_id}/download").status_code == 403
    assert login_as(world["specialist_a"], world.firm_a).get(f"/admin/exports/{job_id}/download").status_code == 403
    # The archive is not an ordinary file of the firm: the firm's files page cannot hand it out.
    with tenant_scope(world.firm_a.id):
        file_id = db.session.get(JobRecord, job_id).file_id
    assert login_as(world["a_firm_admin"]).get(f"/files/{file_id}").status_code == 404
    provider = login_as(world["provider_admin"], world.firm_a)
    assert provider.get(f"/admin/exports/{job_id}/download").status_code == 200


def test_the_provider_admin_exports_any_firm(app, world, login_as):
    fill_firm(world, world.firm_b)  # the provider admin is not assigned to firm B
    provider = login_as(world["provider_admin"], world.firm_a)
    started = provider.post(f"/admin/tenants/{world.firm_b.id}/export")
    assert started.status_code == 302
    job_id = int(started.location.rsplit("/", 1)[1])
    archive = zipfile.ZipFile(io.BytesIO(provider.get(f"/admin/exports/{job_id}/download").data))
    assert json.loads(archive.read("manifest.json"))["firm"]["id"] == world.firm_b.id
    assert login_as(world["a_firm_admin"]).post(f"/admin/tenants/{world.firm_b.id}/export").status_code == 403


def test_the_download_expires(app, world, login_as):
    client = login_as(world["a_firm_admin"])
    job_id, _archive = _export(client)
    hours = app.config["EXPORT_DOWNLOAD_HOURS"]
    with tenant_scope(world.firm_a.id):
        db.session.execute(update(JobRecord).where(JobRecord.id == job_id)
                           .values(finished_at=firm_data.utcnow() - timedelta(hours=hours, minutes=1)))
        db.session.commit()
    assert client.get(f"/admin/exports/{job_id}/download").status_code == 410
    assert "expired" in client.get(f"/admin/exports/{job_id}").get_data(as_text=True)


def test_the_job_reports_progress(app, world, login_as):
    fill_firm(world, world.firm_a)
    job_id, _archive = _export(login_as(world["a_firm_admin"]))
    with tenant_scope(world.firm_a.id):
        job = db.session.get(JobRecord, job_id)
        assert job.status == "finished" and job.progress_total and job.progress_done == job.progress_total

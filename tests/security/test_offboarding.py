"""Offboarding a firm: deactivated at once, exported, deleted after the retention period with its data key destroyed,
and then no trace of its content anywhere: the database, the search index, the uploads and Redis are scanned
for the firm's canary values (each scan first proves it finds them while the firm exists).

ASVS 5.0 V14.2.7 (data deleted after its retention period), V11.2.x (key destruction), V16.2.1 (the deletion
is recorded, in counts).
"""
from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import redis
from rq import SimpleWorker
from sqlalchemy import create_engine, select, text

from app import files
from app.extensions import db
from app.jobs import QUEUES, get_queue
from app.models import AuditEntry, Tenant, User
from app.tenancy import tenant_scope
from tests.conftest import BACKEND, PASSWORD, PG_DB, REDIS_URL
from tests.security.test_canary import CANARY, plant_canaries

INDEX_CANARY = CANARY.lower()  # how the analyser keeps it


def _plant_everywhere(app, world) -> None:
    """Firm A's canary in every store: rows, an uploaded file, the private search index, a person, Redis."""
    from app.patents.search import corpus
    from tests.jobs_for_tests import echo_in_tenant

    plant_canaries(world)
    a = world.firm_a
    with tenant_scope(a.id):
        db.session.add(User(email=f"{INDEX_CANARY}@acme.test", name=f"{CANARY} person", role="attorney",
                            home_tenant_id=a.id, password_hash=world["a_attorney"].password_hash))
        files.store_bytes(f"%PDF-1.4 {CANARY} disclosure".encode(), f"{CANARY}-disclosure.pdf", "application/pdf",
                          "upload")
        line = json.dumps({"number": "XX 1234567 A1", "title": f"{CANARY} private invention",
                           "abstract": f"The {INDEX_CANARY} widget.", "claims": f"A {INDEX_CANARY} widget."})
        summary = corpus.import_file(io.BytesIO(line.encode()), private=True, display_name=f"{CANARY}.jsonl",
                                     filename_hint="upload.jsonl")
        db.session.commit()
    corpus.index_private_documents(a.id, summary.numbers)
    # A job of the firm in Redis, with content in its result, as a real worker leaves it.
    connection = redis.Redis.from_url(REDIS_URL)
    get_queue("reports", connection).enqueue(echo_in_tenant, a.id, f"{CANARY} job result", result_ttl=3600)
    SimpleWorker([get_queue("reports", connection)], connection=connection).work(burst=True)
    # A failed sign-in of the firm's person leaves a throttle key naming them (Redis-backed limiter).
    app.test_client().post("/login", data={"email": f"{INDEX_CANARY}@acme.test", "password": "wrong password!"})


def _database_text(database_config) -> str:
    """Every row of every table, as text, read past row-level security."""
    url = (f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}" if BACKEND == "postgresql"
           else database_config["SQLALCHEMY_DATABASE_URI"])
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return "\n".join(repr(row) for table in db.metadata.sorted_tables
                             for row in connection.execute(text(f'SELECT * FROM "{table.name}"')))
    finally:
        engine.dispose()


def _files_under(directory: str) -> list[Path]:
    return [path for path in Path(directory).rglob("*") if path.is_file()]


def _bytes_under(directory: str) -> bytes:
    return b"".join(path.read_bytes() for path in _files_under(directory))


def _redis_text() -> str:
    connection = redis.Redis.from_url(REDIS_URL)
    parts = []
    for key in connection.scan_iter(count=500):
        read = {"string": connection.get, "hash": connection.hgetall, "set": connection.smembers,
                "list": lambda k: connection.lrange(k, 0, -1), "zset": lambda k: connection.zrange(k, 0, -1),
                "stream": connection.xrange}.get(connection.type(key).decode(), lambda k: b"")
        value = read(key)
        parts.append(repr(key) + repr(value))
    return "\n".join(parts)


def _contains(haystack: str | bytes, needle: str) -> bool:
    if isinstance(haystack, bytes):
        return needle.encode() in haystack or needle.lower().encode() in haystack
    return needle in haystack or needle.lower() in haystack


def test_an_offboarded_firm_leaves_no_trace_anywhere(app, world, login_as, database_config):
    redis.Redis.from_url(REDIS_URL).flushdb()  # this run's own Redis database
    app.config["REDIS_URL"] = REDIS_URL
    a_id = world.firm_a.id
    _plant_everywhere(app, world)
    b_matter_ids = _firm_b_matter(world)
    stores = {"database": lambda: _database_text(database_config),
              "search index": lambda: _bytes_under(app.config["SEARCH_INDEX_DIR"]),
              "redis": _redis_text}
    for name, read in stores.items():
        assert _contains(read(), CANARY), f"the scan of the {name} does not see the canary: it proves nothing"
    assert _files_under(str(files.tenant_directory(world.firm_a.id)))
    assert not _contains(_bytes_under(app.config["UPLOAD_DIR"]), CANARY)  # files are ciphertext throughout

    provider = login_as(world["provider_admin"], world.firm_a)
    offboarded = provider.post(f"/admin/tenants/{world.firm_a.id}/offboarding", data={"confirm_slug": "acme"})
    assert offboarded.status_code == 302
    worker_connection = redis.Redis.from_url(REDIS_URL)
    SimpleWorker([get_queue(name, worker_connection) for name in QUEUES],
                 connection=worker_connection).work(burst=True)  # the final export
    firm = db.session.get(Tenant, world.firm_a.id)
    assert firm.active is False and firm.delete_after is not None
    assert login_as(world["b_attorney"]).get("/matters").status_code == 200
    attorney = app.test_client()
    signed_in = attorney.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert signed_in.status_code == 401  # a deactivated firm's people cannot sign in (issue 11, item 14)
    working = attorney.get("/matters")
    assert working.status_code == 302 and "/login" in working.location  # nor work

    early = app.test_cli_runner().invoke(args=["firms", "delete-due"])
    assert early.exit_code == 0 and db.session.get(Tenant, world.firm_a.id) is not None  # retention first
    later = (firm.delete_after + timedelta(minutes=1)).isoformat()
    result = app.test_cli_runner().invoke(args=["firms", "delete-due", "--now", later])
    assert result.exit_code == 0, result.output
    db.session.expire_all()

    for name, read in stores.items():
        found = read()
        survivors = [line for line in (found.decode(errors="replace") if isinstance(found, bytes) else found
                                       ).splitlines() if _contains(line, CANARY)]
        assert not survivors, f"firm A's canary survived in the {name}: {survivors[:5]}"
    assert not _files_under(str(files.tenant_directory(a_id)))
    assert not _contains(_bytes_under(app.config["UPLOAD_DIR"]), CANARY)

    final = db.session.execute(select(AuditEntry).where(AuditEntry.action == "firm_deleted")).scalar_one()
    assert final.subject_tenant_id is None and final.details["firm_id"] == a_id
    assert final.details["rows"]["matters"] == 1 and final.details["data_keys_destroyed"] == 1
    assert final.details["files"] >= 3 and final.details["private_index_dropped"] is True

    with tenant_scope(world.firm_b.id):  # the other firm is whole
        from app.patents.docketing.models import Matter
        assert db.session.execute(select(Matter.id)).scalars().all() == b_matter_ids
        for stored in db.session.execute(select(files.StoredFile)).scalars():
            assert files.read_bytes(stored)
    assert db.session.get(User, world["b_attorney"].id) is not None
    assert login_as(world["b_attorney"]).get("/matters").status_code == 200


def _firm_b_matter(world) -> list[int]:
    from tests import test_cross_tenant_routes as factories
    factories._job(world, world.firm_b)
    return [factories._matter(world, world.firm_b)]


def test_offboarding_needs_the_firms_short_code_and_the_provider_admin(world, login_as):
    provider = login_as(world["provider_admin"], world.firm_a)
    wrong = provider.post(f"/admin/tenants/{world.firm_a.id}/offboarding", data={"confirm_slug": "borealis"})
    assert wrong.status_code == 400 and db.session.get(Tenant, world.firm_a.id).active
    assert login_as(world["a_firm_admin"]).post(f"/admin/tenants/{world.firm_a.id}/offboarding",
                                                data={"confirm_slug": "acme"}).status_code == 403
    assert provider.post("/admin/tenants/999999/offboarding", data={"confirm_slug": "x"}).status_code == 404


def test_offboarding_can_be_cancelled_before_the_deletion_date(world, login_as):
    provider = login_as(world["provider_admin"], world.firm_a)
    provider.post(f"/admin/tenants/{world.firm_b.id}/offboarding", data={"confirm_slug": "borealis"})
    assert db.session.get(Tenant, world.firm_b.id).active is False
    provider.post(f"/admin/tenants/{world.firm_b.id}/offboarding/cancel")
    firm = db.session.get(Tenant, world.firm_b.id)
    assert firm.active and firm.delete_after is None
    assert login_as(world["b_attorney"]).get("/matters").status_code == 200
    entries = {e.action for e in db.session.execute(select(AuditEntry)).scalars()}
    assert {"firm_offboarded", "firm_offboarding_cancelled"} <= entries

"""Per-firm encryption at rest: stored files are AES-GCM ciphertext under the firm's data key, data keys are
wrapped by the KEK and never stored in the clear, the KEK rotates while the app serves, and destroying a
firm's data keys makes its files unreadable (crypto-shredding).

ASVS 5.0 V11.3.2 (approved authenticated encryption), V11.2.2 (key rotation), V13.3.1 (keys outside the
data store), V14.2.x (sensitive data at rest).
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app, files, keys
from app.config import ConfigError, load_config
from app.extensions import db
from app.files import StoredFile
from app.tenancy import tenant_scope

CANARY = b"CANARY-encryption-3f9a1c"


@dataclass(frozen=True)
class Stored:
    id: int
    storage_key: str


def _store(tenant, data: bytes = b"%PDF-1.4 " + CANARY, name: str = "brief.pdf") -> Stored:
    """Store a file in the firm; what the test needs of it, read while the firm's scope allows."""
    with tenant_scope(tenant.id):
        stored = files.store_bytes(data, name, "application/pdf", "upload")
        db.session.commit()
        return Stored(stored.id, stored.storage_key)


def _disk(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_an_uploaded_file_is_ciphertext_on_disk_and_plain_when_downloaded(app, world, login_as):
    from datetime import date, timedelta

    from app.patents.docketing.models import Matter
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="A-1", title="Widget", jurisdiction="US", application_type="utility",
                        filing_date=date(2026, 1, 5))
        db.session.add(matter)
        db.session.commit()
    client = login_as(world["a_paralegal"])
    response = client.post("/requests/new", data={
        "matter_reference": "A-1", "kind": "prior_art_search", "title": "Search", "instructions": "Look",
        "requested_due": (date.today() + timedelta(days=5)).isoformat(), "priority": "3",
        "attachments": (io.BytesIO(b"%PDF-1.4 " + CANARY), "disclosure.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    on_disk = _disk(app)
    assert on_disk and all(CANARY not in path.read_bytes() for path in on_disk)
    assert all(path.read_bytes().startswith(files.MAGIC) for path in on_disk)
    with tenant_scope(world.firm_a.id):
        stored_id = db.session.execute(select(StoredFile.id)).scalar_one()
    download = client.get(f"/files/{stored_id}")
    assert download.status_code == 200 and CANARY in download.data


def test_every_file_kind_goes_through_the_encrypting_store(app, world):
    """Uploads, deliveries, generated PDFs and imported source files all use files.store_bytes."""
    import app as package
    root = Path(package.__file__).parent
    writers = [path for path in root.rglob("*.py")
               if path.name != "files.py" and ("write_bytes(" in path.read_text() or "send_file(" in path.read_text())]
    assert writers == [], "files written or served around app/files.py: " + ", ".join(map(str, writers))


def test_data_keys_are_wrapped_never_stored_in_the_clear(app, world):
    _store(world.firm_a)
    with tenant_scope(world.firm_a.id):
        version, data_key = keys.encryption_key(world.firm_a.id)
        row = db.session.execute(select(keys.FirmDataKey)).scalar_one()
    assert data_key not in row.wrapped_key and row.kek_id == keys.current_kek().kek_id
    assert keys.current_kek().key not in row.wrapped_key


def test_each_firm_has_its_own_data_key(app, world):
    _store(world.firm_a)
    _store(world.firm_b)
    with tenant_scope(world.firm_a.id):
        key_a = keys.encryption_key(world.firm_a.id)[1]
    with tenant_scope(world.firm_b.id):
        key_b = keys.encryption_key(world.firm_b.id)[1]
    assert key_a != key_b


def test_a_file_moved_to_another_firm_or_altered_does_not_decrypt(app, world):
    stored_a = _store(world.firm_a)
    stored_b = _store(world.firm_b, b"%PDF-1.4 firm b")
    path_a = files._path_for(world.firm_a.id, stored_a.storage_key)
    path_b = files._path_for(world.firm_b.id, stored_b.storage_key)
    path_b.write_bytes(path_a.read_bytes())  # firm A's ciphertext where firm B's file was
    with tenant_scope(world.firm_b.id), pytest.raises(files.FileUnreadable):
        files.read_bytes(db.session.get(StoredFile, stored_b.id))
    raw = bytearray(path_a.read_bytes())
    raw[-1] ^= 1
    path_a.write_bytes(bytes(raw))
    with tenant_scope(world.firm_a.id), pytest.raises(files.FileUnreadable):
        files.read_bytes(db.session.get(StoredFile, stored_a.id))


def test_destroying_a_firms_data_keys_makes_its_files_unreadable(app, world, login_as):
    stored_a = _store(world.firm_a)
    stored_b = _store(world.firm_b, b"%PDF-1.4 firm b")
    with tenant_scope(world.firm_a.id):
        assert keys.destroy_data_keys(world.firm_a.id) == 1
        db.session.commit()
        with pytest.raises(files.FileUnreadable):
            files.read_bytes(db.session.get(StoredFile, stored_a.id))
    with tenant_scope(world.firm_b.id):  # another firm's files are untouched
        assert files.read_bytes(db.session.get(StoredFile, stored_b.id)) == b"%PDF-1.4 firm b"
    # Nothing on disk holds the content in the clear either.
    assert all(CANARY not in path.read_bytes() for path in _disk(app))


def _app_with(database_config, tmp_path_config, *kek_list):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": None, **database_config,
                       **tmp_path_config, "KEY_ENCRYPTION_KEYS": list(kek_list)})


def test_the_kek_rotates_while_the_app_serves(app, world, database_config):
    paths = {"UPLOAD_DIR": app.config["UPLOAD_DIR"], "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    old_kek = app.config["KEY_ENCRYPTION_KEYS"][0]
    new_kek = os.urandom(32)
    stored = _store(world.firm_a)

    deployed = _app_with(database_config, paths, new_kek, old_kek)  # new KEK current, old one retired
    with deployed.app_context(), tenant_scope(world.firm_a.id):
        assert CANARY in files.read_bytes(db.session.get(StoredFile, stored.id))  # still serving
        later = files.store_bytes(b"%PDF-1.4 later", "later.pdf", "application/pdf", "upload")
        db.session.commit()
        later_id = later.id
    with deployed.app_context():  # the CLI runs in the app context that is active
        result = deployed.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 data keys re-wrapped" in result.output

    without_old = _app_with(database_config, paths, new_kek)
    with without_old.app_context(), tenant_scope(world.firm_a.id):
        assert CANARY in files.read_bytes(db.session.get(StoredFile, stored.id))
        assert files.read_bytes(db.session.get(StoredFile, later_id)) == b"%PDF-1.4 later"
    only_old = _app_with(database_config, paths, old_kek)
    with only_old.app_context(), tenant_scope(world.firm_a.id), pytest.raises(keys.MissingKek):
        files.read_bytes(db.session.get(StoredFile, stored.id))


def test_new_data_keys_re_encrypt_every_file_and_retire_the_old_keys(app, world):
    stored = _store(world.firm_a)
    legacy = _store(world.firm_a, b"%PDF-1.4 stored before encryption", "old.pdf")
    files._path_for(world.firm_a.id, legacy.storage_key).write_bytes(b"%PDF-1.4 stored before encryption")
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--data-keys"])
    assert result.exit_code == 0, result.output
    with tenant_scope(world.firm_a.id):
        assert keys.data_key_versions(world.firm_a.id) == [2]
        for record, content in ((stored, b"%PDF-1.4 " + CANARY), (legacy, b"%PDF-1.4 stored before encryption")):
            raw = files._path_for(world.firm_a.id, record.storage_key).read_bytes()
            assert files.key_version_of(raw) == 2 and content not in raw
            assert files.read_bytes(db.session.get(StoredFile, record.id)) == content


def test_production_refuses_to_start_without_a_kek(monkeypatch, tmp_path):
    monkeypatch.setenv("PATENTDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("PATENTDESK_KEK", raising=False)
    monkeypatch.delenv("PATENTDESK_KEK_FILE", raising=False)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))
    monkeypatch.setenv("PATENTDESK_KEK", "too short")
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))
    key_file = tmp_path / "kek"
    key_file.write_text(os.urandom(32).hex())
    monkeypatch.delenv("PATENTDESK_KEK")
    monkeypatch.setenv("PATENTDESK_KEK_FILE", str(key_file))
    assert load_config(str(tmp_path))["KEY_ENCRYPTION_KEYS"] == [bytes.fromhex(key_file.read_text())]

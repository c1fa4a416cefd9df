"""Tenant files on disk, outside the web root: their records, stored encrypted under random keys, served as attachments.

Every file is AES-256-GCM ciphertext under its firm's data key (app/keys.py). On disk a file is
``MAGIC | key version (4 bytes) | nonce | ciphertext+tag``; the key version lives in the file, so
re-encrypting (``flask keys rotate --data-keys``) replaces each file atomically while the app serves,
and the associated data binds the ciphertext to its firm and storage key, so a file moved to another
firm's directory or swapped with another file does not decrypt.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import struct
import unicodedata
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, send_file
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from . import keys
from .extensions import db
from .models import utcnow
from .tenancy import TenantScoped, current_tenant_id
from .utc import UtcDateTime

log = logging.getLogger("patentdesk.files")
MAGIC = b"PDENC1"
_HEADER = struct.Struct(">6sI")  # MAGIC, data key version


class FileUnreadable(RuntimeError):
    """A stored file cannot be decrypted: its data key was destroyed, or the bytes were altered."""


class FilePurpose(StrEnum):
    """Why a file is kept; stored in ``stored_files.purpose`` (the values are in rows, so never rename one)."""

    REQUEST_ATTACHMENT = "request_attachment"
    REQUEST_DELIVERY = "request_delivery"
    SEARCH_IMPORT = "search-import"
    SEARCH_REPORT = "search-report"
    CHECKLIST_PDF = "checklist_pdf"
    DOCKET_REPORT = "docket_report"
    FIRM_EXPORT = "firm_export"


# What the provider generates for a firm (offered for delivery, shown on the firm's dashboard).
GENERATED_PURPOSES = (FilePurpose.SEARCH_REPORT, FilePurpose.CHECKLIST_PDF, FilePurpose.DOCKET_REPORT)


class StoredFile(TenantScoped, db.Model):
    """A file kept for a tenant outside the web root: uploads and generated PDFs."""

    __tablename__ = "stored_files"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))  # sanitised, for display and download only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)  # never derived from the filename
    purpose: Mapped[str] = mapped_column(String(40))
    # Provider work product stays hidden from the firm until it is delivered (a search report, say).
    visible_to_firm: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def visible_to(self, user) -> bool:
        """Whether this person may download the file (tenant isolation is already applied)."""
        return self.visible_to_firm or user.is_provider


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A display name safe in a Content-Disposition header; never used as a path."""
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")[:120]
    return name or fallback


def _path_for(tenant_id: int, storage_key: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / f"tenant-{tenant_id}" / storage_key


def tenant_directory(tenant_id: int) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / f"tenant-{tenant_id}"


def _context(tenant_id: int, storage_key: str, version: int) -> bytes:
    return MAGIC + f"\x00{tenant_id}\x00{storage_key}\x00{version}".encode()


def encrypt_for(tenant_id: int, storage_key: str, data: bytes) -> bytes:
    """The bytes written to disk for a file of this firm: under the firm's newest data key."""
    version, key = keys.encryption_key(tenant_id)
    nonce = os.urandom(keys.NONCE_BYTES)
    return (_HEADER.pack(MAGIC, version) + nonce
            + AESGCM(key).encrypt(nonce, data, _context(tenant_id, storage_key, version)))


def key_version_of(raw: bytes) -> int | None:
    """The data key version a file on disk was encrypted under; None for a file stored before encryption."""
    if len(raw) < _HEADER.size or not raw.startswith(MAGIC):
        return None
    return _HEADER.unpack_from(raw)[1]


def decrypt_for(tenant_id: int, storage_key: str, raw: bytes) -> bytes:
    version = key_version_of(raw)
    if version is None:
        # Written before files were encrypted; `flask keys rotate --data-keys` encrypts it in place.
        log.warning("file %s of tenant %s is not encrypted yet", storage_key, tenant_id)
        return raw
    try:
        key = keys.decryption_key(tenant_id, version)
    except keys.DataKeyDestroyed as gone:
        raise FileUnreadable(str(gone)) from None
    body = raw[_HEADER.size:]
    try:
        return AESGCM(key).decrypt(body[:keys.NONCE_BYTES], body[keys.NONCE_BYTES:],
                                   _context(tenant_id, storage_key, version))
    except InvalidTag:
        raise FileUnreadable(f"file {storage_key} of tenant {tenant_id} was altered or belongs elsewhere") from None


def _write_atomically(path: Path, raw: bytes) -> None:
    # A reader sees the old file or the new one, never half of one (re-encryption runs while the app serves).
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, path)


def reencrypt_tenant_files(tenant_id: int) -> tuple[int, int]:
    """Move every file of the firm on disk onto its newest data key; returns (re-encrypted, still older).

    Walks the directory rather than the records, so a file whose record is not committed yet is
    moved too. Each file is replaced atomically, so readers never see half of one.
    """
    directory = tenant_directory(tenant_id)
    newest, _key = keys.encryption_key(tenant_id)
    moved = older = 0
    for path in sorted(directory.iterdir()) if directory.exists() else []:
        if path.name.startswith("."):
            continue  # another writer's temporary file
        raw = path.read_bytes()
        if key_version_of(raw) == newest:
            continue
        try:
            _write_atomically(path, encrypt_for(tenant_id, path.name, decrypt_for(tenant_id, path.name, raw)))
            moved += 1
        except FileUnreadable:
            log.error("file %s of tenant %s cannot be decrypted and stays as it is", path.name, tenant_id)
            older += 1
    return moved, older


def store_bytes(data: bytes, filename: str, content_type: str, purpose: str,
                created_by_id: int | None = None, visible_to_firm: bool = True) -> StoredFile:
    """Write a file for the current tenant and add its record to the session."""
    tenant_id = current_tenant_id()
    storage_key = secrets.token_hex(20)
    path = _path_for(tenant_id, storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, encrypt_for(tenant_id, storage_key, data))
    stored = StoredFile(tenant_id=tenant_id, filename=sanitise_filename(filename), content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=storage_key,
                        purpose=purpose, created_by_id=created_by_id, visible_to_firm=visible_to_firm)
    db.session.add(stored)
    db.session.flush()
    return stored


def read_bytes(stored: StoredFile) -> bytes:
    """The decrypted content; raises FileUnreadable when the firm's data key is gone or the file was altered."""
    raw = _path_for(stored.tenant_id, stored.storage_key).read_bytes()
    return decrypt_for(stored.tenant_id, stored.storage_key, raw)


def send_stored(stored: StoredFile):
    """Always an attachment: a stored file is never rendered by the browser as our page."""
    response = send_file(io.BytesIO(read_bytes(stored)), mimetype=stored.content_type,
                         as_attachment=True, download_name=stored.filename, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

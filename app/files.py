"""Tenant files on disk, outside the web root: stored under random keys, served as attachments."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app, send_file

from .extensions import db
from .patents.models import StoredFile
from .tenancy import current_tenant_id

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A display name safe in a Content-Disposition header; never used as a path."""
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")[:120]
    return name or fallback


def _path_for(tenant_id: int, storage_key: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / f"tenant-{tenant_id}" / storage_key


def store_bytes(data: bytes, filename: str, content_type: str, purpose: str,
                created_by_id: int | None = None, visible_to_firm: bool = True) -> StoredFile:
    """Write a file for the current tenant and add its record to the session."""
    tenant_id = current_tenant_id()
    storage_key = secrets.token_hex(20)
    path = _path_for(tenant_id, storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stored = StoredFile(tenant_id=tenant_id, filename=sanitise_filename(filename), content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=storage_key,
                        purpose=purpose, created_by_id=created_by_id, visible_to_firm=visible_to_firm)
    db.session.add(stored)
    db.session.flush()
    return stored


def read_bytes(stored: StoredFile) -> bytes:
    return _path_for(stored.tenant_id, stored.storage_key).read_bytes()


def send_stored(stored: StoredFile):
    """Always an attachment: a stored file is never rendered by the browser as our page."""
    response = send_file(_path_for(stored.tenant_id, stored.storage_key), mimetype=stored.content_type,
                         as_attachment=True, download_name=stored.filename, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

"""Tenant files on disk, outside the web root: their records, stored under random keys, served as attachments."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import DateTime, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import utcnow
from .tenancy import TenantScoped, current_tenant_id


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

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

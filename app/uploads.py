"""Uploaded files: judged by their first bytes, not their names, before anything is stored."""
from __future__ import annotations

from dataclasses import dataclass

from .files import StoredFile, store_bytes
from .models import User

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


class UploadRejected(ValueError):
    """An uploaded file is too large or not of an allowed type; the message says which."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("application/pdf", (".pdf",))
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PNG = FileType("image/png", (".png",))
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"))
TEXT = FileType("text/plain; charset=utf-8", (".txt",))
ALLOWED_EXTENSIONS = ", ".join(ext for t in (PDF, DOCX, XLSX, PNG, JPEG, TEXT) for ext in t.extensions)


def _sniff(data: bytes, extension: str) -> FileType | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return XLSX if extension == ".xlsx" else DOCX
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT if b"\x00" not in data else None


def check_upload(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str:
    """The content type of an acceptable upload, judged by its first bytes; raises UploadRejected otherwise."""
    name = filename or "file"
    if len(data) > max_bytes:
        raise UploadRejected(f"{name} is {len(data) / 1048576:.1f} MB; the limit per file is "
                             f"{max_bytes / 1048576:.0f} MB.")
    if not data:
        raise UploadRejected(f"{name} is empty.")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = _sniff(data, extension)
    if found is None or extension not in found.extensions:
        raise UploadRejected(f"{name} is not an allowed file, or its content does not match its name. "
                             f"Allowed: {ALLOWED_EXTENSIONS}.")
    return found.content_type


def store_upload(data: bytes, filename: str, purpose: str, user: User, max_bytes: int) -> StoredFile:
    content_type = check_upload(data, filename, max_bytes)
    return store_bytes(data, filename, content_type, purpose, created_by_id=user.id)

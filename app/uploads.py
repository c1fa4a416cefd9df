"""Uploaded files: judged by their first bytes, not their names, before anything is stored."""
from __future__ import annotations

from dataclasses import dataclass

from .files import StoredFile, store_bytes
from .models import User

DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024  # MAX_UPLOAD_MB's default; the app reads max_file_bytes()
MB = 1024 * 1024


def max_file_bytes() -> int:
    """The one per-file upload limit (MAX_UPLOAD_MB), used by every upload."""
    from flask import current_app
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_FILE_BYTES)


def megabytes(size: int) -> str:
    """A size as people read it: '12.0 MB', '0.4 MB'."""
    return f"{size / MB:.1f} MB"


def limit_text(limit: int | None = None) -> str:
    """The limit as a round figure when it is one: '25 MB', '0.5 MB'."""
    limit = max_file_bytes() if limit is None else limit
    figure = limit / MB
    return f"{figure:.0f} MB" if figure == int(figure) else f"{figure:.1f} MB"


def size_refusal(name: str, size: int, limit: int) -> str:
    """'huge.pdf is 12.0 MB; the limit per file is 10 MB.' (or 'is over 10 MB' when it rounds to the limit)."""
    said = megabytes(size) if round(size / MB, 1) > round(limit / MB, 1) else f"over {limit_text(limit)}"
    return f"{name} is {said}; the limit per file is {limit_text(limit)}."


def read_limited(storage, limit: int) -> tuple[bytes, int]:
    """Up to limit + 1 bytes of an uploaded file, and its real size (so a message can say it)."""
    data = storage.read(limit + 1)
    if len(data) <= limit:
        return data, len(data)
    stream = getattr(storage, "stream", storage)
    try:
        stream.seek(0, 2)
        return data, stream.tell()
    except (AttributeError, OSError, ValueError):
        return data, len(data) + sum(len(chunk) for chunk in iter(lambda: storage.read(1 << 20), b""))


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


def check_upload(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES, size: int | None = None) -> str:
    """The content type of an acceptable upload, judged by its first bytes; raises UploadRejected otherwise.

    size is the file's real size when data holds only its first max_bytes + 1 bytes."""
    name = filename or "file"
    size = len(data) if size is None else size
    if size > max_bytes or len(data) > max_bytes:
        raise UploadRejected(size_refusal(name, max(size, len(data)), max_bytes))
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

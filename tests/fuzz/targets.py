"""The fuzz targets: each feeds one input to a parser and allows only its documented error."""
from __future__ import annotations

from app.files import sanitise_filename
from app.patents.drafts import DraftInputError, parse_claims
from app.patents.search.query import QuerySyntaxError, parse_query


def search_query(text: str) -> None:
    try:
        parse_query(text)
    except QuerySyntaxError:
        pass


def claims(text: str) -> None:
    try:
        parse_claims(text)
    except DraftInputError:
        pass


def file_name(text: str) -> None:
    cleaned = sanitise_filename(text)
    if not cleaned or "/" in cleaned or "\\" in cleaned or cleaned.startswith(".") or len(cleaned) > 120 \
            or any(ord(ch) < 32 or ord(ch) > 126 for ch in cleaned):
        raise AssertionError(f"unsafe file name {cleaned!r} from {text!r}")


TARGETS = {"search_query": search_query, "claims": claims, "file_name": file_name}

"""Redirect targets that come from the request: the one check every such redirect goes through.

A ``next`` or ``back`` value is attacker-controlled (a phishing link can carry it), so a redirect to it
must stay on this site. Checking the raw string is not enough, because browsers clean a Location value
before they parse it: the WHATWG URL parser strips leading and trailing C0 controls and spaces, removes
every tab, CR and LF anywhere, and reads ``\\`` as ``/``. ``/\\t/evil.example`` passes a
``startswith("/") and not startswith("//")`` test and is then followed as ``//evil.example``. So the
value is cleaned the way a browser cleans it, parsed with ``urllib.parse``, and accepted only as a path
on this site; what is returned is the cleaned path, so the browser gets exactly what was checked.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_REMOVED_ANYWHERE = str.maketrans("", "", "\t\n\r")
MAX_TARGET_LENGTH = 2048


def safe_local_path(target: str | None, default: str | None = None) -> str | None:
    """``target`` as a path on this site (``/docket?x=1``), or ``default`` when it would leave the site."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return default
    cleaned = target.strip(_C0_AND_SPACE).translate(_REMOVED_ANYWHERE).replace("\\", "/")
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in cleaned):
        return default  # NUL and friends: never part of a link we made
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return default  # relative paths and scheme-relative //host
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))

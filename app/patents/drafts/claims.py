"""Parse a plain-text claim set into :class:`~app.patents.claims.Claim` objects.

Input format: claims as filed, one claim per paragraph, each starting with
``N.`` (``N .`` and leading spaces tolerated).  Lines that do not start with a
claim number are continuation lines of the current claim (wrapped lines,
indented claim elements).  Text before claim 1 (a heading such as "What is
claimed is:", "Claims", "I claim:") is ignored.

US amendment status identifiers directly after the number, e.g.
``3. (Currently Amended)``, are stripped; ``(Canceled)``/``(Cancelled)``
claims are kept for numbering but flagged ``canceled`` and skipped by the
other checks and by the fee count.
"""
from __future__ import annotations

import re

from ..claims import Claim, resolve_dependencies

__all__ = ["Claim", "DraftInputError", "parse_claims"]


class DraftInputError(ValueError):
    """The draft text cannot be read as a claim set / document."""


_CLAIM_START = re.compile(r"^[ \t]*(\d{1,4})[ \t]*\.(?!\d)[ \t]*(.*)$")
_STATUS = re.compile(
    r"^\((original|currently amended|previously presented|new|withdrawn|"
    r"withdrawn[ -]currently amended|canceled|cancelled|not entered|amended)\)\s*",
    re.I,
)


def parse_claims(text: str) -> list[Claim]:
    """Parse claims text. Raises DraftInputError if no numbered claims are found."""
    if text is None or not isinstance(text, str):
        raise DraftInputError("No claims text was provided.")
    norm = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not norm.strip():
        raise DraftInputError("The claims text is empty.")

    raw: list[dict] = []
    offset = 0
    for lineno, line in enumerate(norm.split("\n"), start=1):
        m = _CLAIM_START.match(line)
        if m:
            # A bare number line ("2." alone, text on the next line) also starts a claim.
            raw.append({"number": int(m.group(1)), "parts": [m.group(2).strip()],
                        "line": lineno, "position": offset + m.start(1)})
        elif raw:
            if line.strip():
                raw[-1]["parts"].append(line.strip())
        offset += len(line) + 1

    if not raw:
        raise DraftInputError(
            "No numbered claims were found. Each claim must start on its own line with its "
            "number followed by a full stop, e.g. '1. A device comprising ...'."
        )

    claims: list[Claim] = []
    for r in raw:
        body = " ".join(p for p in r["parts"] if p)
        body = re.sub(r"\s+", " ", body).strip()
        status = None
        canceled = False
        sm = _STATUS.match(body)
        if sm:
            status = sm.group(1).title()
            canceled = sm.group(1).lower() in ("canceled", "cancelled")
            body = body[sm.end():].strip()
        claims.append(Claim(number=r["number"], text=body, line=r["line"],
                            position=r["position"], status=status, canceled=canceled))

    if not any(c.text for c in claims if not c.canceled):
        raise DraftInputError("The numbered claims contain no claim text.")

    existing = [c.number for c in claims if not c.canceled]
    for c in claims:
        if not c.canceled:
            resolve_dependencies(c, [n for n in existing if n < c.number])
    return claims

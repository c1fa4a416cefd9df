"""Parse a plain-text claim set into :class:`Claim` objects.

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
from dataclasses import dataclass, field


class DraftInputError(ValueError):
    """The draft text cannot be read as a claim set / document."""


@dataclass
class Claim:
    number: int
    text: str                       # claim body, wrapped lines joined by single spaces
    depends_on: list[int] = field(default_factory=list)   # claims referred to (sorted, unique)
    is_multiple_dependent: bool = False
    line: int = 0                   # 1-based line of the claim number in the input
    position: int = 0               # char offset of the claim number in the input (CRLF normalised)
    refers_to_all_preceding: bool = False   # "any preceding claim"
    cumulative_reference: bool = False      # "claims 1 and 2" (not in the alternative)
    canceled: bool = False
    status: str | None = None       # e.g. "Original", "Currently Amended"

    @property
    def is_independent(self) -> bool:
        return not self.depends_on and not self.refers_to_all_preceding


_CLAIM_START = re.compile(r"^[ \t]*(\d{1,4})[ \t]*\.(?!\d)[ \t]*(.*)$")
_STATUS = re.compile(
    r"^\((original|currently amended|previously presented|new|withdrawn|"
    r"withdrawn[ -]currently amended|canceled|cancelled|not entered|amended)\)\s*",
    re.I,
)
_REF_LIST = re.compile(
    r"\bclaims?\s+(?P<list>\d+(?:\s*(?:,\s*(?:or|and)\b|,|;|\bor\b|\band\b|\bto\b|\bthrough\b|\bthru\b|"
    r"-|\u2013|\u2014)\s*(?:claims?\s+)?\d+)*)",
    re.I,
)
_ANY_PRECEDING = re.compile(
    r"\bany\s+(?:one\s+)?(?:of\s+)?(?:the\s+)?(?:preceding|previous|foregoing|prior|above)\s+claims?\b",
    re.I,
)
_RANGE_WORDS = {"to", "through", "thru", "-", "\u2013", "\u2014"}


def extract_references(text: str, number: int | None = None, existing: list[int] | None = None):
    """Return (referenced claim numbers, refers_to_all_preceding, cumulative)."""
    refs: list[int] = []
    cumulative = False
    for m in _REF_LIST.finditer(text):
        tokens = re.findall(r"\d+|to|through|thru|or|and|-|\u2013|\u2014", m.group("list"), re.I)
        nums: list[int] = []
        pending_range = False
        has_or = has_and = has_range = False
        for tok in tokens:
            t = tok.lower()
            if t.isdigit():
                n = int(t)
                if pending_range and nums and n >= nums[-1]:
                    nums.extend(range(nums[-1] + 1, n + 1))
                else:
                    nums.append(n)
                pending_range = False
            elif t in _RANGE_WORDS:
                pending_range = True
                has_range = True
            elif t == "or":
                has_or = True
            elif t == "and":
                has_and = True
        if len(set(nums)) > 1 and has_and and not has_or and not has_range:
            prefix = text[max(0, m.start() - 20):m.start()].lower()
            if "any" not in prefix and "either" not in prefix:
                cumulative = True
        refs.extend(nums)
    all_prev = bool(_ANY_PRECEDING.search(text))
    if all_prev and number is not None:
        pool = existing if existing is not None else list(range(1, number))
        refs.extend(n for n in pool if n < number)
    return sorted(set(refs)), all_prev, cumulative


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
        if c.canceled:
            continue
        refs, all_prev, cumulative = extract_references(c.text, c.number, existing)
        c.depends_on = refs
        c.refers_to_all_preceding = all_prev
        c.cumulative_reference = cumulative
        c.is_multiple_dependent = len(refs) > 1 or (all_prev and len(refs) > 1)
    return claims

"""Reference-numeral consistency between description and claims.

* Description numerals: "<word> <numeral>" such as "coil 12", "housing 14a",
  "step 102", "arm 16'" (the word must not be a function word / "FIG." /
  "claim" etc., and the numeral must not be followed by a unit).
* Claim numerals: EP-style parenthesised signs "(12)", "(14a)", plus
  "<word> <numeral>" as above.

Findings (code NUMERAL_UNUSED, severity note):
* a numeral used in the claims that never appears in the description;
* when the claims use reference numerals at all (EP style), each description
  numeral never used in any claim.  US-style claims without numerals produce no
  description-side notes (otherwise every numeral would be reported).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .claims import Claim

_NUMERAL = r"(\d{1,4}[a-z]?(?:'{1,3}|\u2032{1,3})?)"
_WORD_NUMERAL = re.compile(r"\b([A-Za-z][A-Za-z\-]*)[ \t]+" + _NUMERAL + r"(?![\w.,]*\d)(?!\w)")
_PAREN_ANY = re.compile(r"\(\s*(\d{1,4}[a-z]?'*(?:\s*[,;]\s*\d{1,4}[a-z]?'*)*)\s*\)")

_SKIP_WORDS = {
    "fig", "figs", "figure", "figures", "claim", "claims", "table", "tables", "example", "examples",
    "no", "nos", "number", "numbers", "paragraph", "paragraphs", "section", "sections", "page", "pages",
    "line", "lines", "col", "column", "columns", "chapter", "formula", "equation", "eq", "seq", "id",
    "version", "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours",
    "minute", "minutes", "min", "sec", "seconds", "times", "about", "approximately", "approx", "roughly",
    "nearly", "around", "some", "of", "to", "and", "or", "than", "from", "at", "by", "in", "on", "is",
    "are", "was", "were", "be", "with", "between", "over", "under", "up", "least", "most", "only", "x",
    "the", "a", "an", "for", "into", "as", "each", "every", "all", "first", "last", "ratio", "range",
    "embodiment", "embodiments", "ser", "appl", "application", "patent", "pub", "publication", "us",
    "u", "s", "pat", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "item", "items", "scheme", "compound", "compounds", "level", "grade", "type", "class",
    "phase", "stage", "generation", "gen", "rev", "revision", "model", "series", "group", "groups",
    "ph", "within", "reference", "numeral", "numerals", "sign", "signs", "exceeds", "exceeding",
    "below", "above", "until", "per", "via", "then", "step", "steps", "operation", "operations",
    "block", "blocks",
}
# Flowchart labels ("step 102", "block 204") are real reference numerals; keep them.
_SKIP_WORDS -= {"step", "steps", "block", "blocks", "operation", "operations"}
_UNITS = {
    "mm", "cm", "m", "km", "nm", "um", "\u00b5m", "\u03bcm", "in", "inch", "inches", "ft", "kg", "g", "mg",
    "ug", "\u00b5g", "\u03bcg", "ng", "ml", "l", "ul", "\u00b5l", "%", "percent", "wt", "vol", "degrees",
    "deg", "\u00b0", "\u00b0c", "\u00b0f", "c", "f", "k", "hz", "khz", "mhz", "ghz", "v", "mv", "kv", "a",
    "ma", "w", "kw", "mw", "s", "ms", "us", "ns", "min", "h", "hr", "hrs", "rpm", "psi", "pa", "kpa",
    "mpa", "gpa", "bar", "mbar", "atm", "mol", "mmol", "umol", "ppm", "ppb", "days", "hours",
    "minutes", "seconds", "weeks", "months", "years", "times", "fold", "x", "bits", "bit", "bytes",
    "byte", "kb", "mb", "gb", "pixels", "px", "db", "dbm", "ohm", "ohms", "mah", "wh", "kwh", "nm.",
    "mg/kg", "mg/ml", "g/l", "mol/l", "iu", "units", "cycles", "n", "lbs", "lb", "oz",
}


@dataclass
class NumeralUse:
    numeral: str
    word: str | None
    claim: int | None
    offset: int


def _unit_follows(text: str, end: int) -> bool:
    m = re.match(r"\s*([^\s,;.)]+)", text[end:])
    return bool(m and (m.group(1).lower() in _UNITS or m.group(1).startswith(("%", "\u00b0"))))


def description_numerals(description: str) -> dict[str, list[str]]:
    """numeral -> words it labels in the description (e.g. {'12': ['coil']})."""
    out: dict[str, list[str]] = {}
    for m in _WORD_NUMERAL.finditer(description or ""):
        word, num = m.group(1), m.group(2)
        if word.lower() in _SKIP_WORDS or _unit_follows(description, m.end()):
            continue
        if len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2099:
            continue
        out.setdefault(num.lower(), [])
        if word.lower() not in out[num.lower()]:
            out[num.lower()].append(word.lower())
    for m in _PAREN_ANY.finditer(description or ""):
        for num in re.split(r"\s*[,;]\s*", m.group(1)):
            out.setdefault(num.lower(), [])
    return out


def claim_numerals(claims: list[Claim]) -> list[NumeralUse]:
    uses: list[NumeralUse] = []
    for c in claims:
        if c.canceled:
            continue
        for m in _PAREN_ANY.finditer(c.text):
            before = c.text[:m.start()].rstrip().split()
            word = before[-1].lower().strip(",;:") if before else None
            if word in ("claim", "claims", "formula", "equation"):
                continue
            for num in re.split(r"\s*[,;]\s*", m.group(1)):
                uses.append(NumeralUse(num.lower(), word, c.number, m.start()))
        for m in _WORD_NUMERAL.finditer(c.text):
            word, num = m.group(1), m.group(2)
            if word.lower() in _SKIP_WORDS or _unit_follows(c.text, m.end()):
                continue
            uses.append(NumeralUse(num.lower(), word.lower(), c.number, m.start(2)))
    return uses


def _sort_key(num: str):
    m = re.match(r"(\d+)(.*)", num)
    return (int(m.group(1)), m.group(2)) if m else (10 ** 6, num)


def check_numerals(claims: list[Claim], description: str | None) -> list[dict]:
    """Return raw numeral issues: dicts with numeral, claim, offset, direction, words."""
    if not description or not description.strip():
        return []
    desc = description_numerals(description)
    uses = claim_numerals(claims)
    issues: list[dict] = []
    reported: set[str] = set()
    for u in uses:
        if u.numeral not in desc and u.numeral not in reported:
            reported.add(u.numeral)
            issues.append({"direction": "claims_only", "numeral": u.numeral, "claim": u.claim,
                           "offset": u.offset, "words": [u.word] if u.word else []})
    if uses:
        used = {u.numeral for u in uses}
        for num in sorted(desc, key=_sort_key):
            if num not in used:
                issues.append({"direction": "description_only", "numeral": num, "claim": None,
                               "offset": None, "words": desc[num]})
    return issues

"""The patent record model shared by importers, the index and the DB layer, and patent number normalisation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..claims import Claim

# Letter prefixes of US series that are not plain utility numbers: design, reissue, plant,
# statutory invention registration, T-documents, X-patents, additions of improvement.
_US_SERIES_PREFIXES = ("RE", "PP", "AI", "D", "H", "T", "X")

_NUMBER_RE = re.compile(
    r"^(?P<country>[A-Z]{2})?"
    r"(?P<series>RE|PP|AI|D|H|T|X)?"
    r"(?P<digits>\d+)"
    r"(?P<kind>[A-Z]\d?)?$"
)
_PUBLICATION_YEAR_RE = re.compile(
    r"^(?P<country>[A-Z]{2})(?P<year>(?:19|20)\d\d)/(?P<serial>\d{1,7})(?P<kind>[A-Z]\d?)?$"
)

# EPO search-report style: `US-A1- 2007 204 872`, `WO-A1-2014/114885`
_EPO_CITATION_RE = re.compile(r"^(?P<country>[A-Z]{2})\s*-\s*(?P<kind>[A-Z]\d?)\s*-\s*(?P<rest>.+)$")


@dataclass
class Citation:
    """A cited document: `number` is a canonical patent number, `text` the free text of a non-patent citation."""

    number: str | None
    category: str | None = None  # 'examiner', 'applicant' or None when the source does not say
    text: str | None = None


@dataclass
class PatentRecord:
    number: str  # canonical, e.g. US8147483B2, US20130014212A1, EP3383757B1
    country: str
    doc_number: str
    kind: str | None
    title: str = ""
    abstract: str = ""
    claims: list[Claim] = field(default_factory=list)
    description: str = ""
    cpc: list[str] = field(default_factory=list)  # normalised, e.g. H04L9/0861
    ipc: list[str] = field(default_factory=list)
    applicants: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    inventors: list[str] = field(default_factory=list)
    priority_date: date | None = None
    filing_date: date | None = None
    publication_date: date | None = None
    application_number: str | None = None
    family_id: str | None = None
    # {'relation': 'continuation'|'division'|'priority'|..., 'country', 'doc_number', 'kind', 'date'}
    related_documents: list[dict] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    source_format: str = ""

    @classmethod
    def from_number(cls, number: str, kind: str | None = None, **fields) -> PatentRecord:
        """A record whose number, country, doc_number and kind come from one raw patent number (and kind code)."""
        country, doc_number, kind = split_number(number, kind)
        return cls(number=f"{country}{doc_number}{kind or ''}", country=country,
                   doc_number=doc_number, kind=kind, **fields)


def split_number(raw: str, kind: str | None = None) -> tuple[str, str, str | None]:
    """Split a raw patent number into (country, doc_number, kind), canonicalising doc_number.

    US grant numbers lose their leading zeros (US07314354 -> 7314354, D0656296 -> D656296);
    US pre-grant numbers become year + 7-digit serial (US2013/0014212 -> 20130014212).
    Also accepts the EPO citation form `US-A1- 2007 204 872`.
    Raises ValueError for text that is not a patent number.
    """
    epo_citation = _EPO_CITATION_RE.match(raw.strip().upper())
    if epo_citation:
        return split_number(epo_citation.group("country") + epo_citation.group("rest"),
                            kind or epo_citation.group("kind"))
    compact = re.sub(r"[\s,.\-]", "", raw.strip().upper())
    year_form = _PUBLICATION_YEAR_RE.match(compact)
    if year_form:
        country = year_form.group("country")
        serial = year_form.group("serial")
        doc_number = year_form.group("year") + (serial.zfill(7) if country == "US" else serial)
        found_kind = year_form.group("kind")
    else:
        match = _NUMBER_RE.match(compact.replace("/", ""))
        if not match:
            raise ValueError(f"not a patent number: {raw!r}")
        country = match.group("country") or ""
        series = match.group("series") or ""
        digits = match.group("digits")
        found_kind = match.group("kind")
        if country == "US" and not series and len(digits) == 10 and digits[:2] in ("19", "20"):
            digits = digits[:4] + digits[4:].zfill(7)  # EPO style US2007204872 -> US20070204872
        elif country == "US" and (series or len(digits) != 11):
            digits = digits.lstrip("0") or "0"  # grants; 11 digits is a pre-grant year + serial
        doc_number = series + digits
    kind = (kind or found_kind or "").strip().upper() or None
    return country, doc_number, kind


def normalise_number(raw: str) -> str:
    """Canonical form of a patent number: `US 7,314,354 B2` -> `US7314354B2`, `EP 3 383 757 B1` -> `EP3383757B1`."""
    country, doc_number, kind = split_number(raw)
    return f"{country}{doc_number}{kind or ''}"


def number_variants(raw: str) -> list[str]:
    """Every form a `pn:`/`ct:` query may use for this number: with/without kind, country and leading zeros.

    The query side normalises its value and looks it up among these, so `pn:US7314354`,
    `pn:US07314354B2` and `pn:7314354` all find `US7314354B2`.
    """
    country, doc_number, kind = split_number(raw)
    series = next((p for p in _US_SERIES_PREFIXES if doc_number.startswith(p)), "") if country == "US" else ""
    digits = doc_number[len(series):]
    bodies = {doc_number}
    if digits.isdigit():
        bodies.add(series + (digits.lstrip("0") or "0"))
        if country == "US" and len(digits) < 8:
            bodies.add(series + digits.zfill(8 - len(series)))
    variants: set[str] = set()
    for body in bodies:
        for prefix in {country, ""}:
            variants.add(prefix + body)
            if kind:
                variants.add(prefix + body + kind)
    return sorted(variants)

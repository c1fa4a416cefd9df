"""What a searcher's results list shows of each hit (applicant, dates, classes, family, abstract, first claim,
key terms) and the session's cited documents as CSV and RIS. Reads only what the current tenant may see."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...tenancy import current_tenant_id
from .models import CATEGORIES, PatentDocument, PrivateDocument, SearchSession

_MARKED = re.compile(r'<mark class="match[^"]*">(.*?)</mark>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass
class HitDetails:
    applicant: str = ""
    priority_date: date | None = None
    classes: list[str] = field(default_factory=list)
    family: str = ""
    abstract: str = ""
    first_claim: str = ""
    key_terms: list[str] = field(default_factory=list)


def _applicant(document) -> str:
    names = list(document.applicants or []) or list(document.assignees or []) or list(document.inventors or [])
    return names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "") if names else ""


def key_terms(hit) -> list[str]:
    """The terms that drove the hit: similar()'s own, or the words the highlighter marked in the snippets."""
    if hit.terms:
        return list(hit.terms)[:8]
    found: dict[str, None] = {}
    for snippet in (hit.snippets or {}).values():
        for word in _MARKED.findall(snippet or ""):
            found.setdefault(_TAG.sub("", word).strip().lower(), None)
    return [w for w in found if w][:8]


def hit_details(hits) -> dict[str, HitDetails]:
    """Details for one page of hits, by number: two queries, whatever the page size."""
    public_numbers = [h.number for h in hits if h.collection == "public"]
    private_numbers = [h.number for h in hits if h.collection != "public"]
    documents: dict[tuple[str, bool], object] = {}
    if public_numbers:
        for document in db.session.execute(select(PatentDocument).where(PatentDocument.number.in_(public_numbers))
                                           ).scalars():
            documents[(document.number, True)] = document
    if private_numbers:
        for document in db.session.execute(select(PrivateDocument).where(
                PrivateDocument.number.in_(private_numbers), PrivateDocument.tenant_id == current_tenant_id())
                ).scalars():
            documents[(document.number, False)] = document
    details = {}
    for hit in hits:
        document = documents.get((hit.number, hit.collection == "public"))
        info = HitDetails(key_terms=key_terms(hit))
        if document is not None:
            claims = document.claims or []
            info.applicant = _applicant(document)
            info.priority_date = document.priority_date or document.filing_date
            info.classes = list(dict.fromkeys([*(document.cpc or []), *(document.ipc or [])]))
            info.family = document.family_id or ""
            info.abstract = document.abstract or ""
            info.first_claim = claims[0]["text"] if claims else ""
        details[hit.number] = info
    return details


# --- The cited documents as CSV and RIS ----------------------------------------------------------------------

CSV_COLUMNS = ["Category", "Number", "Title", "Applicant", "Published", "Priority", "Collection", "Relevant passage",
               "Bears on claims", "Notes"]


def _csv_safe(value) -> str:
    """Spreadsheets run cells starting with = + - @ (or tab/CR) as formulas; make them plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _cited(session: SearchSession):
    numbers = [m.number for m in session.marks]
    public = {d.number: d for d in db.session.execute(
        select(PatentDocument).where(PatentDocument.number.in_(numbers))).scalars()} if numbers else {}
    private = {d.number: d for d in db.session.execute(select(PrivateDocument).where(
        PrivateDocument.number.in_(numbers), PrivateDocument.tenant_id == session.tenant_id)).scalars()} \
        if numbers else {}
    order = {code: n for n, code in enumerate(CATEGORIES)}
    for mark in sorted(session.marks, key=lambda m: (order.get(m.category, 9), m.id)):
        document = (private if mark.collection == "private" else public).get(mark.number)
        yield mark, document


def citations_csv(session: SearchSession) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for mark, document in _cited(session):
        writer.writerow([_csv_safe(v) for v in (
            mark.category, mark.number, mark.title, _applicant(document) if document else "",
            mark.publication_date.isoformat() if mark.publication_date else "",
            (document.priority_date or document.filing_date or "") if document else "",
            "public" if mark.collection == "public" else "firm", mark.passage, mark.claims, mark.notes)])
    return out.getvalue()


def _ris_line(tag: str, value) -> str:
    text = " ".join(str(value).split())  # one line per tag: RIS has no continuation lines
    return f"{tag}  - {text}\r\n" if text else ""


def citations_ris(session: SearchSession) -> str:
    """RIS (reference managers: EndNote, Zotero, Citavi): TY PAT per cited document."""
    parts = []
    for mark, document in _cited(session):
        lines = [_ris_line("TY", "PAT"), _ris_line("TI", mark.title or mark.number)]
        for name in (list(document.inventors or []) if document else []):
            lines.append(_ris_line("AU", name))
        for name in (list(document.applicants or []) or list(document.assignees or [])) if document else []:
            lines.append(_ris_line("A2", name))
        if mark.publication_date:
            lines += [_ris_line("PY", mark.publication_date.year), _ris_line("DA", mark.publication_date.isoformat())]
        lines += [_ris_line("M1", mark.number), _ris_line("CY", document.country if document else ""),
                  _ris_line("AB", document.abstract if document else ""),
                  _ris_line("N1", f"Category {mark.category}" + (f"; claims {mark.claims}" if mark.claims else "")
                            + (f"; passage: {mark.passage}" if mark.passage else "")
                            + (f"; notes: {mark.notes}" if mark.notes else "")),
                  _ris_line("KW", CATEGORIES.get(mark.category, mark.category)), "ER  - \r\n"]
        parts.append("".join(lines))
    return "".join(parts)

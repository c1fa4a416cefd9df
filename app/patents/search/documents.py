"""What an engine indexes for a PatentRecord: the fields, their values and the query-time field boosts (all engines)."""
from __future__ import annotations

from datetime import date

from .records import PatentRecord, number_variants

# A term in the title, the claims or the abstract says more about the invention than the same term
# somewhere in a long description. Applied at query time, identically by every engine.
FIELD_BOOSTS = {"title": 2.0, "abstract": 1.5, "claims": 1.5, "description": 0.7}
STORED_TEXT_FIELDS = ("title", "abstract", "claims", "description")


def date_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def number_date(value: int | None) -> date | None:
    return date(value // 10000, value // 100 % 100, value % 100) if value else None


def classification_levels(symbol: str) -> list[str]:
    """`H04L9/0861` -> H, H04, H04L, H04L9, H04L9/0861 so that `cpc:H04L` and `cpc:H04L9*` both match."""
    symbol = symbol.replace(" ", "").upper()
    levels = [symbol[:1], symbol[:3], symbol[:4]]
    if "/" in symbol:
        levels.append(symbol.split("/", 1)[0])
    levels.append(symbol)
    return list(dict.fromkeys(level for level in levels if level))


def claims_text(record: PatentRecord) -> str:
    """Claims stored one per line as `N. text` (the highlighter finds the matched claim by its line)."""
    return "\n".join(f"{claim.number}. {claim.text}" for claim in record.claims)


def safe_variants(number: str) -> list[str]:
    try:
        return number_variants(number)
    except ValueError:
        return [number.replace(" ", "").upper()]


def family_key(record: PatentRecord, collection: str) -> str:
    return record.family_id or f"{collection}|{record.number}"


def document_fields(record: PatentRecord, collection: str) -> dict:
    """The engine-neutral document: text fields as text, keyword fields as lists of exact terms, dates as YYYYMMDD."""
    cited = {variant for citation in record.citations if citation.number
             for variant in safe_variants(citation.number)}
    claims = claims_text(record)
    fields = {
        "number": record.number,
        "pn": safe_variants(record.number),
        "title": record.title,
        "abstract": record.abstract,
        "claims": claims,
        "description": record.description,
        "body": "\n".join((record.title, record.abstract, claims, record.description)),
        "cpc": sorted({level for symbol in record.cpc for level in classification_levels(symbol)}),
        "ipc": sorted({level for symbol in record.ipc for level in classification_levels(symbol)}),
        "pa": "\n".join(record.applicants + record.assignees),
        "inventor": "\n".join(record.inventors),
        "ct": sorted(cited),
        "country": record.country,
        "kind": record.kind or "",
        "collection": collection,
        "family": family_key(record, collection),
        "publication_date": date_number(record.publication_date) if record.publication_date else 0,
        "priority_date": date_number(record.priority_date) if record.priority_date else 0,
    }
    return fields

"""The earliest priority date: one rule for the docket, the search cut-off and imported documents.

An application's earliest priority date is the earliest filing date it may rely on: its own, a priority claim's,
a provisional's, or (through the chain of parents) a continuation's, divisional's or national phase's parent.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# Family links that carry an earlier effective filing date to the later application, with the law that says so.
PRIORITY_LINKS = {
    "priority": "Paris Convention Art. 4; 35 U.S.C. 119(a); EPC Art. 87-88; PCT Art. 8",
    "provisional": "35 U.S.C. 119(e)",
    "continuation": "35 U.S.C. 120",
    # A continuation-in-part has the parent's date only for what the parent disclosed; the docket and the search
    # cut-off take the earliest date, which is the safe side for both (deadlines earlier, prior art narrower).
    "cip": "35 U.S.C. 120",
    "divisional": "35 U.S.C. 121; EPC Art. 76(1)",
    "national_phase": "PCT Art. 11(3)",
    "reissue": "35 U.S.C. 251",
}

# How the USPTO's XML (<us-related-documents>) and our own importers name those links.
IMPORTED_RELATIONS = {
    "priority": "priority",
    "us-provisional-application": "provisional",
    "continuation": "continuation",
    "continuation-in-part": "cip",
    "division": "divisional",
    "reissue": "reissue",
    "continuing-reissue": "reissue",
}


def earliest_priority_date(filing_date: date | None, links: Iterable[tuple[str | None, date | None]]) -> date | None:
    """The earliest of the filing date and the dates of the priority-bearing ``(relation, date)`` links."""
    dates = [when for relation, when in links if when is not None and relation in PRIORITY_LINKS]
    if filing_date is not None:
        dates.append(filing_date)
    return min(dates, default=None)


def imported_priority_date(filing_date: date | None, related: Iterable[dict]) -> date | None:
    """The same rule over an imported document's related documents (``relation`` and ISO ``date`` keys)."""
    return earliest_priority_date(filing_date, (
        (IMPORTED_RELATIONS.get(r.get("relation") or ""), date.fromisoformat(r["date"]) if r.get("date") else None)
        for r in related))

"""Search sessions: running queries with their history, marking hits X/Y/A, delivering the report.

Flushes, never commits."""
from __future__ import annotations

import html
import re
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...models import utcnow
from ...tenancy import current_tenant_id
from .corpus import collections_for_tenant, indexes
from .engine import SearchResult, search, similar
from .importers import claim_references
from .models import CATEGORIES, MarkedHit, PatentDocument, PrivateDocument, SearchQuery, SearchSession
from .records import split_number


def readable(session: SearchSession, user) -> bool:
    """The one rule for the provider's search work in progress (issue 11 item 4): its queries, marks, passages,
    notes and report belong to the provider until delivered; then the firm reads them. Provider staff read the
    sessions of the firms they are assigned to (the tenancy filter decides which)."""
    return user.is_provider or session.delivered_at is not None


def readable_sessions(user):
    """The sessions this person may list, as a query (pages and the API page through it)."""
    query = select(SearchSession)
    return query if user.is_provider else query.where(SearchSession.delivered_at.is_not(None))


def create_session(matter, title: str, user) -> SearchSession:
    session = SearchSession(matter_id=matter.id, title=title.strip() or f"Prior-art search for {matter.reference}",
                            cutoff_date=matter.earliest_priority_date, created_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    return session


def run_query(query: SearchQuery, limit: int = 20, offset: int = 0, *, count_limit: int | None = None,
              budget=None) -> SearchResult:
    """Run a stored query over the public corpus and the session tenant's own collection."""
    collections = collections_for_tenant(query.tenant_id)
    if query.mode == "similar":
        return similar(indexes(), query.text, query.before, collections, limit, offset=offset,
                       count_limit=count_limit, budget=budget)
    return search(indexes(), query.text, query.before, collections, limit, offset,
                  cpc_prefix=query.cpc_prefix or None, country=query.country or None, kind=query.kind or None,
                  collapse_family=query.collapse_family, count_limit=count_limit, budget=budget)


def record_query(session: SearchSession, user, *, text: str, mode: str = "query", before: date | None = None,
                 cpc_prefix: str | None = None, country: str | None = None, kind: str | None = None,
                 collapse_family: bool = False) -> tuple[SearchQuery, SearchResult]:
    """Run a query in a session and keep it in the history with its hit count (QuerySyntaxError propagates)."""
    query = SearchQuery(session_id=session.id, tenant_id=session.tenant_id, mode=mode, text=text.strip(),
                        before=before, cpc_prefix=(cpc_prefix or "").strip().upper() or None,
                        country=(country or "").strip().upper() or None, kind=(kind or "").strip().upper() or None,
                        collapse_family=collapse_family, run_by_id=user.id)
    result = run_query(query)
    query.hit_count = result.total
    db.session.add(query)
    db.session.flush()
    return query, result


def rerun(query: SearchQuery, user) -> tuple[SearchQuery, SearchResult]:
    """A saved search run again: a new history entry with today's hit count."""
    return record_query(query.session, user, text=query.text, mode=query.mode, before=query.before,
                        cpc_prefix=query.cpc_prefix, country=query.country, kind=query.kind,
                        collapse_family=query.collapse_family)


def mark_hit(session: SearchSession, user, *, number: str, category: str, passage: str = "", claims: str = "",
             notes: str = "") -> MarkedHit:
    """Cite a document in the session (or update its citation). The document must be visible to the tenant."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
    document, collection = find_document(number)
    if document is None:
        raise LookupError(number)
    mark = db.session.execute(select(MarkedHit).where(MarkedHit.session_id == session.id,
                                                      MarkedHit.number == document.number)).scalar_one_or_none()
    if mark is None:
        mark = MarkedHit(session_id=session.id, number=document.number, marked_by_id=user.id)
        db.session.add(mark)
    mark.collection, mark.title, mark.publication_date = collection, document.title, document.publication_date
    mark.category, mark.passage, mark.claims, mark.notes = category, passage.strip(), claims.strip(), notes.strip()
    db.session.flush()
    return mark


def deliver_report(session: SearchSession, user) -> None:
    if session.report_file_id is None:
        raise ValueError("generate the report before delivering it")
    session.delivered_at, session.delivered_by_id = utcnow(), user.id
    session.report_file.visible_to_firm = True
    audit.record("deliver", summary=f"search report for {session.matter.reference} delivered to the firm",
                 tenant_id=session.tenant_id, target=session)
    db.session.flush()


def marks_by_category(session: SearchSession) -> dict[str, list[MarkedHit]]:
    grouped = {category: [] for category in CATEGORIES}
    for mark in session.marks:
        grouped.setdefault(mark.category, []).append(mark)
    return grouped


def classes_searched(session: SearchSession) -> list[str]:
    """The searcher's note plus every CPC prefix and `cpc:`/`ipc:` symbol used in the session's queries."""
    found = [c.strip() for c in re.split(r"[,;\n]", session.classes_searched or "") if c.strip()]
    for query in session.queries:
        if query.cpc_prefix:
            found.append(query.cpc_prefix)
        found += [m.upper() for m in re.findall(r"\b(?:cpc|ipc):\"?([A-Za-z0-9/*]+)", query.text, re.IGNORECASE)]
    return list(dict.fromkeys(found))


# Documents -------------------------------------------------------------------------------------


def find_document(number: str, prefer: str | None = None):
    """A document by number among what the current tenant may see: (document, 'public'|'private') or (None, None).

    Private documents are read through the tenant filter, so another tenant's document is never found.
    """
    public = db.session.execute(select(PatentDocument).where(PatentDocument.number == number)).scalar_one_or_none()
    private = db.session.execute(select(PrivateDocument).where(
        PrivateDocument.number == number, PrivateDocument.tenant_id == current_tenant_id())).scalar_one_or_none()
    if prefer == "private" and private is not None:
        return private, "private"
    if public is not None:
        return public, "public"
    return (private, "private") if private is not None else (None, None)


def collection_label(collection: str) -> str:
    return "Public corpus" if collection == "public" else "Firm's own collection"


def hit_source(collection: str) -> str:
    return "public" if collection == "public" else "private"


def cited_links(document) -> list[dict]:
    """The document's citations, each with the visible corpus number it matches (any kind code), if any."""
    roots = {}
    for citation in document.citations or []:
        if citation.get("number"):
            try:
                country, doc_number, _ = split_number(citation["number"])
                roots[citation["number"]] = f"{country}{doc_number}"
            except ValueError:
                pass
    found: dict[str, tuple[str, str]] = {}
    if roots:
        wanted = set(roots.values())
        for model, source in ((PrivateDocument, "private"), (PatentDocument, "public")):
            query = select(model.root, model.number).where(model.root.in_(wanted))
            if model is PrivateDocument:
                query = query.where(PrivateDocument.tenant_id == current_tenant_id())
            for root, number in db.session.execute(query):
                found[root] = (number, source)
    return [{"number": c.get("number"), "text": c.get("text"), "category": c.get("category"),
             "in_corpus": found.get(roots.get(c.get("number"), ""))} for c in document.citations or []]


def claim_tree(claims: list[dict]) -> list[dict]:
    """Claims nested under the claim they depend on (the first one when several): independent claims at the top."""
    nodes = {c["number"]: {"claim": c, "children": []} for c in claims}
    roots = []
    for claim in claims:
        parents = [n for n in claim.get("depends_on") or [] if n in nodes and n != claim["number"]]
        (nodes[parents[0]]["children"] if parents else roots).append(nodes[claim["number"]])
    return roots


def parse_claim_numbers(text: str) -> list[int]:
    return claim_references(f"claims {text}") if text.strip() else []


# Snippets --------------------------------------------------------------------------------------

_HIGHLIGHT = re.compile(r'(<mark class="match term\d+">|</mark>)')
_HIGHLIGHT_OPEN = re.compile(r'<mark class="match term\d+">')


def safe_snippet(snippet: str) -> Markup:
    """The core's snippet HTML with everything escaped except the <mark> tags it puts around matches.

    The text between the tags is unescaped and escaped again, so it comes out escaped exactly once
    whether or not the highlighter escaped it; any other tag in a document shows as text.
    """
    parts = []
    depth = 0
    for piece in _HIGHLIGHT.split(snippet or ""):
        if _HIGHLIGHT_OPEN.fullmatch(piece):
            parts.append('<mark class="match">')
            depth += 1
        elif piece == "</mark>" and depth:
            parts.append("</mark>")
            depth -= 1
        else:
            parts.append(str(escape(html.unescape(piece))))
    parts.append("</mark>" * depth)
    return Markup("".join(parts))

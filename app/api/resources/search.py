"""API resource: prior-art search (query language, similarity), documents, and search sessions (read-only).

Searching covers the public corpus and the caller's own firm's collection, as on the search pages, and
is for provider staff as there. Recording queries in a session and marking hits stay on the pages.
"""
from __future__ import annotations

from datetime import date

from flask import g, jsonify, request
from flask_login import current_user
from marshmallow import ValidationError

from ...patents.search import corpus, sessions
from ...patents.search.backends import SearchStopped
from ...patents.search.engine import MAX_RESULT_WINDOW, search, similar
from ...patents.search.models import SearchSession
from ...patents.search.query import MAX_QUERY_LENGTH, QuerySyntaxError
from ..auth import api_operation
from ..http import abort_problem, etag_of, json_body, load_or_404, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import PatentDocumentSchema, SearchResultSchema, SearchSessionSchema, SimilarRequestSchema, page_schema

COMPONENTS.update({"SearchSession": SearchSessionSchema, "SearchSessionPage": page_schema(SearchSessionSchema),
                   "SearchResult": SearchResultSchema, "SimilarRequest": SimilarRequestSchema,
                   "PatentDocument": PatentDocumentSchema})
SEARCH_PARAMETERS = (
    {"name": "q", "in": "query", "required": True, "description": "a query in the search language (see /search/help)",
     "schema": {"type": "string", "minLength": 1, "maxLength": 2000}},
    {"name": "before", "in": "query", "description": "only art published before this date",
     "schema": {"type": "string", "format": "date"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "offset", "in": "query", "description": f"limit + offset may be at most {MAX_RESULT_WINDOW}",
     "schema": {"type": "integer", "minimum": 0, "maximum": MAX_RESULT_WINDOW - 1}},
)


COUNT_LIMIT = 10_000  # totals are exact up to here; "total_is_exact" says when there are more


def _searcher_only() -> None:
    if not current_user.is_provider:
        abort_problem(403, "Forbidden", "Searching is done by the provider's specialists; sessions are readable.")


def _before_arg() -> date | None:
    try:
        return date.fromisoformat(request.args["before"]) if request.args.get("before") else None
    except ValueError:
        abort_problem(400, "Bad Request", "before must be a date like 2024-05-31.")


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, default, type=int)
    if value is None or not low <= value <= high:
        abort_problem(400, "Bad Request", f"{name} must be a whole number from {low} to {high}.")
    return value


@api_route("/search/query", "GET", summary="Search in the query language", tag="search", query=SEARCH_PARAMETERS,
           responses={"200": json_response("Ranked hits and the total that passes the filters", "SearchResult")})
@api_operation()
def search_query():
    """The public corpus and your firm's own collection; a syntax error names its position (400)."""
    _searcher_only()
    text = request.args.get("q", "").strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        abort_problem(400, "Bad Request", f"q must be a query of 1 to {MAX_QUERY_LENGTH} characters.")
    limit = _bounded_int("limit", 20, 1, 100)
    offset = _bounded_int("offset", 0, 0, MAX_RESULT_WINDOW - limit)
    try:
        result = search(corpus.indexes(), text, _before_arg(), corpus.collections_for_tenant(g.tenant.id),
                        limit=limit, offset=offset, count_limit=COUNT_LIMIT)
    except QuerySyntaxError as error:
        abort_problem(400, "Bad Request", str(error), position=error.position)
    except SearchStopped as stopped:
        abort_problem(422, "Search stopped", str(stopped))
    return jsonify(SearchResultSchema().dump(result))


@api_route("/search/similar", "POST", summary="Rank documents by a pasted claim or disclosure", tag="search",
           request_body="SimilarRequest",
           responses={"200": json_response("Ranked hits with the key terms each matched", "SearchResult")})
@api_operation()
def search_similar():
    """Changes nothing; POST only because the text can be long."""
    _searcher_only()
    try:
        wanted = SimilarRequestSchema().load(json_body())
    except ValidationError as error:
        abort_problem(400, "Bad Request", "Some fields are invalid.", errors=error.normalized_messages())
    try:
        result = similar(corpus.indexes(), wanted["text"], wanted.get("before"),
                         corpus.collections_for_tenant(g.tenant.id), limit=wanted["limit"], count_limit=COUNT_LIMIT)
    except SearchStopped as stopped:
        abort_problem(422, "Search stopped", str(stopped))
    return jsonify(SearchResultSchema().dump(result))


@api_route("/search/documents/<number>", "GET", summary="Get a patent document", tag="search",
           responses={"200": json_response("The document with its claims and citations", "PatentDocument")})
@api_operation()
def get_document(number: str):
    """From the public corpus or your firm's own collection; another firm's document is not found."""
    found, _source = sessions.find_document(number)
    if found is None:
        abort_problem(404, "Not Found", "No such document in the public corpus or your firm's collection.")
    return jsonify(PatentDocumentSchema.dumper(current_user.role).dump(found))
PAGE_PARAMETERS = ({"name": "cursor", "in": "query", "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
LIST_FIELDS = tuple(f for f in SearchSessionSchema.views["viewer"] if f not in ("queries", "marks"))


@api_route("/search/sessions", "GET", summary="List search sessions", tag="search", query=PAGE_PARAMETERS,
           responses={"200": json_response("A page of search sessions, oldest first", "SearchSessionPage")})
@api_operation()
def list_search_sessions():
    """Sessions of your firm without their history; GET one for its queries and cited documents."""
    rows, next_cursor = paginate(sessions.readable_sessions(current_user), "search-sessions", SearchSession.id,
                                 SearchSession.id, lambda row: (row[0].id, row[0].id))
    dumper = SearchSessionSchema(only=tuple(f for f in SearchSessionSchema.views[current_user.role]
                                            if f in LIST_FIELDS), many=True)
    return jsonify(items=dumper.dump([s for s, in rows]), next_cursor=next_cursor)


@api_route("/search/sessions/<int:session_id>", "GET", summary="Get a search session", tag="search",
           responses={"200": json_response("The session with its query history and cited documents",
                                           "SearchSession", etag=True)})
@api_operation()
def get_search_session(session_id: int):
    found = load_or_404(SearchSession, session_id)
    if not sessions.readable(found, current_user):
        abort_problem(404, "Not Found", "No such search session.")  # work in progress looks like nothing
    return with_etag(jsonify(SearchSessionSchema.dumper(current_user.role).dump(found)),
                     etag_of(SearchSessionSchema().dump(found)))

"""API resource: prior-art search sessions, read-only (the list, and one with its query history and citations).

Running queries and marking hits stay on the search pages, where the searcher's role rules live.
"""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from ...patents.search.models import SearchSession
from ..auth import api_operation
from ..http import etag_of, load_or_404, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import SearchSessionSchema, page_schema

COMPONENTS.update({"SearchSession": SearchSessionSchema, "SearchSessionPage": page_schema(SearchSessionSchema)})
PAGE_PARAMETERS = ({"name": "cursor", "in": "query", "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
LIST_FIELDS = tuple(f for f in SearchSessionSchema.views["viewer"] if f not in ("queries", "marks"))


@api_route("/search/sessions", "GET", summary="List search sessions", tag="search", query=PAGE_PARAMETERS,
           responses={"200": json_response("A page of search sessions, oldest first", "SearchSessionPage")})
@api_operation()
def list_search_sessions():
    """Sessions of your firm without their history; GET one for its queries and cited documents."""
    rows, next_cursor = paginate(select(SearchSession), "search-sessions", SearchSession.id, SearchSession.id,
                                 lambda row: (row[0].id, row[0].id))
    dumper = SearchSessionSchema(only=tuple(f for f in SearchSessionSchema.views[current_user.role]
                                            if f in LIST_FIELDS), many=True)
    return jsonify(items=dumper.dump([s for s, in rows]), next_cursor=next_cursor)


@api_route("/search/sessions/<int:session_id>", "GET", summary="Get a search session", tag="search",
           responses={"200": json_response("The session with its query history and cited documents",
                                           "SearchSession", etag=True)})
@api_operation()
def get_search_session(session_id: int):
    found = load_or_404(SearchSession, session_id)
    return with_etag(jsonify(SearchSessionSchema.dumper(current_user.role).dump(found)),
                     etag_of(SearchSessionSchema().dump(found)))

"""API resource: work requests to the provider, read-only (the list with the requests page's filters, and one).

Opening, accepting and delivering stay on the request pages, where the workflow's role rules and uploads live.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ...models import utcnow
from ...patents.work_requests.models import REQUEST_KINDS, WorkRequest
from ...patents.work_requests.queries import STATE_FILTERS, request_query
from ..auth import api_operation
from ..http import abort_problem, etag_of, load_or_404, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import ID_RANGE, WorkRequestSchema, page_schema

COMPONENTS.update({"WorkRequest": WorkRequestSchema, "WorkRequestPage": page_schema(WorkRequestSchema)})
LIST_PARAMETERS = (
    {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATE_FILTERS)},
     "description": "As on the requests page; default open"},
    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(REQUEST_KINDS)}},
    {"name": "matter", "in": "query", "schema": {"type": "integer", "minimum": ID_RANGE.min, "maximum": ID_RANGE.max}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
)


def _filtered_query():
    state = request.args.get("state", "open")
    if state not in STATE_FILTERS:
        abort_problem(400, "Bad Request", f"state must be one of {', '.join(STATE_FILTERS)}.")
    kind = request.args.get("kind")
    if kind and kind not in REQUEST_KINDS:
        abort_problem(400, "Bad Request", f"kind must be one of {', '.join(REQUEST_KINDS)}.")
    matter = request.args.get("matter")
    if matter and (not matter.isdigit() or not ID_RANGE.min <= int(matter) <= ID_RANGE.max):
        abort_problem(400, "Bad Request", "matter must be an id.")
    return request_query(state=state, kind=kind, matter_id=int(matter) if matter else None, now=utcnow())


@api_route("/work-requests", "GET", summary="List work requests", tag="work requests", query=LIST_PARAMETERS,
           responses={"200": json_response("A page of work requests, oldest first", "WorkRequestPage")})
@api_operation()
def list_work_requests():
    rows, next_cursor = paginate(_filtered_query(), "work-requests", WorkRequest.id, WorkRequest.id,
                                 lambda row: (row[0].id, row[0].id))
    return jsonify(items=WorkRequestSchema.dumper(current_user.role, many=True).dump([w for w, in rows]),
                   next_cursor=next_cursor)


@api_route("/work-requests/<int:request_id>", "GET", summary="Get a work request", tag="work requests",
           responses={"200": json_response("The work request", "WorkRequest", etag=True)})
@api_operation()
def get_work_request(request_id: int):
    found = load_or_404(WorkRequest, request_id)
    return with_etag(jsonify(WorkRequestSchema.dumper(current_user.role).dump(found)),
                     etag_of(WorkRequestSchema().dump(found)))

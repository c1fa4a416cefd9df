"""API resource: drafting checklists, read-only (list with the status filter, and one with its items).

Changes go through the checklist pages, where the maker-checker sign-off happens.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from ...patents.checklists.models import CHECKLIST_STATUSES, Checklist
from ..auth import api_operation
from ..http import abort_problem, etag_of, load_or_404, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import ChecklistSchema, page_schema

COMPONENTS.update({"Checklist": ChecklistSchema, "ChecklistPage": page_schema(ChecklistSchema)})
LIST_PARAMETERS = (
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(CHECKLIST_STATUSES)}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
)


@api_route("/checklists", "GET", summary="List checklists", tag="checklists", query=LIST_PARAMETERS,
           responses={"200": json_response("A page of checklists, oldest first", "ChecklistPage")})
@api_operation()
def list_checklists():
    query = select(Checklist)
    status = request.args.get("status")
    if status:
        if status not in CHECKLIST_STATUSES:
            abort_problem(400, "Bad Request", f"status must be one of {', '.join(CHECKLIST_STATUSES)}.")
        query = query.where(Checklist.status == status)
    rows, next_cursor = paginate(query, "checklists", Checklist.id, Checklist.id,
                                 lambda row: (row[0].id, row[0].id))
    dumper = ChecklistSchema.dumper(current_user.role)
    return jsonify(items=[dumper.dump(c) for c, in rows], next_cursor=next_cursor)


@api_route("/checklists/<int:checklist_id>", "GET", summary="Get a checklist with its items", tag="checklists",
           responses={"200": json_response("The checklist", "Checklist", etag=True)})
@api_operation()
def get_checklist(checklist_id: int):
    checklist = load_or_404(Checklist, checklist_id)
    return with_etag(jsonify(ChecklistSchema.dumper(current_user.role).dump(checklist)),
                     etag_of(ChecklistSchema().dump(checklist)))

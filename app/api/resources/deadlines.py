"""API resource: deadlines (the docket's list with its filters, and one deadline)."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify, request
from flask_login import current_user

from ...patents.docketing.models import JURISDICTIONS, Deadline
from ...patents.docketing.queries import STATUS_FILTERS, DocketFilters, docket_query, tenant_today
from ..auth import api_operation
from ..http import abort_problem, etag_of, load_or_404, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import ID_RANGE, DeadlineSchema, page_schema

COMPONENTS.update({"Deadline": DeadlineSchema, "DeadlinePage": page_schema(DeadlineSchema)})
ID_SCHEMA = {"type": "integer", "minimum": ID_RANGE.min, "maximum": ID_RANGE.max}
LIST_PARAMETERS = (
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUS_FILTERS)},
     "description": "As on the docket page; default open"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Due on or after"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Due on or before"},
    {"name": "jurisdiction", "in": "query", "schema": {"type": "string", "enum": list(JURISDICTIONS)}},
    {"name": "kind", "in": "query", "schema": {"type": "string", "maxLength": 40}},
    {"name": "responsible", "in": "query", "schema": ID_SCHEMA, "description": "Responsible attorney or specialist"},
    {"name": "matter", "in": "query", "schema": ID_SCHEMA},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
)


def _date_argument(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort_problem(400, "Bad Request", f"{name} must be a date like 2026-03-31.")


def _id_argument(name: str) -> int | None:
    raw = request.args.get(name)
    if not raw:
        return None
    if not raw.isdigit() or not ID_RANGE.min <= int(raw) <= ID_RANGE.max:
        abort_problem(400, "Bad Request", f"{name} must be an id.")
    return int(raw)


def _filters() -> DocketFilters:
    status = request.args.get("status", "open")
    if status not in STATUS_FILTERS:
        abort_problem(400, "Bad Request", f"status must be one of {', '.join(STATUS_FILTERS)}.")
    return DocketFilters(
        tenant_ids=[g.tenant.id], todays={g.tenant.id: tenant_today(g.tenant)}, status=status,
        due_from=_date_argument("from"), due_to=_date_argument("to"),
        jurisdiction=request.args.get("jurisdiction") or None, kind=request.args.get("kind") or None,
        responsible_id=_id_argument("responsible"), matter_id=_id_argument("matter"))


@api_route("/deadlines", "GET", summary="List deadlines", tag="deadlines", query=LIST_PARAMETERS,
           responses={"200": json_response("A page of deadlines, by the date to meet now", "DeadlinePage")})
@api_operation()
def list_deadlines():
    """The docket of your firm with the docket page's filters, ordered by current due date."""
    query = docket_query(_filters())
    rows, next_cursor = paginate(query, "deadlines", Deadline.current_due, Deadline.id,
                                 lambda row: (row[0].current_due, row[0].id), is_date=True)
    dumper = DeadlineSchema.dumper(current_user.role)
    return jsonify(items=[dumper.dump(d) for d, _matter, _tenant in rows], next_cursor=next_cursor)


@api_route("/deadlines/<int:deadline_id>", "GET", summary="Get a deadline", tag="deadlines",
           responses={"200": json_response("The deadline", "Deadline", etag=True)})
@api_operation()
def get_deadline(deadline_id: int):
    deadline = load_or_404(Deadline, deadline_id)
    return with_etag(jsonify(DeadlineSchema.dumper(current_user.role).dump(deadline)),
                     etag_of(DeadlineSchema().dump(deadline)))

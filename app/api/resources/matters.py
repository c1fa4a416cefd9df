"""API resource: matters (list with the matter list's filters, get, create, update)."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_login import current_user
from marshmallow import ValidationError

from ...extensions import db
from ...patents.docketing import operations
from ...patents.docketing.models import JURISDICTIONS, MATTER_STATUSES, Matter
from ...patents.docketing.queries import matters_query
from ..auth import api_operation
from ..http import abort_problem, etag_of, json_body, load_or_404, require_if_match, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import MatterSchema, page_schema

COMPONENTS.update({"Matter": MatterSchema, "MatterPage": page_schema(MatterSchema),
                   "MatterInput": MatterSchema(only=MatterSchema.writable["attorney"]),
                   "MatterPatch": MatterSchema(only=MatterSchema.writable["attorney"], partial=True)})
LIST_PARAMETERS = (
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
     "description": "Text in the reference, title, application number or client reference"},
    {"name": "jurisdiction", "in": "query", "schema": {"type": "string", "enum": list(JURISDICTIONS)}},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(MATTER_STATUSES)}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
)


def matter_representation(matter: Matter) -> dict:
    return MatterSchema.dumper(current_user.role).dump(matter)


def matter_etag(matter: Matter) -> str:
    return etag_of(MatterSchema().dump(matter))


def _refused(error: operations.MatterInputError):
    if error.conflict:
        abort_problem(409, "Conflict", str(error))
    abort_problem(400, "Bad Request", "Some fields are invalid.", errors=error.errors)


def _load(partial: bool) -> dict:
    try:
        return MatterSchema.loader(current_user.role, partial=partial).load(json_body())
    except ValidationError as error:
        abort_problem(400, "Bad Request", "Some fields are invalid.", errors=error.normalized_messages())


@api_route("/matters", "GET", summary="List matters", tag="matters", query=LIST_PARAMETERS,
           responses={"200": json_response("A page of matters, by reference", "MatterPage")})
@api_operation()
def list_matters():
    """Matters of your firm, ordered by reference, with the matter list's filters."""
    query = matters_query(request.args.get("q", ""), request.args.get("jurisdiction"), request.args.get("status"))
    rows, next_cursor = paginate(query, "matters", Matter.reference, Matter.id,
                                 lambda row: (row[0].reference, row[0].id))
    return jsonify(items=[matter_representation(m) for m, in rows], next_cursor=next_cursor)


@api_route("/matters/<int:matter_id>", "GET", summary="Get a matter", tag="matters",
           responses={"200": json_response("The matter", "Matter", etag=True)})
@api_operation()
def get_matter(matter_id: int):
    matter = load_or_404(Matter, matter_id)
    return with_etag(jsonify(matter_representation(matter)), matter_etag(matter))


@api_route("/matters", "POST", summary="Create a matter", tag="matters", request_body="MatterInput",
           errors=(400, 401, 403, 409, 429),
           responses={"201": json_response("The new matter", "Matter", etag=True)})
@api_operation(write=True)
def create_matter():
    try:
        matter = operations.create_matter(_load(partial=False), g.tenant.id, current_user.id)
    except operations.MatterInputError as error:
        _refused(error)
    db.session.refresh(matter)  # the representation as a later GET will read it, so the ETags agree
    response = with_etag(jsonify(matter_representation(matter)), matter_etag(matter))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/matters/{matter.id}"
    return response


@api_route("/matters/<int:matter_id>", "PATCH", summary="Change a matter", tag="matters",
           request_body="MatterPatch", preconditioned=True, errors=(400, 401, 403, 404, 409, 429),
           responses={"200": json_response("The changed matter", "Matter", etag=True)})
@api_operation(write=True)
def update_matter(matter_id: int):
    """Send only the fields to change, with If-Match: the ETag of your last GET."""
    matter = load_or_404(Matter, matter_id)
    require_if_match(matter_etag(matter))
    try:
        operations.update_matter(matter, _load(partial=True), g.tenant.id, current_user.id)
    except operations.MatterInputError as error:
        _refused(error)
    db.session.refresh(matter)
    return with_etag(jsonify(matter_representation(matter)), matter_etag(matter))

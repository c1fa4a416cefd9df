"""API resource: a matter's events (list, record, change, delete); docketing recomputes the deadlines."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from ...extensions import db
from ...patents.deadlines import RuleError
from ...patents.docketing import operations
from ...patents.docketing.models import Event, Matter
from ..auth import api_operation
from ..http import abort_problem, etag_of, json_body, load_or_404, require_if_match, with_etag
from ..openapi import COMPONENTS, api_route, json_response
from ..pagination import paginate
from ..schemas import EventChangeSchema, EventSchema, page_schema

COMPONENTS.update({"Event": EventSchema, "EventPage": page_schema(EventSchema),
                   "EventInput": EventSchema(only=EventSchema.writable["attorney"]),
                   "EventChange": EventChangeSchema(only=EventChangeSchema.writable["attorney"])})
PAGE_PARAMETERS = ({"name": "cursor", "in": "query", "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
DOCKETING_ERRORS = (400, 401, 403, 404, 422, 429)


def _representation(event: Event) -> dict:
    return EventSchema.dumper(current_user.role).dump(event)


def _etag(event: Event) -> str:
    return etag_of(EventSchema().dump(event))


def _live_event(event_id: int) -> Event:
    return load_or_404(Event, event_id, Event.deleted_at.is_(None))


def _load(schema_class, partial: bool = False) -> dict:
    try:
        return schema_class.loader(current_user.role, partial=partial).load(json_body())
    except ValidationError as error:
        abort_problem(400, "Bad Request", "Some fields are invalid.", errors=error.normalized_messages())


def _docketing_refused(error: Exception):
    abort_problem(422, "Unprocessable Content", str(error))


@api_route("/matters/<int:matter_id>/events", "GET", summary="List a matter's events", tag="events",
           query=PAGE_PARAMETERS, responses={"200": json_response("A page of events, by date", "EventPage")})
@api_operation()
def list_events(matter_id: int):
    load_or_404(Matter, matter_id)
    query = select(Event).where(Event.matter_id == matter_id, Event.deleted_at.is_(None))
    rows, next_cursor = paginate(query, f"events-{matter_id}", Event.event_date, Event.id,
                                 lambda row: (row[0].event_date, row[0].id), is_date=True)
    return jsonify(items=[_representation(e) for e, in rows], next_cursor=next_cursor)


@api_route("/events/<int:event_id>", "GET", summary="Get an event", tag="events",
           responses={"200": json_response("The event", "Event", etag=True)})
@api_operation()
def get_event(event_id: int):
    event = _live_event(event_id)
    return with_etag(jsonify(_representation(event)), _etag(event))


@api_route("/matters/<int:matter_id>/events", "POST", summary="Record an event", tag="events",
           request_body="EventInput", errors=DOCKETING_ERRORS,
           responses={"201": json_response("The recorded event; its deadlines are computed", "Event", etag=True)})
@api_operation(write=True)
def create_event(matter_id: int):
    """Docket an event: deadlines it produces are created, what it answers is closed, what it extends moves."""
    matter = load_or_404(Matter, matter_id)
    values = _load(EventSchema)
    try:
        event = operations.record_event(matter, values["code"], values["event_date"], values["params"],
                                       current_user.id, values.get("note"))
    except (operations.DocketError, RuleError) as error:
        _docketing_refused(error)
    db.session.flush()
    db.session.refresh(event)
    response = with_etag(jsonify(_representation(event)), _etag(event))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/events/{event.id}"
    return response


@api_route("/events/<int:event_id>", "PATCH", summary="Change an event", tag="events",
           request_body="EventChange", preconditioned=True, errors=DOCKETING_ERRORS,
           responses={"200": json_response("The changed event; its deadlines are recomputed", "Event", etag=True)})
@api_operation(write=True)
def update_event(event_id: int):
    """Change the date, parameters or note. Deadlines from the event are recomputed, with history."""
    event = _live_event(event_id)
    require_if_match(_etag(event))
    values = _load(EventChangeSchema, partial=True)
    if values.get("event_date", event.event_date) is None:
        abort_problem(400, "Bad Request", "event_date cannot be empty.")
    try:
        operations.update_event(event, values.get("event_date", event.event_date),
                               values.get("params", event.params), current_user.id, values.get("note", event.note))
    except (operations.DocketError, RuleError) as error:
        _docketing_refused(error)
    db.session.flush()
    db.session.refresh(event)
    return with_etag(jsonify(_representation(event)), _etag(event))


@api_route("/events/<int:event_id>", "DELETE", summary="Delete an event", tag="events", preconditioned=True,
           responses={"204": {"description": "Deleted; what it produced is superseded, what it closed reopens"}})
@api_operation(write=True)
def delete_event(event_id: int):
    event = _live_event(event_id)
    require_if_match(_etag(event))
    operations.delete_event(event, current_user.id)
    return "", 204

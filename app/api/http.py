"""API responses: application/problem+json bodies, ETags and the If-Match precondition for changes."""
from __future__ import annotations

import hashlib
import json

from flask import abort, jsonify, request
from sqlalchemy import select

from ..extensions import db

MAX_ID = 2**31 - 1  # the database's integer range; a larger id names nothing


def problem(status: int, title: str, detail: str = "", **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def abort_problem(status: int, title: str, detail: str = "", **extra):
    abort(problem(status, title, detail, **extra))


def load_or_404(model, object_id: int, *conditions):
    """A row of the current tenant, through the tenant filter; anything else is simply not found."""
    if not 1 <= object_id <= MAX_ID:
        abort(404)
    found = db.session.execute(select(model).where(model.id == object_id, *conditions)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def etag_of(representation: dict) -> str:
    """A strong validator from the full representation, so any change to the record changes it."""
    digest = hashlib.sha256(json.dumps(representation, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def require_if_match(current_etag: str) -> None:
    """Refuse a change made without a validator (428) or against a stale one (412): no lost updates."""
    if not request.headers.get("If-Match"):
        abort_problem(428, "Precondition Required",
                      "Send If-Match with the ETag from your last GET of this resource.")
    if request.if_match.contains(current_etag.strip('"')):  # strong comparison; "*" is not enough
        return
    abort_problem(412, "Precondition Failed",
                  "The resource changed since you read it. GET it again and re-apply your change.")


def with_etag(response, etag: str):
    response.headers["ETag"] = etag
    return response


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort_problem(400, "Bad Request", "Send a JSON object with Content-Type: application/json.")
    return body

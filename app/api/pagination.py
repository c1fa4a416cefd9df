"""Keyset pagination with an opaque, signed cursor: the last row's sort key and id."""
from __future__ import annotations

from datetime import date

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_

from ..extensions import db
from .http import abort_problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor")


def encode_cursor(kind: str, sort_value, row_id: int) -> str:
    value = sort_value.isoformat() if isinstance(sort_value, date) else sort_value
    return _serializer().dumps([kind, value, row_id])


def _decode_cursor(kind: str, cursor: str, is_date: bool):
    try:
        found_kind, value, row_id = _serializer().loads(cursor)
        if found_kind != kind or not isinstance(row_id, int) or not isinstance(value, (str, int)):
            raise ValueError(kind)
        return (date.fromisoformat(value) if is_date else value), row_id
    except (BadSignature, ValueError, TypeError):
        abort_problem(400, "Bad Request", "The cursor is not one this API gave out for this list.")


def requested_limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        abort_problem(400, "Bad Request", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def paginate(query, kind: str, sort_column, id_column, sort_value_of, is_date: bool = False):
    """One page of ``query`` ordered by (sort column, id) after the request's cursor, and the next cursor."""
    limit = requested_limit()
    cursor = request.args.get("cursor")
    if cursor:
        last_value, last_id = _decode_cursor(kind, cursor, is_date)
        query = query.where(or_(sort_column > last_value, and_(sort_column == last_value, id_column > last_id)))
    rows = db.session.execute(query.order_by(sort_column, id_column).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(kind, *sort_value_of(page[-1])) if more else None
    return page, next_cursor

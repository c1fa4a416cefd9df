"""Odd input is a 400 (or 404) with a clear message, never a 500 (issue 11, item 8), checked once for
every page and API endpoint before any view runs.

What used to reach the database or the date arithmetic and fail there:

* ids beyond the database's integer in a URL (``/matters/99999999999999999999``): the ``int`` URL
  converter is bounded to the id range, so such a URL matches no route (404);
* numbers beyond 64 bits in a query string or an id form field (``?page=9999…``, ``parent_id``);
* NUL characters anywhere (``%00`` in a document number): PostgreSQL text cannot hold them;
* dates outside the years the deadline rules and calendars cover (``month=9999-12``, ``0001-01``, an
  event of 9999-12-31): ``date`` arithmetic overflows at year 9999.

CR/LF in redirect targets is app/urls.py's concern; control characters in one-line fields, app/single_line.py's.
"""
from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns
MAX_DIGITS = 15      # any count, page or id a person can mean fits; page * page size stays inside 64 bits
FIRST_YEAR, LAST_YEAR = 1800, 2199
_LONG_NUMBER = re.compile(rf"^\s*[-+]?\d{{{MAX_DIGITS + 1},}}\s*$")
_DATE_LIKE = re.compile(r"^\s*([-+]?\d{4,})-(0[1-9]|1[0-2])(?:-(\d{2}))?\s*$")  # YYYY-MM or YYYY-MM-DD


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that matches only ids a row can have."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _refusal(name: str, value: str, numbers_here: bool) -> str | None:
    if "\x00" in value:
        return f"{name}: must not contain NUL characters."
    if numbers_here and _LONG_NUMBER.match(value):
        return f"{name}: the number is too large."
    date_like = _DATE_LIKE.match(value)
    if date_like and not FIRST_YEAR <= int(date_like.group(1)) <= LAST_YEAR:
        return f"{name}: dates must be between the years {FIRST_YEAR} and {LAST_YEAR}."
    return None


def _id_field(name: str) -> bool:
    return name in ("id", "page", "per_page", "limit") or name.endswith(("_id", "_ids"))


def _json_values(value, name="body"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_values(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _json_values(item, name)
    else:
        yield name, value


def refusal_for_request() -> str | None:
    """Why this request's input cannot be served, or None."""
    if "\x00" in request.path:
        return "The address must not contain NUL characters."
    for name, value in request.args.items(multi=True):
        problem = _refusal(name, value, numbers_here=True)
        if problem:
            return problem
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
            for name, value in _json_values(body):
                if isinstance(value, bool):
                    continue
                if isinstance(value, int) and abs(value) > 2**53:
                    return f"{name}: the number is too large."
                if isinstance(value, str):
                    problem = _refusal(name, value, numbers_here=_id_field(name))
                    if problem:
                        return problem
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, value in request.form.items(multi=True):
                problem = _refusal(name, value, numbers_here=_id_field(name))
                if problem:
                    return problem
    return None


def init_app(app: Flask) -> None:
    """Bound the ``int`` converter (before any route is added) and refuse odd input before any view."""
    app.url_map.converters["int"] = BoundedIntegerConverter

    @app.before_request
    def _refuse_odd_input():
        problem = refusal_for_request()
        if problem:
            abort(400, description=problem)

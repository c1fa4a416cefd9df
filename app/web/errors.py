"""Error answers: HTML pages, or problem+json under /api/; an unexpected error gets an id to quote."""
from __future__ import annotations

import secrets

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .log import log


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        if _wants_json():
            body = {"type": "about:blank", "title": error.name, "status": error.code, "detail": error.description}
            response = jsonify(body)
            response.status_code = error.code
            response.mimetype = "application/problem+json"
            # Keep what the error says in headers: Allow on 405, WWW-Authenticate on 401, Retry-After on 429.
            response.headers.extend((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
            return response
        template = f"errors/{error.code}.html" if error.code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        db.session.rollback()
        if app.testing and not app.config["SHOW_ERROR_PAGES"]:
            raise error
        error_id = secrets.token_hex(6)
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        if _wants_json():
            response = jsonify({"type": "about:blank", "title": "Internal Server Error", "status": 500,
                                "detail": f"Something went wrong. Quote error id {error_id}.", "error_id": error_id})
            response.status_code = 500
            response.mimetype = "application/problem+json"
            return response
        return render_template("errors/500.html", error_id=error_id), 500

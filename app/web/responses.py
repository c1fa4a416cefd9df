"""Every response: one commit for a successful request (a rollback otherwise) and the security headers."""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from ..extensions import db

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def register(app: Flask) -> None:
    @app.after_request
    def _commit_and_harden(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Request-ID"] = g.get("request_id", "")
        if not app.debug:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if current_user.is_authenticated and request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response

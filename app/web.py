"""The request boundary: who is signed in, which tenant they work in, headers, errors, one commit."""
from __future__ import annotations

import logging
import secrets
import uuid
from functools import wraps

from flask import (Flask, abort, current_app, flash, g, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, logout_user
from werkzeug.exceptions import HTTPException

from . import accounts, audit, tenancy
from .extensions import db, login_manager
from .models import User

log = logging.getLogger("patentdesk.web")

SESSION_TOKEN_KEY = "login_token"
ACTIVE_TENANT_KEY = "active_tenant_id"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


# Features add themselves to the navigation and the home page as they land.
_NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
_HOME_PANELS: list[str] = []


def register_nav(label: str, endpoint: str, roles: tuple[str, ...] | None = None) -> None:
    if (label, endpoint, roles) not in _NAV:
        _NAV.append((label, endpoint, roles))


def register_home_panel(template: str) -> None:
    if template not in _HOME_PANELS:
        _HOME_PANELS.append(template)


# The order people work in: what is due, the files, work with the provider, then tools.
NAV_ORDER = ("dashboards.provider", "docket.index", "matters.index", "requests.index", "search.index",
             "checklists.index", "reminders.my_reminders", "tokens.index")


def _nav_position(entry) -> int:
    endpoint = entry[1]
    return NAV_ORDER.index(endpoint) if endpoint in NAV_ORDER else len(NAV_ORDER)


def _nav_items():
    return [{"label": label, "url": url_for(endpoint), "prefix": endpoint.split(".")[0] + "."}
            for label, endpoint, roles in sorted(_NAV, key=_nav_position)
            if roles is None or current_user.role in roles]


def roles_required(*roles: str):
    """Refuse with a clear 403 page unless the signed-in person has one of these roles."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                log.warning("authorisation failure: role %s not in %s for %s", current_user.role, roles, request.path)
                abort(403, description="Your role does not allow this. Ask your administrator if you need access.")
            return view(*args, **kwargs)
        return wrapped
    return decorator


def tenant_required(view):
    """The page works inside one tenant; provider staff who have not picked one are asked to."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if g.get("tenant") is None:
            if current_user.is_provider:
                flash("Choose the client firm you want to work in.", "info")
                return redirect(url_for("main.choose_tenant", next=request.full_path))
            abort(403, description="Your account is not attached to an active firm.")
        return view(*args, **kwargs)
    return wrapped


def _check_login_session() -> None:
    """Flask-Login alone keeps a stolen cookie valid after sign-out; the server-side record does not."""
    if not current_user.is_authenticated:
        return
    config = current_app.config
    live = accounts.live_session(session.get(SESSION_TOKEN_KEY), current_user.id,
                                 config["SESSION_IDLE_TIMEOUT"], config["SESSION_ABSOLUTE_TIMEOUT"])
    g.login_session = live
    if live is None or not accounts.may_sign_in(current_user):
        logout_user()
        session.clear()
        if request.endpoint and request.endpoint != "static":
            flash("Your session has ended. Please sign in again.", "info")


def _choose_request_tenant() -> None:
    g.tenant = None
    g.assigned_tenants = []
    if not current_user.is_authenticated:
        return
    g.assigned_tenants = accounts.assigned_tenants(current_user)
    if "api_token" in g:
        g.tenant = next((t for t in g.assigned_tenants if t.id == g.api_token.tenant_id), None)
        return
    wanted = session.get(ACTIVE_TENANT_KEY) if current_user.is_provider else current_user.home_tenant_id
    g.tenant = next((t for t in g.assigned_tenants if t.id == wanted), None)
    if current_user.is_provider and wanted and g.tenant is None:
        session.pop(ACTIVE_TENANT_KEY, None)  # assignment revoked since the tenant was chosen


def init_app(app: Flask) -> None:
    @app.before_request
    def _begin_request():
        # When an app context outlives one request (tests, scripts), Flask-Login's cached user in `g`
        # would carry one request's identity into the next.
        g.pop("_login_user", None)
        g.request_id = request.headers.get("X-Request-ID", "")[:40] or uuid.uuid4().hex
        g.pop("api_token", None)
        g.pop("login_session", None)
        from .api import auth as api_auth
        if api_auth.presents_bearer_token():
            api_auth.authenticate_bearer()  # the token, not a cookie, says who this is
        else:
            _check_login_session()
        _choose_request_tenant()
        g.tenant_token = tenancy.enter_request_scope([g.tenant.id] if g.tenant else [])
        g.actor_token = audit.set_actor(audit.Actor(
            current_user.id if current_user.is_authenticated else None,
            current_user.email if current_user.is_authenticated else "anonymous",
            request.remote_addr, g.request_id,
        ))

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

    @app.teardown_request
    def _end_request(exc):
        if "tenant_token" in g:
            tenancy.leave_request_scope(g.pop("tenant_token"))
        if "actor_token" in g:
            audit.reset_actor(g.pop("actor_token"))

    @app.context_processor
    def _layout_context():
        return {"current_tenant": g.get("tenant"), "assigned_tenants": g.get("assigned_tenants", []),
                "nav_items": _nav_items, "home_panels": lambda: list(_HOME_PANELS)}

    def _wants_json() -> bool:
        return request.path.startswith("/api/")

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
        if app.testing and not app.config.get("SHOW_ERROR_PAGES"):
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

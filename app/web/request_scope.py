"""Who is signed in (cookie session or API token) and which tenant the request works in."""
from __future__ import annotations

import uuid

from flask import Flask, current_app, flash, g, request, session
from flask_login import current_user, logout_user

from .. import accounts, audit, tenancy
from ..extensions import db, login_manager
from ..models import User

SESSION_TOKEN_KEY = "login_token"
ACTIVE_TENANT_KEY = "active_tenant_id"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


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


def _begin_request():
    # When an app context outlives one request (tests, scripts), Flask-Login's cached user in `g`
    # would carry one request's identity into the next.
    g.pop("_login_user", None)
    g.request_id = request.headers.get("X-Request-ID", "")[:40] or uuid.uuid4().hex
    g.pop("api_token", None)
    g.pop("login_session", None)
    from ..api import auth as api_auth
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


def _end_request(exc):
    if "tenant_token" in g:
        tenancy.leave_request_scope(g.pop("tenant_token"))
    if "actor_token" in g:
        audit.reset_actor(g.pop("actor_token"))


def register(app: Flask) -> None:
    app.before_request(_begin_request)
    app.teardown_request(_end_request)

"""Who calls the API: a bearer token (tenant-bound, scoped, audited per use) or the signed-in session with CSRF."""
from __future__ import annotations

import logging
from functools import wraps

from flask import current_app, g, request
from flask_login import current_user

from .. import accounts, audit
from ..extensions import csrf, db
from ..models import utcnow
from ..permissions import Can, can
from .http import problem
from .tokens import find_live_token

log = logging.getLogger("patentdesk.api")

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class BearerRefused(Exception):
    """The presented token does not authenticate anyone right now."""


def presents_bearer_token() -> bool:
    return request.path.startswith("/api/") and request.authorization is not None \
        and request.authorization.type == "bearer"


def rate_limit_key() -> str:
    """Per token when one is presented (parsed, not verified: limiting runs first), else per address."""
    token = request.authorization.token if presents_bearer_token() else None
    return "api-token:" + token.split("_")[1] if token and token.count("_") >= 2 else \
        "api-addr:" + (request.remote_addr or "")


def rate_limit() -> str:
    if request.method in UNSAFE_METHODS:
        return current_app.config["API_WRITE_RATE_LIMIT"]
    return current_app.config["API_READ_RATE_LIMIT"]


def authenticate_bearer() -> None:
    """Sign the request in as the token's owner, in the token's tenant; every use is audited and committed.

    The audit row is committed here, before the operation runs, so a use is recorded even when the
    operation then fails and its own changes are rolled back.
    """
    token = find_live_token(request.authorization.token or "")
    user = token.user if token else None
    if token is None or not user.active:
        _refuse("unknown, expired or revoked token, or disabled user")
    if token.tenant_id not in {t.id for t in accounts.assigned_tenants(user)}:
        _refuse(f"token {token.prefix} names a tenant its owner may no longer work in")
    g._login_user = user  # Flask-Login's per-request user; nothing is written to the session
    g.api_token = token
    token.last_used_at = utcnow()
    audit.record("api_token_used", summary=f"{request.method} {request.path}"[:300], tenant_id=token.tenant_id,
                 target=token, details={"method": request.method, "path": request.path[:200], "scope": token.scope},
                 actor=audit.Actor(user.id, user.email, request.remote_addr, g.get("request_id")))
    db.session.commit()


def _refuse(reason: str) -> None:
    log.warning("API authentication refused: %s", reason)
    raise BearerRefused(reason)


def unauthorized_response(detail: str = "Send Authorization: Bearer pd_<prefix>_<secret> with a live token."):
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="PatentDesk API"'
    return response


def api_operation(write: bool = False, capability: Can | None = Can.DOCKET):
    """Authenticated, inside a tenant; writes need a read-write token (or CSRF for a session) and ``capability``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthorized_response()
            if g.get("tenant") is None:
                return problem(403, "Forbidden", "Choose the client firm you work in before using the API.")
            token = g.get("api_token")
            if write:
                if token is not None and not token.can_write:
                    log.warning("authorisation failure: read-only token %s used for %s %s", token.prefix,
                                request.method, request.path)
                    return problem(403, "Forbidden", "This token is read-only.")
                if token is None and current_app.config.get("WTF_CSRF_ENABLED", True):
                    csrf.protect()  # a session carries cookies, so a forged cross-site request must fail
                if capability is not None and not can(current_user, capability):
                    log.warning("authorisation failure: role %s may not %s %s", current_user.role, request.method,
                                request.path)
                    return problem(403, "Forbidden", "Your role does not allow changes.")
            return view(*args, **kwargs)
        return wrapped
    return decorator

"""The request boundary: who is signed in, which tenant they work in, headers, errors, one commit.

- ``request_scope``: the signed-in person (cookie session or API token) and the tenant of the request.
- ``responses``: one commit per successful request, security headers.
- ``errors``: error pages and problem+json answers.
- ``nav``: the navigation (a declarative table) and the home page panels.
- ``local_time``: the ``local`` template filter, a moment in the firm's time zone.
- ``decorators``: ``tenant_required`` (roles: ``app.permissions.requires``).
"""
from __future__ import annotations

from flask import Flask

from . import errors, local_time, nav, request_scope, responses
from .decorators import tenant_required
from .log import log
from .nav import register_home_panel
from .request_scope import ACTIVE_TENANT_KEY, SESSION_TOKEN_KEY

__all__ = ["ACTIVE_TENANT_KEY", "SESSION_TOKEN_KEY", "init_app", "log", "register_home_panel", "tenant_required"]


def init_app(app: Flask) -> None:
    request_scope.register(app)
    responses.register(app)
    errors.register(app)
    nav.register(app)
    local_time.register(app)

"""The JSON API under /api/v1: the resources of app/api, the deadline preview, and the OpenAPI document and its page.

Bearer-token requests carry no cookies, so CSRF does not apply to them; a signed-in session's changes
must send X-CSRFToken (app/api/auth.py). Errors are application/problem+json.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import login_required

from ..api import openapi
from ..api.auth import BearerRefused, rate_limit, rate_limit_key, unauthorized_response

# Importing the resources declares their operations on openapi.OPERATIONS.
from ..api.resources import checklists, deadlines, events, matters, reports, search, work_requests  # noqa: F401
from ..extensions import csrf, limiter
from ..patents.deadlines import RuleError, preview

bp = Blueprint("api", __name__, url_prefix=openapi.API_PREFIX)
csrf.exempt(bp)  # token requests have no cookie to forge; session writes are checked in api_operation
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

for _operation in openapi.OPERATIONS:
    bp.add_url_rule(_operation.rule, endpoint=_operation.endpoint, view_func=_operation.view,
                    methods=[_operation.method])


@bp.app_errorhandler(BearerRefused)
def _bearer_refused(_error):
    return unauthorized_response("The token is unknown, expired or revoked, or its owner may no longer use it.")


@bp.route("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document; public, like any API's published description."""
    return jsonify(openapi.openapi_document())


@bp.route("/docs")
def docs():
    """A readable page of the operations, their parameters and the schemas, rendered here from the document."""
    return render_template("api/docs.html", spec=openapi.openapi_document())


@bp.route("/deadlines/preview", methods=["POST"])
@login_required
def deadlines_preview():
    """The engine's preview: the same JSON as `flask deadlines preview --json`. It changes nothing."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object with jurisdiction, event, date and optional params.")
    missing = [name for name in ("jurisdiction", "event", "date") if not body.get(name)]
    if missing:
        abort(400, description=f"Missing field(s): {', '.join(missing)}.")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        abort(400, description="params must be an object of name: value.")
    from ..patents.docketing.closures import sync
    sync()   # closures a provider admin declared, from any process
    try:
        return jsonify(preview(body["jurisdiction"], body["event"], body["date"], params))
    except RuleError as error:
        abort(400, description=str(error))

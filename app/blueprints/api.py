"""The JSON API under /api/v1 (issue 8 grows it); errors are application/problem+json."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import login_required

from ..extensions import csrf
from ..patents import deadlines as engine

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/deadlines/preview", methods=["POST"])
@csrf.exempt  # computes and returns dates; it changes nothing, so there is nothing to forge
@login_required
def deadlines_preview():
    """The engine's preview: the same JSON as `flask deadlines preview --json`."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object with jurisdiction, event, date and optional params.")
    missing = [name for name in ("jurisdiction", "event", "date") if not body.get(name)]
    if missing:
        abort(400, description=f"Missing field(s): {', '.join(missing)}.")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        abort(400, description="params must be an object of name: value.")
    try:
        return jsonify(engine.preview(body["jurisdiction"], body["event"], body["date"], params))
    except engine.RuleError as error:
        abort(400, description=str(error))

"""/healthz: is the database reachable, and Redis when configured."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db
from ..jobs import redis_connection

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # report, never raise: this page is for monitors
        checks["database"] = f"error: {type(error).__name__}"
    if current_app.config.get("REDIS_URL"):
        try:
            redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"error: {type(error).__name__}"
    else:
        checks["redis"] = "not configured (jobs run inline)"
    healthy = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503

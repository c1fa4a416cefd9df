"""/healthz: is the database reachable, Redis when configured, and is reminder delivery on time (503 if not)."""
from flask import Blueprint, current_app, jsonify
from flask_login import current_user
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
    reminders = None
    if checks["database"] == "ok":
        try:
            from ..patents.reminders.health import reminder_health
            reminders = reminder_health()
            checks["reminders"] = "late: " + "; ".join(reminders.problems) if reminders.late else "ok"
        except Exception as error:  # noqa: BLE001
            db.session.rollback()
            checks["reminders"] = f"error: {type(error).__name__}"
    healthy = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks}
    # The figures span every firm: only the provider's staff (signed in) see them and the reasons; anyone else
    # (a monitor, a firm's people) sees ok/late and the status code, never another firm's counts.
    if reminders is not None and current_user.is_authenticated and current_user.is_provider:
        body["reminders"] = {k: v for k, v in reminders.as_dict().items() if k != "problems"}
    elif reminders is not None and reminders.late:
        checks["reminders"] = "late"
    return jsonify(body), 200 if healthy else 503

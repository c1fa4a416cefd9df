"""Background job pages (progress, result) and downloads of the tenant's stored files."""
from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user, login_required

from ..files import StoredFile, send_stored
from ..jobs import JobRecord
from ..tenancy import get_or_404
from ..web import tenant_required

bp = Blueprint("jobs", __name__)


@bp.route("/jobs/<int:job_id>")
@login_required
@tenant_required
def job_page(job_id: int):
    return render_template("jobs/job.html", job=get_or_404(JobRecord, job_id))


@bp.route("/jobs/<int:job_id>/status")
@login_required
@tenant_required
def job_status(job_id: int):
    job = get_or_404(JobRecord, job_id)
    return jsonify(status=job.status, done=job.progress_done, total=job.progress_total,
                   message=job.message, error=job.error)


@bp.route("/files/<int:file_id>")
@login_required
@tenant_required
def download(file_id: int):
    stored = get_or_404(StoredFile, file_id)
    if not stored.visible_to(current_user):
        abort(404)  # not yet delivered to the firm: indistinguishable from not existing
    return send_stored(stored)

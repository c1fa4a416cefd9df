"""A firm's security settings and its data: require two-factor, export everything, audit log export, offboarding."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import audit, files, firm_data, offboarding
from ..extensions import db
from ..jobs import JobKind, JobRecord, start_tracked_job
from ..models import Tenant, utcnow
from ..permissions import Can, requires
from ..tenancy import tenant_scope
from ..utc import as_utc
from ..web import tenant_required

bp = Blueprint("compliance", __name__, url_prefix="/admin")


class FirmSecurityForm(FlaskForm):
    require_two_factor = BooleanField("Everyone in the firm signs in with a second factor")


@bp.route("/security", methods=["GET", "POST"])
@requires(Can.MANAGE_FIRM_SECURITY)
@tenant_required
def firm_security():
    """The firm admin's security settings for the firm."""
    firm = g.tenant
    form = FirmSecurityForm(obj=firm)
    if form.validate_on_submit():
        if form.require_two_factor.data != firm.require_two_factor:
            firm.require_two_factor = form.require_two_factor.data
            audit.record("two_factor_requirement", tenant_id=firm.id, target=firm,
                         summary=f"two-factor sign-in {'required' if firm.require_two_factor else 'optional'} "
                                 f"for {firm.name}")
            flash("Everyone in the firm will be asked to set up two-factor sign-in before anything else."
                  if firm.require_two_factor else "Two-factor sign-in is now optional for the firm.", "success")
        return redirect(url_for("compliance.firm_security"))
    exports = db.session.execute(select(JobRecord).where(JobRecord.kind == JobKind.FIRM_EXPORT)
                                 .order_by(JobRecord.id.desc()).limit(5)).scalars().all()
    return render_template("compliance/firm_security.html", form=form, firm=firm, exports=exports,
                           download_hours=current_app.config["EXPORT_DOWNLOAD_HOURS"])


# --- Audit log export -----------------------------------------------------------------------------------

MAX_EXPORT_DAYS = 400


class AuditExportForm(FlaskForm):
    start = DateField("From (UTC day)", validators=[DataRequired()])
    end = DateField("To (UTC day, included)", validators=[DataRequired()])
    format = SelectField("Format", choices=[("csv", "CSV (spreadsheets)"), ("json", "JSON")], default="csv")
    tenant = SelectField("Firm", coerce=int, default=0)

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError("The end is before the start.")
            if (field.data - self.start.data).days >= MAX_EXPORT_DAYS:
                raise ValidationError(f"Export at most {MAX_EXPORT_DAYS} days at a time.")


@bp.route("/audit/export", methods=["GET", "POST"])
@requires(Can.READ_AUDIT_LOG)
def export_audit():
    """The audit log for a date range as CSV or JSON: a firm admin's firm, or any firm (or all) for a provider admin."""
    form = AuditExportForm()
    provider = current_user.role == "provider_admin"
    if provider:
        form.tenant.choices = [(0, "All firms and the provider")] + [
            (t.id, t.name) for t in db.session.execute(select(Tenant).order_by(Tenant.name)).scalars()]
    else:
        del form.tenant  # a firm admin exports their own firm's entries, nothing else
    if request.method == "GET":
        today = utcnow().date()
        form.start.data, form.end.data = form.start.data or today - timedelta(days=30), form.end.data or today
    if form.validate_on_submit():
        tenant_id = (form.tenant.data or None) if provider else None
        start = datetime.combine(form.start.data, time.min, tzinfo=UTC)
        end = datetime.combine(form.end.data + timedelta(days=1), time.min, tzinfo=UTC)
        query = audit.entries_between(audit.visible_entries(current_user, tenant_id), start, end)
        scope = f"firm {tenant_id}" if tenant_id else ("all firms" if provider else "the firm")
        audit.record("audit_exported", tenant_id=tenant_id if provider else current_user.home_tenant_id,
                     summary=f"audit log of {scope} exported for {form.start.data} to {form.end.data} "
                             f"as {form.format.data.upper()}")
        db.session.commit()  # the export is itself on record before a byte leaves
        name = f"audit-{form.start.data}-{form.end.data}.{form.format.data}"
        mimetype = "text/csv" if form.format.data == "csv" else "application/json"
        return Response(stream_with_context(audit.export_lines(query, form.format.data)), mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("compliance/audit_export.html", form=form, provider=provider), \
        400 if form.errors else 200


# --- Export of everything of a firm -----------------------------------------------------------------------

def _export_tenant_ids() -> list[int]:
    """Whose exports this admin may see: a firm admin their firm's, a provider admin every firm's."""
    if current_user.role == "firm_admin":
        return [current_user.home_tenant_id]
    return list(db.session.execute(select(Tenant.id)).scalars())


def _export_or_404(job_id: int) -> JobRecord:
    with tenant_scope(_export_tenant_ids()):
        job = db.session.execute(select(JobRecord).where(JobRecord.id == job_id,
                                                         JobRecord.kind == JobKind.FIRM_EXPORT)
                                 ).scalar_one_or_none()
        if job is None:
            abort(404)
        return job


def start_export(tenant: Tenant) -> int:
    """Start the export job in the firm's scope (a provider admin need not work in the firm); returns its id."""
    with tenant_scope(tenant.id):
        job = start_tracked_job("reports", JobKind.FIRM_EXPORT, f"Export of all data of {tenant.name}",
                                firm_data.export_job, current_user.id, created_by_id=current_user.id)
        audit.record("firm_export_started", tenant_id=tenant.id, target=tenant,
                     summary=f"export of all data of {tenant.name} started")
        return job.id  # read here: outside the firm's scope the row is not visible


@bp.route("/security/export", methods=["POST"])
@requires(Can.MANAGE_FIRM_SECURITY)
@tenant_required
def export_firm():
    return redirect(url_for("compliance.export_status", job_id=start_export(g.tenant)))


@bp.route("/tenants/<int:tenant_id>/export", methods=["POST"])
@requires(Can.MANAGE_FIRMS)
def export_any_firm(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    return redirect(url_for("compliance.export_status", job_id=start_export(tenant)))


def download_expires(job: JobRecord) -> datetime | None:
    if job.finished_at is None:
        return None
    finished = as_utc(job.finished_at)
    return finished + timedelta(hours=current_app.config["EXPORT_DOWNLOAD_HOURS"])


@bp.route("/exports/<int:job_id>")
@requires(Can.EXPORT_FIRM_DATA)
def export_status(job_id: int):
    job = _export_or_404(job_id)
    expires = download_expires(job)
    return render_template("compliance/export.html", job=job, expires=expires,
                           expired=expires is not None and expires < utcnow())


@bp.route("/exports/<int:job_id>/download")
@requires(Can.EXPORT_FIRM_DATA)
def download_export(job_id: int):
    """The archive, for EXPORT_DOWNLOAD_HOURS after it was made; then 410 and the file is gone."""
    job = _export_or_404(job_id)
    expires = download_expires(job)
    if job.status != "finished" or job.file_id is None:
        abort(404)
    with tenant_scope(job.tenant_id):
        stored = db.session.get(files.StoredFile, job.file_id)
        if expires < utcnow() or stored is None:
            abort(410, description="This download link has expired. Start a new export.")
        return files.send_stored(stored)


# --- Offboarding (provider admin) ---------------------------------------------------------------------------

class OffboardForm(FlaskForm):
    confirm_slug = StringField("Type the firm's short code to confirm", validators=[DataRequired(), Length(max=40)])


@bp.route("/tenants/<int:tenant_id>/offboarding", methods=["GET", "POST"])
@requires(Can.MANAGE_FIRMS)
def offboard_firm(tenant_id: int):
    """Deactivate the firm now, export it, and delete every trace after the retention period."""
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    form = OffboardForm()
    if form.validate_on_submit():
        if form.confirm_slug.data.strip() != tenant.slug:
            form.confirm_slug.errors.append(f"That is not {tenant.name}'s short code.")
        else:
            try:
                delete_after = offboarding.offboard(tenant)
            except offboarding.OffboardingError as problem:
                form.confirm_slug.errors.append(str(problem))
            else:
                job_id = start_export(tenant)
                flash(f"{tenant.name} is deactivated and will be deleted after {delete_after:%Y-%m-%d}. "
                      "Its final export is being prepared.", "success")
                return redirect(url_for("compliance.export_status", job_id=job_id))
    exports = []
    with tenant_scope(tenant.id):
        exports = db.session.execute(select(JobRecord).where(JobRecord.kind == JobKind.FIRM_EXPORT)
                                     .order_by(JobRecord.id.desc()).limit(5)).scalars().all()
    return render_template("compliance/offboarding.html", tenant=tenant, form=form, exports=exports,
                           retention_days=current_app.config["OFFBOARDING_RETENTION_DAYS"]), \
        400 if form.errors else 200


@bp.route("/tenants/<int:tenant_id>/offboarding/cancel", methods=["POST"])
@requires(Can.MANAGE_FIRMS)
def cancel_offboarding(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    try:
        offboarding.cancel(tenant)
    except offboarding.OffboardingError as problem:
        flash(str(problem), "error")
    else:
        flash(f"{tenant.name} is active again; nothing was deleted.", "success")
    return redirect(url_for("compliance.offboard_firm", tenant_id=tenant.id))

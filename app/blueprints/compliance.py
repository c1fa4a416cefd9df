"""A firm's security settings and its data: require two-factor, export everything, audit log export, offboarding."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, Response, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import DataRequired, ValidationError

from .. import audit
from ..extensions import db
from ..models import Tenant, utcnow
from ..web import roles_required, tenant_required

bp = Blueprint("compliance", __name__, url_prefix="/admin")


class FirmSecurityForm(FlaskForm):
    require_two_factor = BooleanField("Everyone in the firm signs in with a second factor")


@bp.route("/security", methods=["GET", "POST"])
@roles_required("firm_admin")
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
    return render_template("compliance/firm_security.html", form=form, firm=firm, user=current_user)


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
@roles_required("firm_admin", "provider_admin")
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
        start = datetime.combine(form.start.data, time.min, tzinfo=timezone.utc)
        end = datetime.combine(form.end.data + timedelta(days=1), time.min, tzinfo=timezone.utc)
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

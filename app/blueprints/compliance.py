"""A firm's security settings and its data: require two-factor, export everything, audit log export, offboarding."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from .. import audit
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

"""Home and the provider's tenant switcher."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..urls import safe_local_path
from ..web import ACTIVE_TENANT_KEY

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    """Where people land: provider staff on their queue across firms, firm people on their firm's dashboard."""
    if current_user.is_provider:
        return redirect(url_for("dashboards.provider"))
    if g.tenant is None:
        return render_template("main/home.html", team=[])
    from .dashboards import firm_dashboard_page
    return firm_dashboard_page(team=_team_of(g.tenant))


def _team_of(tenant):
    return db.session.execute(
        select(User).where(User.home_tenant_id == tenant.id, User.active.is_(True)).order_by(User.name)
    ).scalars().all()


@bp.route("/tenants/choose", methods=["GET", "POST"])
@login_required
def choose_tenant():
    if not current_user.is_provider:
        abort(404)
    if request.method == "POST":
        wanted = request.form.get("tenant_id", type=int)
        tenant = next((t for t in g.assigned_tenants if t.id == wanted), None)
        if tenant is None:
            abort(404)  # not assigned: indistinguishable from not existing
        session[ACTIVE_TENANT_KEY] = tenant.id
        flash(f"You are now working in {tenant.name}.", "success")
        return redirect(safe_local_path(request.form.get("next")) or url_for("main.home"))
    return render_template("main/choose_tenant.html", next=safe_local_path(request.args.get("next"), ""))

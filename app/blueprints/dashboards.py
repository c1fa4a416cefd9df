"""The firm's dashboard (also its home panel), the provider's dashboard, and in-app notifications."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..models import utcnow
from ..patents.dashboards.firm import DEADLINE_WINDOWS, firm_dashboard
from ..patents.dashboards.provider import provider_dashboard, turnaround_bars
from ..patents.docketing.models import JURISDICTIONS, MATTER_STATUSES
from ..patents.docketing.queries import tenant_today
from ..patents.notifications.models import Notification
from ..patents.notifications.operations import (
    mark_all_read,
    mark_read,
    recent_for,
    set_email_preference,
    unread_count,
    wants_email,
)
from ..patents.work_requests.models import REQUEST_STATES
from ..permissions import Can, requires
from ..tenancy import get_or_404, tenant_scope
from ..web import tenant_required

bp = Blueprint("dashboards", __name__)


def _assigned_ids() -> list[int]:
    return [t.id for t in g.get("assigned_tenants", [])]


@bp.app_context_processor
def _dashboard_context():
    def unread_notification_count() -> int:
        if not current_user.is_authenticated or not _assigned_ids():
            return 0
        with tenant_scope(_assigned_ids()):
            return unread_count(current_user.id)

    def firm_dashboard_summary():
        return firm_dashboard(tenant_today(g.tenant))

    return {"unread_notification_count": unread_notification_count, "firm_dashboard_summary": firm_dashboard_summary}


def firm_dashboard_page(team=()):
    """The firm's home page: deadlines, requests, deliveries to review, reports, portfolio and team."""
    return render_template("dashboard/firm.html", d=firm_dashboard(tenant_today(g.tenant)),
                           windows=DEADLINE_WINDOWS, states=REQUEST_STATES, team=team,
                           jurisdictions=JURISDICTIONS, matter_statuses=MATTER_STATUSES)


@bp.get("/dashboard")
@login_required
@tenant_required
def firm():
    """The dashboard is the home page; the old address leads there."""
    return redirect(url_for("main.home"))


@bp.get("/provider")
@requires(Can.SEE_PROVIDER_DASHBOARD)
def provider():
    tenants = g.assigned_tenants
    tenant_ids = [t.id for t in tenants]
    only_user = current_user if current_user.role == "specialist" else None
    with tenant_scope(tenant_ids):
        board = provider_dashboard(tenant_ids, {t.id: tenant_today(t) for t in tenants}, utcnow(),
                                              only_user)
    return render_template("dashboard/provider.html", board=board, tenants={t.id: t for t in tenants},
                           bars=turnaround_bars(board.turnaround))


# --- Notifications -----------------------------------------------------------------------------------

class PreferenceForm(FlaskForm):
    email = BooleanField("Also e-mail me these notifications")


@bp.get("/notifications")
@login_required
def notification_list():
    with tenant_scope(_assigned_ids()):
        items = recent_for(current_user.id)
    form = PreferenceForm(email=wants_email(current_user.id))
    return render_template("dashboard/notifications.html", items=items, form=form)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    with tenant_scope(_assigned_ids()):
        notification = get_or_404(Notification, notification_id)
        if notification.user_id != current_user.id:
            abort(404)
        mark_read(notification)
    link = notification.link if notification.link.startswith("/") and not notification.link.startswith("//") else ""
    return redirect(link or url_for("dashboards.notification_list"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    mark_all_read(current_user.id, _assigned_ids())
    flash("All notifications marked read.", "success")
    return redirect(url_for("dashboards.notification_list"))


@bp.post("/notifications/preferences")
@login_required
def preferences():
    form = PreferenceForm()
    if form.validate_on_submit():
        set_email_preference(current_user.id, form.email.data)
        flash("Your notification preference is saved.", "success")
    return redirect(url_for("dashboards.notification_list"))

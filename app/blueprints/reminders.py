"""Reminder pages: my reminders, acknowledgement links, watchers, the outbox, and the policies."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import accounts
from ..extensions import db
from ..models import Tenant
from ..patents.docketing.models import OPEN_STATUSES, Deadline, Matter
from ..patents.reminders import operations
from ..patents.reminders import policy as policies
from ..patents.reminders.jobs import sweep_command
from ..patents.reminders.links import AckLinkError, read_ack_token
from ..patents.reminders.models import (
    DELIVERY_MODES,
    OUTBOX_STATUSES,
    MatterWatcher,
    OutboxMessage,
    UserReminderPreference,
)
from ..permissions import Can, can, requires
from ..tenancy import get_or_404, tenant_scope
from ..web import tenant_required

bp = Blueprint("reminders", __name__)
bp.cli.add_command(sweep_command)

OUTBOX_PAGE_SIZE = 200


def _preference(user_id: int) -> UserReminderPreference | None:
    return db.session.execute(select(UserReminderPreference).where(
        UserReminderPreference.user_id == user_id)).scalar_one_or_none()


@bp.get("/reminders")
@login_required
@tenant_required
def my_reminders():
    rows = db.session.execute(
        select(OutboxMessage).join(Deadline, Deadline.id == OutboxMessage.deadline_id)
        .where(OutboxMessage.recipient_id == current_user.id, OutboxMessage.status.in_(("pending", "sent")),
               Deadline.status.in_(OPEN_STATUSES), Deadline.current_due == OutboxMessage.due_date)
        .order_by(OutboxMessage.due_date, OutboxMessage.id)).scalars().all()
    preference = _preference(current_user.id)
    return render_template("reminders/my_reminders.html", rows=rows, acknowledged={
        row.id for row in rows if operations.is_acknowledged(row)}, delivery_modes=DELIVERY_MODES,
        delivery=preference.delivery if preference else "immediate")


@bp.post("/reminders/<int:outbox_id>/acknowledge")
@login_required
@tenant_required
def acknowledge(outbox_id: int):
    message = get_or_404(OutboxMessage, outbox_id)
    if message.recipient_id != current_user.id:
        abort(404)
    operations.acknowledge(message, current_user.id, via="app")
    flash(f"Acknowledged: no more reminders for {message.deadline.label} due {message.due_date}.", "success")
    return redirect(url_for("reminders.my_reminders"))


@bp.post("/reminders/preference")
@login_required
def save_preference():
    delivery = request.form.get("delivery", "")
    if delivery not in DELIVERY_MODES:
        abort(400, description="Choose immediate e-mails or a daily digest.")
    preference = _preference(current_user.id) or UserReminderPreference(user_id=current_user.id)
    preference.delivery = delivery
    db.session.add(preference)
    flash(f"Reminders: {DELIVERY_MODES[delivery].lower()}.", "success")
    return redirect(url_for("reminders.my_reminders"))


@bp.route("/reminders/ack/<token>", methods=["GET", "POST"])
def acknowledge_by_link(token: str):
    """No sign-in: the signed token is the permission. GET only shows what would be acknowledged."""
    try:
        claim = read_ack_token(token)
    except AckLinkError as error:
        return render_template("reminders/ack_link.html", error=str(error)), 400
    with tenant_scope(claim.tenant_id):
        message = get_or_404(OutboxMessage, claim.outbox_id)
        if message.recipient_id != claim.recipient_id:
            abort(404)
        if request.method == "POST":
            operations.acknowledge(message, claim.recipient_id, via="link")
            return render_template("reminders/ack_link.html", message=message, done=True)
        return render_template("reminders/ack_link.html", message=message, token=token,
                               already=operations.is_acknowledged(message))


def _outbox_scope() -> list[int]:
    if current_user.role == "provider_admin":
        return [t.id for t in accounts.assigned_tenants(current_user)]
    return [current_user.home_tenant_id]


@bp.get("/reminders/outbox")
@requires(Can.SEE_REMINDER_OUTBOX)
def outbox():
    status = request.args.get("status", "")
    tenant_ids = _outbox_scope()
    with tenant_scope(tenant_ids):
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(OUTBOX_PAGE_SIZE)
        if status in OUTBOX_STATUSES:
            query = query.where(OutboxMessage.status == status)
        rows = db.session.execute(query).scalars().all()
        page = render_template("reminders/outbox.html", rows=rows, statuses=OUTBOX_STATUSES, status=status,
                               tenant_names=dict(db.session.execute(select(Tenant.id, Tenant.name).where(
                                   Tenant.id.in_(tenant_ids))).all()))
    return page


@bp.post("/reminders/outbox/<int:outbox_id>/retry")
@requires(Can.SEE_REMINDER_OUTBOX)
def retry(outbox_id: int):
    with tenant_scope(_outbox_scope()):
        message = get_or_404(OutboxMessage, outbox_id)
        try:
            operations.retry_message(message)
            flash("The message will be sent again on the next sweep.", "success")
        except operations.ReminderError as error:
            flash(str(error), "error")
    return redirect(url_for("reminders.outbox", status="failed"))


def _read_policy_form(form) -> dict:
    return {
        "statutory_ladder": policies.parse_ladder(form.get("statutory_ladder", "")),
        "soft_ladder": policies.parse_ladder(form.get("soft_ladder", "")),
        "soft_kinds": policies.parse_kinds(form.get("soft_kinds", "")),
        "kind_ladders": policies.parse_kind_ladders(form.get("kind_ladders", "")),
        "escalate_within_days": policies.check_whole_number(form.get("escalate_within_days"), 0, 60,
                                                            "Escalation days"),
        "escalate_to_provider": form.get("escalate_to_provider") == "on",
        "digest_hour": policies.check_whole_number(form.get("digest_hour"), 0, 23, "Digest hour"),
    }


@bp.route("/reminders/policy", methods=["GET", "POST"])
@requires(Can.SET_REMINDER_POLICY)
@tenant_required
def tenant_policy():
    policy = policies.tenant_policy()
    attorneys = db.session.execute(accounts.members_query(g.tenant.id, ("attorney", "firm_admin"))).scalars().all()
    if request.method == "POST":
        try:
            values = _read_policy_form(request.form)
            supervisor = request.form.get("supervising_attorney_id") or None
            if supervisor and int(supervisor) not in {a.id for a in attorneys}:
                raise policies.PolicyError("Choose a supervising attorney of this firm.")
        except (policies.PolicyError, ValueError) as error:
            flash(str(error), "error")
            return render_template("reminders/policy.html", policy=policy, attorneys=attorneys,
                                   form=request.form, provider=False), 400
        for field, value in values.items():
            setattr(policy, field, value)
        policy.supervising_attorney_id = int(supervisor) if supervisor else None
        flash("Reminder policy saved.", "success")
        return redirect(url_for("reminders.tenant_policy"))
    return render_template("reminders/policy.html", policy=policy, attorneys=attorneys, form=None, provider=False)


@bp.route("/reminders/provider-defaults", methods=["GET", "POST"])
@requires(Can.SET_REMINDER_DEFAULTS)
def provider_defaults():
    defaults = policies.provider_defaults()
    if request.method == "POST":
        try:
            values = _read_policy_form(request.form)
        except policies.PolicyError as error:
            flash(str(error), "error")
            return render_template("reminders/policy.html", policy=defaults, form=request.form, provider=True), 400
        policies.save_provider_defaults(values)
        flash("Defaults saved; firms get them the first time their policy is needed.", "success")
        return redirect(url_for("reminders.provider_defaults"))
    return render_template("reminders/policy.html", policy=defaults, form=None, provider=True)


@bp.get("/matters/<int:matter_id>/watchers")
@login_required
@tenant_required
def watchers(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    current = db.session.execute(select(MatterWatcher).where(MatterWatcher.matter_id == matter.id)
                                 .order_by(MatterWatcher.id)).scalars().all()
    watching = {w.user_id for w in current}
    candidates = [u for u in operations.watcher_candidates(matter.tenant_id) if u.id not in watching]
    return render_template("reminders/watchers.html", matter=matter, watchers=current, candidates=candidates,
                           can_edit=can(current_user, Can.DOCKET),
                           matter_url=_matter_page(matter.id))


def _matter_page(matter_id: int) -> str | None:
    return url_for("matters.detail", matter_id=matter_id) if "matters.detail" in current_app.view_functions else None


@bp.post("/matters/<int:matter_id>/watchers")
@requires(Can.DOCKET)
@tenant_required
def add_watcher(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    try:
        operations.add_watcher(matter, int(request.form.get("user_id", "0")), current_user.id)
        flash("Watcher added.", "success")
    except (operations.ReminderError, ValueError) as error:
        flash(str(error), "error")
    return redirect(url_for("reminders.watchers", matter_id=matter.id))


@bp.post("/matters/<int:matter_id>/watchers/<int:watcher_id>/remove")
@requires(Can.DOCKET)
@tenant_required
def remove_watcher(matter_id: int, watcher_id: int):
    matter = get_or_404(Matter, matter_id)
    watcher = get_or_404(MatterWatcher, watcher_id)
    if watcher.matter_id != matter.id:
        abort(404)
    operations.remove_watcher(watcher)
    flash("Watcher removed.", "success")
    return redirect(url_for("reminders.watchers", matter_id=matter.id))

"""Reminder pages: my reminders, acknowledgement links, watchers, the outbox, and the policies."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import accounts
from ..extensions import db
from ..models import Tenant, utcnow
from ..patents.docketing.models import OPEN_STATUSES, Deadline, Matter
from ..patents.reminders import operations
from ..patents.reminders import policy as policies
from ..patents.reminders.capture import captured_message, captured_messages
from ..patents.reminders.health import firm_sweep_states, plain_error, reminder_health
from ..patents.reminders.jobs import sweep_command
from ..patents.reminders.links import AckLinkError, read_ack_token
from ..patents.reminders.models import (
    DELIVERY_MODES,
    OUTBOX_STATUSES,
    MatterWatcher,
    OutboxMessage,
    UserReminderPreference,
)
from ..patents.reminders.sweep import as_utc
from ..permissions import Can, can, requires
from ..tenancy import get_or_404, tenant_scope
from ..web import tenant_required

bp = Blueprint("reminders", __name__)
bp.cli.add_command(sweep_command)
@bp.record_once
def _start_development_sweep_timer(state) -> None:
    """`make run`: with no Redis and no cron, the development server sweeps and delivers on a timer of its own."""
    from ..patents.reminders.timer import start_sweep_timer
    start_sweep_timer(state.app)


@bp.get("/dev/mail")
@requires(Can.SET_REMINDER_DEFAULTS)  # the provider admin
def captured_mail():
    """Development: the mail PatentDesk would have sent (MAIL_CAPTURE), newest first."""
    if not current_app.config.get("MAIL_CAPTURE"):
        abort(404)
    shown = captured_message(request.args.get("message", "")) if request.args.get("message") else None
    return render_template("reminders/captured_mail.html", messages=captured_messages(), shown=shown)

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
                                   Tenant.id.in_(tenant_ids))).all()),
                               now=utcnow(), as_utc=as_utc, plain_error=plain_error, age_in_words=age_in_words,
                               alert_after=timedelta(minutes=current_app.config["REMINDER_WAIT_ALERT_MINUTES"]))
    return page


def age_in_words(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


@bp.get("/reminders/health")
@requires(Can.SET_REMINDER_DEFAULTS)  # the provider admin
def delivery_health():
    """For the provider's admins: is delivery on time, per firm they look after."""
    tenants = accounts.assigned_tenants(current_user)
    tenant_ids = [t.id for t in tenants]
    health = reminder_health(tenant_ids=tenant_ids)
    states = firm_sweep_states(tenant_ids)
    now = utcnow()
    per_firm = []
    with tenant_scope(tenant_ids):
        for tenant in tenants:
            waiting = db.session.execute(select(func.min(OutboxMessage.next_attempt_at), func.count()).where(
                OutboxMessage.tenant_id == tenant.id, OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now)).one()
            failed = db.session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.tenant_id == tenant.id, OutboxMessage.status == "failed")).scalar()
            per_firm.append({"tenant": tenant, "state": states.get(tenant.id), "failed": failed,
                             "waiting": waiting[1], "oldest": as_utc(waiting[0]) if waiting[0] else None})
    db.session.commit()
    return render_template("reminders/health.html", health=health, per_firm=per_firm, now=now, as_utc=as_utc,
                           age_in_words=age_in_words)


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
    return policies.read_policy_form(form)


def _form_context(policy, form) -> dict:
    """What the policy template shows: the stored policy, or what was just posted (after an error)."""
    def ticked(ladder):
        return {str(day) for day in ladder}
    if form is not None and "statutory_ladder" not in form:
        statutory, soft = set(form.getlist("statutory_days")), set(form.getlist("soft_days"))
        soft_kinds = set(form.getlist("soft_kinds"))
        overrides = [(form.get(f"override_kind_{i}", ""), set(form.getlist(f"override_days_{i}")),
                      form.get(f"override_other_{i}", "")) for i in range(policies.MAX_KIND_OVERRIDES)
                     if form.get(f"override_kind_{i}")]
        others = (form.get("statutory_other", ""), form.get("soft_other", ""))
    else:
        statutory, soft = ticked(policy.statutory_ladder), ticked(policy.soft_ladder)
        soft_kinds = set(policy.soft_kinds)
        overrides = [(kind, ticked(ladder), ", ".join(str(d) for d in ladder if d not in policies.LADDER_CHOICES))
                     for kind, ladder in (policy.kind_ladders or {}).items()]
        others = tuple(", ".join(str(d) for d in ladder if d not in policies.LADDER_CHOICES)
                       for ladder in (policy.statutory_ladder, policy.soft_ladder))
    return {"choices": policies.LADDER_CHOICES, "kinds": policies.kind_choices(), "statutory": statutory,
            "soft": soft, "soft_kinds": soft_kinds, "overrides": overrides + [("", set(), "")],
            "statutory_other": others[0], "soft_other": others[1]}


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
                                   form=request.form, provider=False, **_form_context(policy, request.form)), 400
        for field, value in values.items():
            setattr(policy, field, value)
        policy.supervising_attorney_id = int(supervisor) if supervisor else None
        flash("Reminder policy saved.", "success")
        return redirect(url_for("reminders.tenant_policy"))
    return render_template("reminders/policy.html", policy=policy, attorneys=attorneys, form=None, provider=False,
                           **_form_context(policy, None))


@bp.route("/reminders/provider-defaults", methods=["GET", "POST"])
@requires(Can.SET_REMINDER_DEFAULTS)
def provider_defaults():
    defaults = policies.provider_defaults()
    if request.method == "POST":
        try:
            values = _read_policy_form(request.form)
        except policies.PolicyError as error:
            flash(str(error), "error")
            return render_template("reminders/policy.html", policy=defaults, form=request.form, provider=True,
                                   **_form_context(defaults, request.form)), 400
        policies.save_provider_defaults(values)
        flash("Defaults saved; firms get them the first time their policy is needed.", "success")
        return redirect(url_for("reminders.provider_defaults"))
    return render_template("reminders/policy.html", policy=defaults, form=None, provider=True,
                           **_form_context(defaults, None))


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

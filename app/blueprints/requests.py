"""Work requests over HTTP: the list and queue, opening a request, its page, each transition, files, service levels."""
from __future__ import annotations

from contextlib import contextmanager

import click

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..files import send_stored
from ..models import PROVIDER_ROLES, Tenant, User, utcnow
from ..patents.work_requests.jobs import notify_at_risk_in_every_firm
from ..patents.work_requests import operations
from ..patents.work_requests.queries import (assignable_people, at_risk_condition, generated_files, sla_status,
                                             turnaround_hours)
from ..uploads import ALLOWED_EXTENSIONS, DEFAULT_MAX_FILE_BYTES, UploadRejected, check_upload, store_upload
from ..files import StoredFile
from ..patents.docketing.models import Matter
from ..patents.work_requests.models import (OPEN_STATES, PRIORITIES, REQUEST_KINDS, REQUEST_STATES, WorkRequest,
                                            WorkRequestComment, WorkRequestFile, WorkRequestTransition)
from ..single_line import NoControlCharacters
from ..tenancy import get_or_404, tenant_scope
from ..web import register_nav, roles_required, tenant_required

bp = Blueprint("requests", __name__)
register_nav("Requests", "requests.index")

PAGE_SIZE = 50
COMMENTERS = operations.REQUESTERS + PROVIDER_ROLES
CANCELLERS = operations.REQUESTERS + PROVIDER_ROLES
STATE_FILTERS = {"open": "Open", "at_risk": "At risk", **REQUEST_STATES, "all": "All"}


def _max_file_bytes() -> int:
    return current_app.config.get("WORK_REQUEST_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)


# --- Forms ----------------------------------------------------------------------------------------------

class NewRequestForm(FlaskForm):
    matter_reference = StringField("Matter (firm docket reference)", validators=[DataRequired(), Length(max=60)])
    kind = SelectField("Kind of work", choices=list(REQUEST_KINDS.items()))
    title = StringField("Summary", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    instructions = TextAreaField("Instructions", validators=[DataRequired(), Length(max=20000)])
    requested_due = DateField("Needed by", validators=[DataRequired()])
    priority = SelectField("Priority", coerce=int, default=3, choices=list(PRIORITIES.items()))
    attachments = MultipleFileField("Attachments")

    def validate_matter_reference(self, field):
        self.matter = db.session.execute(select(Matter).where(Matter.reference == field.data.strip())).scalar()
        if self.matter is None:
            raise ValidationError("No matter of your firm has this reference.")


class AcceptForm(FlaskForm):
    assignee_id = SelectField("Assign to", coerce=int, validate_choice=False)


class AssignForm(FlaskForm):
    assignee_id = SelectField("Assign to", coerce=int, validate_choice=False, validators=[DataRequired()])


class DeliverForm(FlaskForm):
    picked_files = SelectMultipleField("Generated reports of this firm", coerce=int,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    uploads = MultipleFileField("Or upload the work product")
    note = TextAreaField("Note to the firm", validators=[Optional(), Length(max=5000)])


class ReasonForm(FlaskForm):
    text = TextAreaField("Reason", validators=[DataRequired(), Length(max=5000)])


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=10000)])
    parent_id = HiddenField()


# --- Loading a request ---------------------------------------------------------------------------------

@contextmanager
def _request_tenant(request_id: int):
    """Find the request among the person's firms, then work inside that one firm."""
    with tenant_scope([t.id for t in g.assigned_tenants]):
        work_request = get_or_404(WorkRequest, request_id)
    with tenant_scope(work_request.tenant_id):
        yield work_request


def _uploaded(field) -> list[tuple[bytes, str]]:
    """(bytes, filename) of each chosen file, checked by size and content; errors go on the field."""
    limit = _max_file_bytes()
    files = []
    for storage in field.data or []:
        if not storage or not storage.filename:
            continue
        data = storage.read(limit + 1)
        try:
            check_upload(data, storage.filename, limit)
        except UploadRejected as error:
            field.errors = [*field.errors, f"{error} Choose the file again after fixing it."]
            continue
        files.append((data, storage.filename))
    return files


def _store(files: list[tuple[bytes, str]], purpose: str) -> list[StoredFile]:
    return [store_upload(data, name, purpose, current_user, _max_file_bytes()) for data, name in files]


# --- List and queue ------------------------------------------------------------------------------------

@bp.get("/requests")
@login_required
def index():
    tenants = g.assigned_tenants
    tenant_ids = [t.id for t in tenants]
    wanted = request.args.get("tenant", type=int)
    if wanted in tenant_ids:
        tenant_ids = [wanted]
    state = request.args.get("state", "open")
    state = state if state in STATE_FILTERS else "open"
    query = (select(WorkRequest, Matter.reference, Tenant.name)
             .join(Matter, Matter.id == WorkRequest.matter_id).join(Tenant, Tenant.id == WorkRequest.tenant_id)
             .where(WorkRequest.tenant_id.in_(tenant_ids)))
    if state == "open":
        query = query.where(WorkRequest.state.in_(OPEN_STATES))
    elif state == "at_risk":
        query = query.where(at_risk_condition(utcnow()))
    elif state != "all":
        query = query.where(WorkRequest.state == state)
    if request.args.get("kind") in REQUEST_KINDS:
        query = query.where(WorkRequest.kind == request.args["kind"])
    if current_user.is_provider and (request.args.get("mine") or request.args.get("assignee", type=int)):
        query = query.where(WorkRequest.assignee_id == (
            current_user.id if request.args.get("mine") else request.args.get("assignee", type=int)))
    if request.args.get("matter", type=int):
        query = query.where(WorkRequest.matter_id == request.args.get("matter", type=int))
    rows, total, page = [], 0, 1
    if tenant_ids:
        with tenant_scope(tenant_ids):
            total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
            page = max(request.args.get("page", 1, type=int), 1)
            rows = db.session.execute(query.order_by(WorkRequest.requested_due, WorkRequest.priority, WorkRequest.id)
                                      .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    now = utcnow()
    return render_template("requests/index.html", rows=rows, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), args=request.args, state=state,
                           states=STATE_FILTERS, kinds=REQUEST_KINDS, tenants=tenants,
                           sla=lambda r: sla_status(r.state, r.target_at, now),
                           can_open=current_user.role in operations.REQUESTERS and g.tenant is not None)


# --- Opening a request --------------------------------------------------------------------------------

@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required(*operations.REQUESTERS)
@tenant_required
def new():
    form = NewRequestForm()
    if request.method == "GET" and request.args.get("matter"):
        form.matter_reference.data = request.args["matter"]
    if form.validate_on_submit():
        files = _uploaded(form.attachments)
        if not form.attachments.errors:
            work_request = operations.submit(form.matter, form.kind.data, form.title.data.strip(),
                                           form.instructions.data, form.requested_due.data, form.priority.data,
                                           current_user, _store(files, "request_attachment"))
            flash(f"Request #{work_request.id} sent to the provider.", "success")
            return redirect(url_for("requests.detail", request_id=work_request.id))
    return render_template("requests/new.html", form=form, allowed=ALLOWED_EXTENSIONS,
                           limit_mb=_max_file_bytes() // 1048576), 400 if form.errors else 200


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error):
    db.session.rollback()
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("requests/too_large.html", limit_mb=limit // 1048576), 413


# --- A request's page ----------------------------------------------------------------------------------

def _comment_tree(work_request: WorkRequest):
    rows = db.session.execute(select(WorkRequestComment, User.name).outerjoin(User, User.id == WorkRequestComment.author_id)
                              .where(WorkRequestComment.request_id == work_request.id)
                              .order_by(WorkRequestComment.at, WorkRequestComment.id)).all()
    children: dict[int | None, list] = {}
    for comment, author in rows:
        children.setdefault(comment.parent_id, []).append((comment, author))
    return children


def _detail_page(work_request: WorkRequest, status: int = 200, **forms):
    files = db.session.execute(select(WorkRequestFile, StoredFile).join(StoredFile, StoredFile.id == WorkRequestFile.file_id)
                               .where(WorkRequestFile.request_id == work_request.id)
                               .order_by(WorkRequestFile.delivery_round, WorkRequestFile.id)).all()
    history = db.session.execute(select(WorkRequestTransition, User.name)
                                 .outerjoin(User, User.id == WorkRequestTransition.by_id)
                                 .where(WorkRequestTransition.request_id == work_request.id)
                                 .order_by(WorkRequestTransition.at, WorkRequestTransition.id)).all()
    people = [(p.id, p.name) for p in assignable_people(work_request.tenant_id)] \
        if current_user.role == "provider_admin" else []
    accept_form = forms.get("accept_form") or AcceptForm(prefix="accept")
    accept_form.assignee_id.choices = [(0, "— assign later —")] + people
    assign_form = forms.get("assign_form") or AssignForm(prefix="assign", assignee_id=work_request.assignee_id or 0)
    assign_form.assignee_id.choices = people
    deliver_form = forms.get("deliver_form") or DeliverForm(prefix="deliver")
    deliver_form.picked_files.choices = _generated_choices()
    user = current_user
    is_worker = user.role == "provider_admin" or (user.role in PROVIDER_ROLES and user.id == work_request.assignee_id)
    return render_template(
        "requests/detail.html", wr=work_request, files=files, history=history, comments=_comment_tree(work_request),
        sla=sla_status(work_request.state, work_request.target_at, utcnow()),
        accept_form=accept_form, assign_form=assign_form, deliver_form=deliver_form,
        return_form=forms.get("return_form") or ReasonForm(prefix="return"),
        cancel_form=forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        comment_form=forms.get("comment_form") or CommentForm(prefix="comment"),
        error=forms.get("error"), is_worker=is_worker,
        can_review=user.role in operations.REVIEWERS, can_comment=user.role in COMMENTERS,
        can_cancel=user.role in operations.REQUESTERS or is_worker, allowed=ALLOWED_EXTENSIONS), status


def _generated_choices() -> list[tuple[int, str]]:
    return [(f.id, f"{f.filename} ({f.purpose.replace('_', ' ').replace('-', ' ')}, {f.created_at:%Y-%m-%d})")
            for f in generated_files()]


@bp.get("/requests/<int:request_id>")
@login_required
def detail(request_id: int):
    with _request_tenant(request_id) as work_request:
        return _detail_page(work_request)


def _run(work_request: WorkRequest, change, success: str, **forms):
    """Apply one transition; a refusal shows the page again with the reason, and nothing is saved."""
    try:
        change()
    except operations.WorkflowError as error:
        db.session.rollback()
        return _detail_page(work_request, 400, error=str(error), **forms)
    flash(success, "success")
    return redirect(url_for("requests.detail", request_id=work_request.id))


def _person(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


@bp.post("/requests/<int:request_id>/accept")
@roles_required("provider_admin")
def accept(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = AcceptForm(prefix="accept")
        assignee = _person(form.assignee_id.data)
        return _run(work_request, lambda: operations.accept(work_request, current_user, assignee),
                    f"Request #{work_request.id} accepted.", accept_form=form)


@bp.post("/requests/<int:request_id>/assign")
@roles_required("provider_admin")
def assign(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = AssignForm(prefix="assign")
        assignee = _person(form.assignee_id.data)
        if assignee is None:
            return _detail_page(work_request, 400, error="Choose a specialist.", assign_form=form)
        return _run(work_request, lambda: operations.assign(work_request, current_user, assignee),
                    f"Request #{work_request.id} assigned to {assignee.name}.", assign_form=form)


@bp.post("/requests/<int:request_id>/start")
@roles_required(*PROVIDER_ROLES)
def start(request_id: int):
    with _request_tenant(request_id) as work_request:
        return _run(work_request, lambda: operations.start(work_request, current_user), "Work started.")


@bp.post("/requests/<int:request_id>/deliver")
@roles_required(*PROVIDER_ROLES)
def deliver(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = DeliverForm(prefix="deliver")
        form.picked_files.choices = _generated_choices()
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Check the delivery form.", deliver_form=form)
        uploads = _uploaded(form.uploads)
        if form.uploads.errors:
            return _detail_page(work_request, 400, error="Check the delivery form.", deliver_form=form)
        picked = db.session.execute(select(StoredFile).where(StoredFile.id.in_(form.picked_files.data or []))).scalars().all()

        def change():
            operations.deliver(work_request, current_user, [*picked, *_store(uploads, "request_delivery")],
                             form.note.data or "")
        return _run(work_request, change, "Delivered: the firm has been told.", deliver_form=form)


@bp.post("/requests/<int:request_id>/return")
@roles_required(*operations.REVIEWERS)
def send_back(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = ReasonForm(prefix="return")
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Say what needs to change.", return_form=form)
        return _run(work_request, lambda: operations.send_back(work_request, current_user, form.text.data),
                    "Sent back to the provider with your comments.", return_form=form)


@bp.post("/requests/<int:request_id>/approve")
@roles_required(*operations.REVIEWERS)
def approve(request_id: int):
    with _request_tenant(request_id) as work_request:
        return _run(work_request, lambda: operations.approve(work_request, current_user), "Delivery approved.")


@bp.post("/requests/<int:request_id>/cancel")
@roles_required(*CANCELLERS)
def cancel(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = ReasonForm(prefix="cancel")
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Give a reason for cancelling.", cancel_form=form)
        return _run(work_request, lambda: operations.cancel(work_request, current_user, form.text.data),
                    "Request cancelled.", cancel_form=form)


@bp.post("/requests/<int:request_id>/comments")
@roles_required(*COMMENTERS)
def comment(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = CommentForm(prefix="comment")
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Write a comment first.", comment_form=form)
        parent_id = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
        return _run(work_request, lambda: operations.add_comment(work_request, current_user, form.body.data, parent_id),
                    "Comment added.", comment_form=form)


@bp.get("/requests/<int:request_id>/files/<int:file_id>")
@login_required
def download(request_id: int, file_id: int):
    with _request_tenant(request_id) as work_request:
        linked = db.session.execute(select(WorkRequestFile.id).where(
            WorkRequestFile.request_id == work_request.id, WorkRequestFile.file_id == file_id)).first()
        if linked is None:
            abort(404)
        return send_stored(get_or_404(StoredFile, file_id))


# --- Service levels ------------------------------------------------------------------------------------

class ServiceLevelForm(FlaskForm):
    pass


for _kind, _label in REQUEST_KINDS.items():
    setattr(ServiceLevelForm, _kind, IntegerField(f"{_label} (hours)", validators=[
        DataRequired(), NumberRange(min=1, max=24 * 90)]))


@bp.route("/requests/service-levels", methods=["GET", "POST"])
@roles_required("provider_admin")
@tenant_required
def service_levels():
    current = turnaround_hours(g.tenant.id)
    form = ServiceLevelForm(data=current)
    if form.validate_on_submit():
        operations.set_turnaround_hours(g.tenant.id, {kind: getattr(form, kind).data for kind in REQUEST_KINDS})
        flash(f"Service levels of {g.tenant.name} saved. Requests already open keep the target they were given.",
              "success")
        return redirect(url_for("requests.service_levels"))
    return render_template("requests/service_levels.html", form=form, kinds=REQUEST_KINDS), 400 if form.errors else 200


@bp.cli.command("notify-at-risk")
def notify_at_risk_command():
    """Notify assignees and provider admins of requests within 24 hours of their target or past it (schedule it)."""
    for slug, flagged in notify_at_risk_in_every_firm().items():
        click.echo(f"{slug}: {flagged} request(s) at risk")

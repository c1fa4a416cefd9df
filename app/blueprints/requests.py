"""Work requests over HTTP: the list and queue, opening a request, its page, each transition, files, service levels."""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..files import FilePurpose, StoredFile, send_stored
from ..models import Tenant, User, utcnow
from ..patents.docketing.models import Matter
from ..patents.search import sessions as search_work
from ..patents.work_requests import operations, thread
from ..patents.work_requests.jobs import notify_at_risk_in_every_firm
from ..patents.work_requests.models import (
    PRIORITIES,
    REQUEST_KINDS,
    WorkRequest,
    WorkRequestComment,
    WorkRequestFile,
    WorkRequestTransition,
)
from ..patents.work_requests.queries import (
    STATE_FILTERS,
    assignable_people,
    request_query,
    sla_status,
    turnaround_hours,
)
from ..permissions import Can, can, requires
from ..single_line import NoControlCharacters
from ..tenancy import get_or_404, tenant_scope
from ..uploads import (
    ALLOWED_EXTENSIONS,
    UploadRejected,
    check_upload,
    limit_text,
    max_file_bytes,
    read_limited,
    store_upload,
)
from ..web import ACTIVE_TENANT_KEY, tenant_required

bp = Blueprint("requests", __name__)

PAGE_SIZE = 50


def _max_file_bytes() -> int:
    return max_file_bytes()


# --- Forms ----------------------------------------------------------------------------------------------

class NewRequestForm(FlaskForm):
    matter_id = SelectField("Matter", coerce=int, validate_choice=True,
                            validators=[DataRequired(message="Choose the matter this work is for.")])
    kind = SelectField("Kind of work", choices=list(REQUEST_KINDS.items()))
    title = StringField("Summary", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    instructions = TextAreaField("Instructions", validators=[DataRequired(), Length(max=20000)])
    requested_due = DateField("Needed by", validators=[DataRequired()])
    priority = SelectField("Priority", coerce=int, default=3, choices=list(PRIORITIES.items()))
    attachments = MultipleFileField("Attachments")
    kept = SelectMultipleField("Attached already", coerce=int, validate_choice=False)

    def validate_matter_id(self, field):
        self.matter = db.session.get(Matter, field.data) if field.data else None
        if self.matter is None:
            raise ValidationError("Choose one of your firm's matters.")


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
        data, size = read_limited(storage, limit)
        try:
            check_upload(data, storage.filename, limit, size=size)
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
    assignee_id = None
    if current_user.is_provider:
        assignee_id = current_user.id if request.args.get("mine") else request.args.get("assignee", type=int)
    query = request_query(
        select(WorkRequest, Matter.reference, Tenant.name)
        .join(Matter, Matter.id == WorkRequest.matter_id).join(Tenant, Tenant.id == WorkRequest.tenant_id)
        .where(WorkRequest.tenant_id.in_(tenant_ids)),
        state=state, kind=request.args.get("kind") if request.args.get("kind") in REQUEST_KINDS else None,
        matter_id=request.args.get("matter", type=int), assignee_id=assignee_id, now=utcnow())
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
                           can_open=can(current_user, Can.OPEN_WORK_REQUEST) and g.tenant is not None)


# --- Opening a request --------------------------------------------------------------------------------

def _matter_by_reference(reference: str) -> Matter | None:
    return db.session.execute(select(Matter).where(Matter.reference == reference.strip())).scalar()


def _kept_attachments(ids: list[int]) -> list[StoredFile]:
    """Files this person uploaded with a form that was sent back for a correction, not yet on any request."""
    if not ids:
        return []
    linked = select(WorkRequestFile.file_id)
    return list(db.session.execute(select(StoredFile).where(
        StoredFile.id.in_(ids), StoredFile.created_by_id == current_user.id,
        StoredFile.purpose == FilePurpose.REQUEST_ATTACHMENT, StoredFile.id.not_in(linked))
        .order_by(StoredFile.id)).scalars())


@bp.route("/requests/new", methods=["GET", "POST"])
@requires(Can.OPEN_WORK_REQUEST)
@tenant_required
def new():
    form = NewRequestForm()
    matters = db.session.execute(select(Matter).order_by(Matter.reference)).scalars().all()
    form.matter_id.choices = [(0, "Choose a matter…")] + [(m.id, f"{m.reference} · {m.title[:90]}") for m in matters]
    if request.method == "GET" and request.args.get("matter"):
        chosen = _matter_by_reference(request.args["matter"])
        form.matter_id.data = chosen.id if chosen else 0
    if request.method == "POST" and not request.form.get("matter_id") and request.form.get("matter_reference"):
        chosen = _matter_by_reference(request.form["matter_reference"])  # scripts may still name the reference
        form.matter_id.data = chosen.id if chosen else 0
    valid = form.validate_on_submit()
    kept = _kept_attachments(form.kept.data or []) if request.method == "POST" else []
    if request.method == "POST":
        # Files are checked and kept even when another field needs correcting, so nobody chooses them twice.
        kept += _store(_uploaded(form.attachments), FilePurpose.REQUEST_ATTACHMENT)
    if valid and not form.attachments.errors:
        work_request = operations.submit(form.matter, form.kind.data, form.title.data.strip(),
                                         form.instructions.data, form.requested_due.data, form.priority.data,
                                         current_user, kept)
        flash(f"Request #{work_request.id} sent to the provider.", "success")
        return redirect(url_for("requests.detail", request_id=work_request.id))
    if kept:
        db.session.commit()  # the files stay for the corrected form, although this answer is an error
    return render_template("requests/new.html", form=form, allowed=ALLOWED_EXTENSIONS, kept=kept,
                           limit=limit_text()), 400 if form.errors else 200


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error):
    db.session.rollback()
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("requests/too_large.html", limit_total=limit_text(limit), limit=limit_text()), 413


# --- A request's page ----------------------------------------------------------------------------------

def _comment_tree(work_request: WorkRequest):
    rows = db.session.execute(select(WorkRequestComment, User.name)
                              .outerjoin(User, User.id == WorkRequestComment.author_id)
                              .where(WorkRequestComment.request_id == work_request.id)
                              .order_by(WorkRequestComment.at, WorkRequestComment.id)).all()
    children: dict[int | None, list] = {}
    for comment, author in rows:
        children.setdefault(comment.parent_id, []).append((comment, author))
    return children


def _detail_page(work_request: WorkRequest, status: int = 200, **forms):
    files = db.session.execute(select(WorkRequestFile, StoredFile)
                               .join(StoredFile, StoredFile.id == WorkRequestFile.file_id)
                               .where(WorkRequestFile.request_id == work_request.id)
                               .order_by(WorkRequestFile.delivery_round, WorkRequestFile.id)).all()
    history = db.session.execute(select(WorkRequestTransition, User.name)
                                 .outerjoin(User, User.id == WorkRequestTransition.by_id)
                                 .where(WorkRequestTransition.request_id == work_request.id)
                                 .order_by(WorkRequestTransition.at, WorkRequestTransition.id)).all()
    people = [(p.id, p.name) for p in assignable_people(work_request.tenant_id)] \
        if can(current_user, Can.MANAGE_WORK_REQUESTS) else []
    accept_form = forms.get("accept_form") or AcceptForm(prefix="accept")
    accept_form.assignee_id.choices = [(0, "— assign later —")] + people
    assign_form = forms.get("assign_form") or AssignForm(prefix="assign", assignee_id=work_request.assignee_id or 0)
    assign_form.assignee_id.choices = people
    deliver_form = forms.get("deliver_form") or DeliverForm(prefix="deliver")
    deliver_form.picked_files.choices = _generated_choices(work_request)
    user = current_user
    is_worker = operations.is_worker(work_request, user)
    delivery = thread.latest_delivery_note(work_request) if work_request.delivery_round else None
    return render_template(
        "requests/detail.html", wr=work_request, files=files, history=history, comments=_comment_tree(work_request),
        search_sessions=[s for s in thread.sessions_of(work_request) if search_work.readable(s, user)],
        checklists=thread.checklists_of(work_request),
        delivery=delivery, delivered_files=[f for link, f in files if link.role == "delivery"
                                            and link.delivery_round == work_request.delivery_round],
        in_request_tenant=g.tenant is not None and g.tenant.id == work_request.tenant_id,
        sla=sla_status(work_request.state, work_request.target_at, utcnow()),
        accept_form=accept_form, assign_form=assign_form, deliver_form=deliver_form,
        return_form=forms.get("return_form") or ReasonForm(prefix="return"),
        cancel_form=forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        comment_form=forms.get("comment_form") or CommentForm(prefix="comment"),
        error=forms.get("error"), is_worker=is_worker,
        can_review=can(user, Can.REVIEW_DELIVERY), can_comment=can(user, Can.COMMENT_ON_WORK_REQUEST),
        can_cancel=operations.may_cancel(work_request, user), allowed=ALLOWED_EXTENSIONS), status


def _generated_choices(work_request: WorkRequest) -> list[tuple[int, str]]:
    """Only the work product of this request's own search sessions and checklists."""
    return [(f.id, f"{f.filename} ({f.purpose.replace('_', ' ').replace('-', ' ')}, {f.created_at:%Y-%m-%d})")
            for f in thread.deliverable_files(work_request)]


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
@requires(Can.MANAGE_WORK_REQUESTS)
def accept(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = AcceptForm(prefix="accept")
        assignee = _person(form.assignee_id.data)
        return _run(work_request, lambda: operations.accept(work_request, current_user, assignee),
                    f"Request #{work_request.id} accepted.", accept_form=form)


@bp.post("/requests/<int:request_id>/assign")
@requires(Can.MANAGE_WORK_REQUESTS)
def assign(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = AssignForm(prefix="assign")
        assignee = _person(form.assignee_id.data)
        if assignee is None:
            return _detail_page(work_request, 400, error="Choose a specialist.", assign_form=form)
        return _run(work_request, lambda: operations.assign(work_request, current_user, assignee),
                    f"Request #{work_request.id} assigned to {assignee.name}.", assign_form=form)


@bp.post("/requests/<int:request_id>/start")
@requires(Can.DELIVER_WORK)
def start(request_id: int):
    with _request_tenant(request_id) as work_request:
        return _run(work_request, lambda: operations.start(work_request, current_user), "Work started.")


@bp.post("/requests/<int:request_id>/deliver")
@requires(Can.DELIVER_WORK)
def deliver(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = DeliverForm(prefix="deliver")
        form.picked_files.choices = _generated_choices(work_request)
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Check the delivery form.", deliver_form=form)
        uploads = _uploaded(form.uploads)
        if form.uploads.errors:
            return _detail_page(work_request, 400, error="Check the delivery form.", deliver_form=form)
        offered = {f.id for f in thread.deliverable_files(work_request)}
        picked = db.session.execute(select(StoredFile).where(
            StoredFile.id.in_([i for i in form.picked_files.data or [] if i in offered]))).scalars().all()

        def change():
            operations.deliver(work_request, current_user, [*picked, *_store(uploads, FilePurpose.REQUEST_DELIVERY)],
                             form.note.data or "")
        return _run(work_request, change, "Delivered: the firm has been told.", deliver_form=form)


def _work_in(work_request: WorkRequest) -> None:
    """Provider staff continue in the request's firm: the session or checklist pages work inside one firm."""
    if current_user.is_provider and session.get(ACTIVE_TENANT_KEY) != work_request.tenant_id:
        session[ACTIVE_TENANT_KEY] = work_request.tenant_id
        flash(f"You are now working in {db.session.get(Tenant, work_request.tenant_id).name}.", "info")


@bp.post("/requests/<int:request_id>/search")
@requires(Can.DELIVER_WORK)
def start_search(request_id: int):
    with _request_tenant(request_id) as work_request:
        try:
            found = thread.start_search(work_request, current_user)
        except operations.WorkflowError as error:
            db.session.rollback()
            return _detail_page(work_request, 400, error=str(error))
        _work_in(work_request)
        flash("Search session started for this request; the date cut-off is the matter's earliest priority date. "
              "Delivering its report delivers the request.", "success")
        return redirect(url_for("search.session_detail", session_id=found.id))


@bp.post("/requests/<int:request_id>/checklist")
@requires(Can.DELIVER_WORK)
def start_checklist(request_id: int):
    with _request_tenant(request_id) as work_request:
        try:
            found = thread.start_checklist(work_request, current_user)
        except operations.WorkflowError as error:
            db.session.rollback()
            return _detail_page(work_request, 400, error=str(error))
        _work_in(work_request)
        flash("Checklist started for this request.", "success")
        return redirect(url_for("checklists.detail", checklist_id=found.id))


@bp.post("/requests/<int:request_id>/docket")
@requires(Can.DELIVER_WORK)
def docket(request_id: int):
    """Docketing work happens on the matter: go there, in the request's firm."""
    with _request_tenant(request_id) as work_request:
        if not operations.is_worker(work_request, current_user):
            return _detail_page(work_request, 400, error="Only the assigned specialist or the provider's admin "
                                                           "works on this request.")
        if work_request.state == "accepted":
            operations.start(work_request, current_user)
        _work_in(work_request)
        return redirect(url_for("matters.detail", matter_id=work_request.matter_id, _anchor="record"))


@bp.post("/requests/<int:request_id>/return")
@requires(Can.REVIEW_DELIVERY)
def send_back(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = ReasonForm(prefix="return")
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Say what needs to change.", return_form=form)
        return _run(work_request, lambda: operations.send_back(work_request, current_user, form.text.data),
                    "Sent back to the provider with your comments.", return_form=form)


@bp.post("/requests/<int:request_id>/approve")
@requires(Can.REVIEW_DELIVERY)
def approve(request_id: int):
    with _request_tenant(request_id) as work_request:
        return _run(work_request, lambda: operations.approve(work_request, current_user), "Delivery approved.")


@bp.post("/requests/<int:request_id>/cancel")
@requires(Can.CANCEL_WORK_REQUEST)
def cancel(request_id: int):
    with _request_tenant(request_id) as work_request:
        form = ReasonForm(prefix="cancel")
        if not form.validate_on_submit():
            return _detail_page(work_request, 400, error="Give a reason for cancelling.", cancel_form=form)
        return _run(work_request, lambda: operations.cancel(work_request, current_user, form.text.data),
                    "Request cancelled.", cancel_form=form)


@bp.post("/requests/<int:request_id>/comments")
@requires(Can.COMMENT_ON_WORK_REQUEST)
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
@requires(Can.MANAGE_WORK_REQUESTS)
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

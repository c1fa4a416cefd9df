"""Drafting checklists: list, start from a matter, work the items, check a draft, sign off, PDF; template admin."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FieldList, Form, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..jobs import JobKind, start_tracked_job
from ..patents.checklists import operations
from ..patents.checklists.models import (
    CHECKLIST_STATUSES,
    ENTITIES,
    ITEM_STATES,
    Checklist,
    ChecklistItem,
    ChecklistTemplate,
)
from ..patents.docketing.models import APPLICATION_TYPES, JURISDICTIONS, Matter
from ..patents.drafts import DraftInputError, read_text
from ..permissions import Can, can, requires
from ..tenancy import get_or_404
from ..uploads import limit_text, max_file_bytes, read_limited, size_refusal
from ..web import tenant_required

bp = Blueprint("checklists", __name__, url_prefix="/checklists")

DOCX_MAGIC = b"PK\x03\x04"
NEW_ITEM_ROWS = 3


# --- Forms ---------------------------------------------------------------------------------------------

class StartForm(FlaskForm):
    matter_id = SelectField("Matter", coerce=int, validators=[DataRequired(message="Choose the matter.")])
    template_id = SelectField("Checklist template", coerce=int)
    entity = SelectField("Entity status for fees", choices=list(ENTITIES.items()), default="large")


class ItemStateForm(FlaskForm):
    state = SelectField("State", choices=list(ITEM_STATES.items()))
    note = TextAreaField("Note", validators=[Optional(), Length(max=4000)])
    reason = TextAreaField("Reason it does not apply", validators=[Optional(), Length(max=2000)])


class DraftForm(FlaskForm):
    title = StringField("Title", validators=[Optional(), Length(max=5000)])
    claims = TextAreaField("Claims", render_kw={"rows": 10})
    claims_file = FileField("…or upload the claims (.txt or .docx)")
    abstract = TextAreaField("Abstract", render_kw={"rows": 4})
    abstract_file = FileField("…or upload the abstract")
    description = TextAreaField("Description (optional, for reference numerals)", render_kw={"rows": 4})
    description_file = FileField("…or upload the description")
    entity = SelectField("Entity status for the fee estimate", choices=list(ENTITIES.items()), default="large")


class PrepareForm(FlaskForm):
    note = TextAreaField("Note for the attorney (optional)", validators=[Optional(), Length(max=2000)])


class SignOffForm(FlaskForm):
    comments = TextAreaField("Comments", validators=[Optional(), Length(max=4000)])


class OverrideForm(FlaskForm):
    reason = TextAreaField("Why this error may stand", validators=[Optional(), Length(max=4000)])


class TemplateItemForm(Form):
    key = StringField("Key", validators=[Optional(), Length(max=40)])
    section = StringField("Section", validators=[Optional(), Length(max=80)])
    text = TextAreaField("What must be true", validators=[Optional(), Length(max=2000)])
    source = StringField("Source", validators=[Optional(), Length(max=200)])


class TemplateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    application_types = SelectMultipleField("Default for application types", choices=list(APPLICATION_TYPES.items()))
    jurisdictions = SelectMultipleField("Jurisdictions", choices=list(JURISDICTIONS.items()))
    change_note = TextAreaField("Change note", validators=[
        DataRequired(message="Say what changed and why; the note is kept with the version."), Length(max=2000)])
    items = FieldList(FormField(TemplateItemForm), min_entries=1)


class NewTemplateForm(TemplateForm):
    key = StringField("Key", validators=[DataRequired(), Length(max=40)])
    change_note = TextAreaField("Change note", validators=[Optional(), Length(max=2000)])


# --- Helpers ------------------------------------------------------------------------------------------

def _can_edit() -> bool:
    return can(current_user, Can.EDIT_CHECKLIST)


def _checklist_page(checklist: Checklist, status: int = 200, draft_form: DraftForm | None = None,
                    failed_item: tuple[int, ItemStateForm] | None = None,
                    sign_form: SignOffForm | None = None,
                    failed_override: tuple[str, OverrideForm] | None = None):
    grouped, unmatched = operations.findings_by_item(checklist)
    sections: dict[str, list[ChecklistItem]] = {}
    for item in checklist.items:
        sections.setdefault(item.section, []).append(item)
    if draft_form is None:
        draft_form = DraftForm(formdata=None, title=checklist.draft_title, claims=checklist.draft_claims,
                               abstract=checklist.draft_abstract, description=checklist.draft_description,
                               entity=checklist.entity)
    matter_url = (url_for("matters.detail", matter_id=checklist.matter_id)
                  if "matters.detail" in current_app.view_functions else None)
    return render_template(
        "checklists/detail.html", checklist=checklist, sections=sections, findings=grouped, unmatched=unmatched,
        draft_form=draft_form, failed_item=failed_item, prepare_form=PrepareForm(formdata=None),
        sign_form=sign_form or SignOffForm(formdata=None), can_edit=_can_edit() and checklist.is_editable,
        prepare_refusal=operations.why_cannot_prepare(checklist, current_user),
        review_refusal=operations.why_cannot_review(checklist, current_user),
        sign_refusal=operations.why_cannot_sign(checklist, current_user), item_states=ITEM_STATES,
        severity_badges=operations.SEVERITY_BADGES, matter_url=matter_url,
        fingerprint=operations.finding_fingerprint, overrides=operations.overrides_by_fingerprint(checklist),
        unresolved_errors=operations.unresolved_errors(checklist),
        can_override=operations.why_cannot_override(checklist, current_user) is None,
        failed_override=failed_override,
    ), status


def _refuse(error: Exception, checklist: Checklist):
    flash(str(error), "error")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id))


def _read_upload(field) -> str | None:
    """The text of an uploaded .txt/.docx draft file, or None when nothing was uploaded."""
    upload = field.data
    if not upload or not upload.filename:
        return None
    limit = max_file_bytes()
    data, size = read_limited(upload, limit)
    name = upload.filename
    if size > limit:
        raise DraftInputError(f"{size_refusal(repr(name), size, limit)} Upload the claims, abstract or "
                              f"description on their own.")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ("txt", "docx"):
        raise DraftInputError(f"'{name}' is not a .txt or .docx file. Save it as one of those, or paste the text.")
    if extension == "docx" and not data.startswith(DOCX_MAGIC):
        raise DraftInputError(f"'{name}' is named .docx but is not a Word document. Save it again from Word.")
    return read_text(name, data)


# --- Checklists ---------------------------------------------------------------------------------------

@bp.route("/")
@login_required
@tenant_required
def index():
    status = request.args.get("status", "")
    query = select(Checklist).order_by(Checklist.updated_at.desc())
    if status in CHECKLIST_STATUSES:
        query = query.where(Checklist.status == status)
    checklists = db.session.execute(query).scalars().all()
    has_matters = db.session.execute(select(func.count(Matter.id))).scalar() > 0
    return render_template("checklists/index.html", checklists=checklists, status=status,
                           statuses=CHECKLIST_STATUSES, has_matters=has_matters, can_edit=_can_edit())


@bp.route("/new", methods=["GET", "POST"])
@login_required
@tenant_required
@requires(Can.EDIT_CHECKLIST)
def start():
    form = StartForm()
    matters = db.session.execute(select(Matter).order_by(Matter.reference)).scalars().all()
    templates = operations.all_templates()
    form.matter_id.choices = [(m.id, f"{m.reference} · {m.title[:80]}") for m in matters]
    form.template_id.choices = [(0, "The default for the matter's application type")] + [
        (t.id, f"{t.name} (version {t.latest.version})") for t in templates]
    if request.method == "GET" and request.args.get("matter_id", type=int):
        form.matter_id.data = get_or_404(Matter, request.args.get("matter_id", type=int)).id
    if form.validate_on_submit():
        matter = get_or_404(Matter, form.matter_id.data)
        template = (get_or_404(ChecklistTemplate, form.template_id.data) if form.template_id.data
                    else operations.default_template_for(matter))
        if template is None:
            form.template_id.errors.append(
                f"No template is the default for {APPLICATION_TYPES.get(matter.application_type, 'this')} "
                f"applications; choose one.")
        else:
            checklist = operations.start_checklist(matter, template, current_user, form.entity.data)
            flash(f"Started the {template.name} checklist for {matter.reference}.", "success")
            return redirect(url_for("checklists.detail", checklist_id=checklist.id))
    return render_template("checklists/start.html", form=form, has_matters=bool(matters)), \
        400 if form.errors else 200


@bp.route("/<int:checklist_id>")
@login_required
@tenant_required
def detail(checklist_id: int):
    return _checklist_page(get_or_404(Checklist, checklist_id))


@bp.route("/<int:checklist_id>/items/<int:item_id>", methods=["POST"])
@login_required
@tenant_required
def set_item(checklist_id: int, item_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    item = get_or_404(ChecklistItem, item_id)
    if item.checklist_id != checklist.id:
        abort(404)
    form = ItemStateForm()
    if form.validate_on_submit():
        try:
            operations.set_item_state(checklist, item, current_user, form.state.data, form.note.data or "",
                                      form.reason.data or "")
        except operations.ChecklistRuleError as refused:
            form.state.errors = [str(refused)]
        else:
            flash(f"Saved: {item.text[:80]}", "success")
            return redirect(url_for("checklists.detail", checklist_id=checklist.id, _anchor=f"item-{item.id}"))
    return _checklist_page(checklist, 400, failed_item=(item.id, form))


@bp.route("/<int:checklist_id>/draft", methods=["POST"])
@login_required
@tenant_required
def check_draft(checklist_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    if not (_can_edit() and checklist.is_editable):
        return _refuse(operations.ChecklistRuleError(
            "Drafts can be checked while the checklist is in progress or returned, by anyone but a viewer."),
            checklist)
    form = DraftForm()
    if not form.validate_on_submit():
        return _checklist_page(checklist, 400, draft_form=form)
    draft = {"title": (form.title.data or "").strip(), "entity": form.entity.data}
    try:
        for name in ("claims", "abstract", "description"):
            uploaded = _read_upload(getattr(form, f"{name}_file"))
            draft[name] = uploaded if uploaded is not None else (getattr(form, name).data or "")
        operations.validate_draft(draft["claims"], draft["entity"])
    except DraftInputError as unreadable:
        form.claims.errors = [str(unreadable)]
        return _checklist_page(checklist, 400, draft_form=form)
    operations.attach_draft(checklist, draft)
    job = start_tracked_job("reports", JobKind.DRAFT_CHECK, f"Draft check for {checklist.matter.reference}",
                            operations.run_draft_checks, checklist.id, current_user.id,
                            created_by_id=current_user.id)
    checklist.check_job_id = job.id
    flash("Draft checks finished: the findings are shown next to their items." if job.status == "finished"
          else "Draft checks are running; this page shows the findings when they finish.",
          "success" if job.status == "finished" else "info")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id, _anchor="findings"))


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error):
    total = limit_text(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    flash(f"The upload was larger than {total} altogether and was not read. Upload one file at a time, "
          f"each at most {limit_text()}.", "error")
    checklist_id = (request.view_args or {}).get("checklist_id")
    return redirect(url_for("checklists.detail", checklist_id=checklist_id) if checklist_id
                    else url_for("checklists.index"))


@bp.route("/<int:checklist_id>/prepare", methods=["POST"])
@login_required
@tenant_required
def prepare(checklist_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    form = PrepareForm()
    if form.validate_on_submit():
        try:
            operations.mark_prepared(checklist, current_user, form.note.data or "")
        except operations.ChecklistRuleError as refused:
            return _refuse(refused, checklist)
        flash("Marked prepared. A firm attorney or firm admin can now sign it off.", "success")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id))


@bp.route("/<int:checklist_id>/sign-off", methods=["POST"])
@login_required
@tenant_required
def sign_off(checklist_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            operations.sign_off(checklist, current_user, form.comments.data or "")
        except operations.ChecklistRuleError as refused:
            return _refuse(refused, checklist)
        flash("Signed off. Make the PDF for the file below.", "success")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id))


@bp.route("/<int:checklist_id>/return", methods=["POST"])
@login_required
@tenant_required
def return_checklist(checklist_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            operations.return_with_comments(checklist, current_user, form.comments.data or "")
        except operations.ChecklistRuleError as refused:
            if operations.why_cannot_review(checklist, current_user):
                return _refuse(refused, checklist)
            form.comments.errors = [str(refused)]
            return _checklist_page(checklist, 400, sign_form=form)
        flash("Returned to the preparer with your comments.", "success")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id))


@bp.route("/<int:checklist_id>/findings/<fingerprint>/override", methods=["POST"])
@login_required
@tenant_required
def override_finding(checklist_id: int, fingerprint: str):
    checklist = get_or_404(Checklist, checklist_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            operations.override_finding(checklist, current_user, fingerprint, form.reason.data or "")
        except operations.OverrideReasonError as refused:
            form.reason.errors = [str(refused)]
            return _checklist_page(checklist, 400, failed_override=(fingerprint, form))
        except operations.ChecklistRuleError as refused:
            return _refuse(refused, checklist)
        remaining = len(operations.unresolved_errors(checklist))
        flash("Override recorded with your reason." + (f" {remaining} error(s) are still unresolved."
                                                        if remaining else " No error stands in the way of sign-off."),
              "success")
    return redirect(url_for("checklists.detail", checklist_id=checklist.id, _anchor=f"finding-{fingerprint}"))


@bp.route("/<int:checklist_id>/pdf", methods=["POST"])
@login_required
@tenant_required
@requires(Can.EDIT_CHECKLIST)  # viewers read the PDFs others made; they start no jobs
def make_pdf(checklist_id: int):
    checklist = get_or_404(Checklist, checklist_id)
    job = start_tracked_job("reports", JobKind.CHECKLIST_PDF, f"Checklist PDF for {checklist.matter.reference}",
                            operations.render_checklist_pdf, checklist.id, current_user.id,
                            created_by_id=current_user.id)
    checklist.pdf_job_id = job.id
    return redirect(url_for("jobs.job_page", job_id=job.id))


# --- Template administration (provider admin) ----------------------------------------------------------

def _item_rows(form: TemplateForm) -> list[dict]:
    return [row.data for row in form.items if any((row.data.get(k) or "").strip() for k in ("key", "text", "source"))]


def _add_blank_rows(form: TemplateForm) -> None:
    for _ in range(NEW_ITEM_ROWS):
        form.items.append_entry()


@bp.route("/templates")
@login_required
@requires(Can.MANAGE_CHECKLIST_TEMPLATES)
def templates():
    return render_template("checklists/templates.html", templates=operations.all_templates(),
                           application_types=APPLICATION_TYPES)


@bp.route("/templates/new", methods=["GET", "POST"])
@login_required
@requires(Can.MANAGE_CHECKLIST_TEMPLATES)
def new_template():
    form, items_error = NewTemplateForm(), None
    if request.method == "GET":
        _add_blank_rows(form)
    if form.validate_on_submit():
        try:
            template = operations.create_template(form.key.data.strip(), form.name.data, form.description.data or "",
                                                  form.application_types.data, form.jurisdictions.data,
                                                  _item_rows(form), current_user,
                                                  change_note=form.change_note.data or "First version.")
        except operations.ChecklistRuleError as refused:
            items_error = str(refused)
        else:
            flash(f"Added the {template.name} template (version 1).", "success")
            return redirect(url_for("checklists.edit_template", template_id=template.id))
    return render_template("checklists/template_form.html", form=form, template=None, items_error=items_error), \
        400 if form.errors or items_error else 200


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
@requires(Can.MANAGE_CHECKLIST_TEMPLATES)
def edit_template(template_id: int):
    template, items_error = get_or_404(ChecklistTemplate, template_id), None
    if request.method == "GET":
        form = TemplateForm(data={"name": template.name, "description": template.description,
                                  "application_types": template.application_types,
                                  "jurisdictions": template.jurisdictions, "items": template.latest.items})
        _add_blank_rows(form)
    else:
        form = TemplateForm()
    if form.validate_on_submit():
        try:
            version = operations.revise_template(template, _item_rows(form), current_user, form.change_note.data or "",
                                                 name=form.name.data, description=form.description.data or "",
                                                 application_types=form.application_types.data)
            template.jurisdictions = form.jurisdictions.data
        except operations.ChecklistRuleError as refused:
            items_error = str(refused)
        else:
            flash(f"Saved {template.name} as version {version.version}. Checklists already started keep "
                  f"the version they started from.", "success")
            return redirect(url_for("checklists.edit_template", template_id=template.id))
    return render_template("checklists/template_form.html", form=form, template=template, items_error=items_error), \
        400 if form.errors or items_error else 200

"""Matters: the list, the matter page with its events and deadlines, and the docketing actions on it."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..accounts import members_query
from ..extensions import db
from ..models import PROVIDER_ROLES
from ..patents.deadlines import RuleError, preview
from ..patents.docketing import operations
from ..patents.docketing.labels import event_label, kind_label, parameter_label
from ..patents.docketing.models import (
    APPLICATION_TYPES,
    JURISDICTIONS,
    MATTER_STATUSES,
    Deadline,
    DeadlineChange,
    Event,
    Matter,
    OfficeDataImport,
    PriorityClaim,
)
from ..patents.docketing.queries import later_in_series, matters_query, tenant_today
from ..permissions import Can, can, requires
from ..single_line import NoControlCharacters
from ..tenancy import get_or_404
from ..urls import safe_local_path
from ..web import tenant_required
from ..web.fields import DayField, day_required

bp = Blueprint("matters", __name__)

PAGE_SIZE = 50
MATTER_SORTS = {"reference": Matter.reference, "title": Matter.title, "filed": Matter.filing_date,
                "status": Matter.status, "jurisdiction": Matter.jurisdiction}


def _people_choices(roles) -> list[tuple[int, str]]:
    """People who can be responsible for a matter of the current tenant."""
    people = db.session.execute(members_query(g.tenant.id, roles)).scalars()
    return [(0, "— nobody yet —")] + [(u.id, u.name) for u in people]


class MatterForm(FlaskForm):
    reference = StringField("Firm docket reference", validators=[DataRequired(), Length(max=60),
                                                                 NoControlCharacters()])
    client_reference = StringField("Client reference", validators=[Optional(), Length(max=120),
                                                                   NoControlCharacters()])
    title = TextAreaField("Title", validators=[DataRequired(), Length(max=2000)])
    jurisdiction = SelectField("Jurisdiction", choices=list(JURISDICTIONS.items()))
    application_type = SelectField("Application type", choices=list(APPLICATION_TYPES.items()))
    application_number = StringField("Application number", validators=[Optional(), Length(max=40)])
    filing_date = DayField("Filing date", validators=[Optional()])
    publication_number = StringField("Publication number", validators=[Optional(), Length(max=40)])
    publication_date = DayField("Publication date", validators=[Optional()])
    grant_number = StringField("Patent number", validators=[Optional(), Length(max=40)])
    grant_date = DayField("Grant date", validators=[Optional()])
    status = SelectField("Status", choices=list(MATTER_STATUSES.items()))
    parent_id = SelectField("Parent matter (family)", coerce=int)
    family_relation = SelectField("Relation to parent", default="", choices=[
        ("", "—"), ("continuation", "Continuation"), ("cip", "Continuation-in-part"), ("divisional", "Divisional"),
        ("national_phase", "National / regional phase of"), ("priority", "Claims priority from")])
    responsible_attorney_id = SelectField("Responsible attorney", coerce=int)
    specialist_id = SelectField("Provider specialist", coerce=int)


def _matter_form(matter: Matter | None = None) -> MatterForm:
    form = MatterForm(obj=matter)
    others = db.session.execute(select(Matter.id, Matter.reference).where(
        Matter.id != (matter.id if matter else -1)).order_by(Matter.reference)).all()
    form.parent_id.choices = [(0, "— none —")] + [(i, r) for i, r in others]
    form.responsible_attorney_id.choices = _people_choices(("attorney", "firm_admin"))
    form.specialist_id.choices = _people_choices(PROVIDER_ROLES)
    if request.method == "GET" and matter is not None:
        for name in ("parent_id", "responsible_attorney_id", "specialist_id"):
            getattr(form, name).data = getattr(matter, name) or 0
    return form


def _matter_values(form: MatterForm) -> dict:
    values = {field.name: field.data for field in form if field.name != "csrf_token"}
    for name in ("parent_id", "responsible_attorney_id", "specialist_id", "family_relation"):
        values[name] = values[name] or None
    return values


def _save_matter(form: MatterForm, matter: Matter | None) -> Matter | None:
    """Create or change the matter through the docketing operations; their refusals go onto the form's fields."""
    try:
        if matter is None:
            return operations.create_matter(_matter_values(form), g.tenant.id, current_user.id)
        return operations.update_matter(matter, _matter_values(form), g.tenant.id, current_user.id)
    except operations.MatterInputError as refused:
        for name, messages in refused.errors.items():
            getattr(form, name).errors.extend(messages)
        return None


@bp.app_context_processor
def _docketing_words():
    return {"kind_label": kind_label, "parameter_label": parameter_label, "event_label": event_label}


def _docketed_from_data(matter: Matter) -> str:
    """What the matter's own dates docketed, in words, for the flash after saving it."""
    implied = operations.implied_events(matter)
    if not implied:
        return "Record its first event (or enter its filing date) to docket its deadlines."
    open_count = db.session.execute(select(func.count(Deadline.id)).where(
        Deadline.matter_id == matter.id, Deadline.status.in_(("open", "extended")))).scalar()
    events = ", ".join(f"{event_label(matter.jurisdiction, e.code)} ({e.event_date})"
                       for e in implied)
    return f"Docketed from its data: {events}. {open_count} open deadline(s); each shows how it was computed."


@bp.route("/matters")
@login_required
@tenant_required
def index():
    query = matters_query(request.args.get("q", ""), request.args.get("jurisdiction"), request.args.get("status"))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    sort = request.args.get("sort", "reference")
    column = MATTER_SORTS.get(sort.lstrip("-"), Matter.reference)
    page = max(request.args.get("page", 1, type=int), 1)
    matters = db.session.execute(query.order_by(column.desc() if sort.startswith("-") else column, Matter.id)
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    open_counts = dict(db.session.execute(
        select(Deadline.matter_id, func.count(Deadline.id))
        .where(Deadline.matter_id.in_([m.id for m in matters]), Deadline.status.in_(("open", "extended")))
        .group_by(Deadline.matter_id)).all()) if matters else {}
    return render_template("matters/index.html", matters=matters, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), open_counts=open_counts,
                           args=request.args, sort=sort)


@bp.route("/matters/new", methods=["GET", "POST"])
@requires(Can.DOCKET)
@tenant_required
def new():
    form = _matter_form()
    if form.validate_on_submit() and (matter := _save_matter(form, None)) is not None:
        flash(f"Matter {matter.reference} created. {_docketed_from_data(matter)}", "success")
        return redirect(url_for("matters.detail", matter_id=matter.id))
    return render_template("matters/form.html", form=form, matter=None), 400 if form.errors else 200


@bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
@requires(Can.DOCKET)
@tenant_required
def edit(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    form = _matter_form(matter)
    if form.validate_on_submit() and _save_matter(form, matter) is not None:
        flash(f"Matter saved. {_docketed_from_data(matter)}", "success")
        return redirect(url_for("matters.detail", matter_id=matter.id))
    return render_template("matters/form.html", form=form, matter=matter), 400 if form.errors else 200


class EventForm(FlaskForm):
    code = SelectField("Event", validators=[DataRequired()])
    event_date = DayField("Date", validators=[day_required()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class ManualDeadlineForm(FlaskForm):
    label = StringField("What is due", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    due = DayField("Due date", validators=[day_required()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


def _event_form(matter: Matter, **kwargs) -> EventForm:
    form = EventForm(**kwargs)
    form.code.choices = [("", "Choose an event…")] + [
        (code, event_label(matter.jurisdiction, code))
        for code, _ in operations.event_choices(matter.jurisdiction, matter.application_type)]
    return form


def _all_parameters(jurisdiction: str, application_type: str) -> list[dict]:
    """Every parameter any event offered for this kind of matter takes, with the events that use it."""
    merged: dict[str, dict] = {}
    for code, _ in operations.event_choices(jurisdiction, application_type):
        for parameter in operations.event_parameters(jurisdiction, code):
            entry = merged.setdefault(parameter["name"], {**parameter, "events": []})
            entry["events"].append(code)
    return list(merged.values())


def _submitted_params(matter: Matter, code: str) -> dict:
    accepted = {p["name"] for p in operations.event_parameters(matter.jurisdiction, code)}
    return {name: request.form[f"param_{name}"].strip() for name in accepted
            if request.form.get(f"param_{name}", "").strip()}


def _matter_page(matter: Matter, event_form=None, manual_form=None, preview=None, preview_error=None,
                 date_doubts=(), status=200):
    events = db.session.execute(select(Event).where(Event.matter_id == matter.id)
                                .order_by(Event.event_date.desc(), Event.id.desc())).scalars().all()
    deadlines = db.session.execute(select(Deadline).where(Deadline.matter_id == matter.id)
                                   .order_by(Deadline.current_due)).scalars().all()
    children = db.session.execute(select(Matter).where(Matter.parent_id == matter.id)).scalars().all()
    later = set(db.session.execute(select(Deadline.id).where(
        Deadline.matter_id == matter.id, later_in_series(Deadline))).scalars())
    return render_template(
        "matters/detail.html", matter=matter, events=events, children=children, today=tenant_today(g.tenant),
        open_deadlines=[d for d in deadlines if d.is_open and d.id not in later],
        future_annuities=[d for d in deadlines if d.is_open and d.id in later],
        closed_deadlines=[d for d in deadlines if not d.is_open],
        event_form=event_form or _event_form(matter), manual_form=manual_form or ManualDeadlineForm(prefix="manual"),
        parameters=_all_parameters(matter.jurisdiction, matter.application_type), preview=preview,
        preview_error=preview_error,
        date_doubts=date_doubts, office_data_waiting=db.session.execute(select(OfficeDataImport).where(
            OfficeDataImport.matter_id == matter.id, OfficeDataImport.status == "proposed")).scalars().all(),
        can_docket=can(current_user, Can.DOCKET)), status


@bp.route("/matters/<int:matter_id>")
@login_required
@tenant_required
def detail(matter_id: int):
    return _matter_page(get_or_404(Matter, matter_id))


@bp.route("/matters/<int:matter_id>/events", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def record_event(matter_id: int):
    """Record an event, or with the Preview button show what it would docket ("what if")."""
    matter = get_or_404(Matter, matter_id)
    form = _event_form(matter)
    if not form.validate_on_submit():
        return _matter_page(matter, event_form=form, status=400)
    params = _submitted_params(matter, form.code.data)
    if "preview" in request.form:
        from ..patents.docketing.closures import sync
        sync()   # closures a provider admin declared, from any process
        try:
            role = operations.check_event(matter, form.code.data, params)
            result = preview(matter.jurisdiction, form.code.data, form.event_date.data.isoformat(), params) \
                if role.triggering else None
        except (RuleError, operations.DocketError) as error:
            return _matter_page(matter, event_form=form, preview_error=str(error), status=400)
        return _matter_page(matter, event_form=form, preview=result or {"deadlines": [], "closing_only": True})
    doubts = operations.date_doubts(matter, form.event_date.data, tenant_today(g.tenant))
    if doubts and not request.form.get("confirmed"):
        return _matter_page(matter, event_form=form, date_doubts=doubts, status=400)
    try:
        event = operations.record_event(matter, form.code.data, form.event_date.data, params, current_user.id,
                                       form.note.data or None)
    except operations.DocketError as error:
        db.session.rollback()
        return _matter_page(matter, event_form=form, preview_error=str(error), status=400)
    flash(f"Recorded {event.label} of {event.event_date}. The deadlines below are up to date.", "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(Can.DOCKET)
@tenant_required
def edit_event(event_id: int):
    event = get_or_404(Event, event_id)
    if event.deleted_at is not None:
        abort(404)
    form = _event_form(event.matter, obj=event)
    form.code.choices = [(event.code, event.label)]  # the kind of event stays; date and parameters change
    error = None
    if form.validate_on_submit():
        try:
            operations.update_event(event, form.event_date.data, _submitted_params(event.matter, event.code),
                                   current_user.id, form.note.data or None)
        except operations.DocketError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash("Event changed; its deadlines were recomputed. See each deadline's history.", "success")
            return redirect(url_for("matters.detail", matter_id=event.matter_id))
    return render_template("matters/event_form.html", form=form, event=event, error=error,
                           parameters=operations.event_parameters(event.matter.jurisdiction, event.code)), \
        400 if (form.errors or error) else 200


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def delete_event(event_id: int):
    event = get_or_404(Event, event_id)
    if event.deleted_at is None:
        operations.delete_event(event, current_user.id)
        flash(f"Deleted {event.label} of {event.event_date}. "
              "Its deadlines were superseded; what it closed is open again.", "success")
    return redirect(url_for("matters.detail", matter_id=event.matter_id))


@bp.route("/matters/<int:matter_id>/deadlines", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def add_deadline(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    form = ManualDeadlineForm(prefix="manual")
    if not form.validate_on_submit():
        return _matter_page(matter, manual_form=form, status=400)
    operations.add_manual_deadline(matter, form.label.data.strip(), form.due.data, current_user.id,
                                  form.note.data or None)
    flash("Deadline added. It stays unverified until a second person checks it.", "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


class PriorityClaimForm(FlaskForm):
    country = StringField("Country", validators=[DataRequired(), Length(max=4)])
    application_number = StringField("Application number", validators=[DataRequired(), Length(max=40)])
    filing_date = DayField("Filing date", validators=[day_required()])


@bp.route("/matters/<int:matter_id>/priority-claims", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def add_priority_claim(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    form = PriorityClaimForm(prefix="priority")
    if form.validate_on_submit():
        matter.priority_claims.append(PriorityClaim(
            country=form.country.data.strip().upper(), application_number=form.application_number.data.strip(),
            filing_date=form.filing_date.data))
        db.session.flush()
        operations.docket_from_matter_data(matter, current_user.id)
        flash(f"Priority claim added. {_docketed_from_data(matter)}", "success")
    else:
        problems = " ".join(f"{getattr(form, name).label.text}: {' '.join(messages)}"
                            for name, messages in form.errors.items())
        flash(f"The priority claim was not added. {problems}", "error")
    return redirect(url_for("matters.detail", matter_id=matter.id))


# --- Deadlines ------------------------------------------------------------------------------------------

class OverrideForm(FlaskForm):
    new_due = DayField("New due date", validators=[day_required()])
    reason = StringField("Why", validators=[DataRequired(), Length(max=300)])


class DoneForm(FlaskForm):
    done_on = DayField("Done on", validators=[day_required()], default=date.today)
    note = StringField("Note", validators=[Optional(), Length(max=300)])


def _deadline_page(deadline: Deadline, override_form=None, done_form=None, error=None, status=200):
    history = db.session.execute(select(DeadlineChange).where(DeadlineChange.deadline_id == deadline.id)
                                 .order_by(DeadlineChange.at, DeadlineChange.id)).scalars().all()
    return render_template("matters/deadline.html", deadline=deadline, history=history, error=error,
                           override_form=override_form or OverrideForm(prefix="override"),
                           done_form=done_form or DoneForm(prefix="done"),
                           can_docket=can(current_user, Can.DOCKET)), status


@bp.route("/deadlines/<int:deadline_id>")
@login_required
@tenant_required
def deadline(deadline_id: int):
    return _deadline_page(get_or_404(Deadline, deadline_id))


@bp.route("/deadlines/<int:deadline_id>/verify", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def verify(deadline_id: int):
    deadline = get_or_404(Deadline, deadline_id)
    try:
        operations.verify(deadline, current_user.id)
    except operations.DocketError as error:
        flash(str(error), "error")
    else:
        flash("Verified.", "success")
    return redirect(safe_local_path(request.form.get("back")) or url_for("matters.deadline", deadline_id=deadline.id))


@bp.route("/deadlines/<int:deadline_id>/override", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def override(deadline_id: int):
    deadline = get_or_404(Deadline, deadline_id)
    form = OverrideForm(prefix="override")
    if form.validate_on_submit():
        operations.override_due_date(deadline, form.new_due.data, form.reason.data, current_user.id)
        flash("Date changed. It is unverified until a second person checks it.", "success")
        return redirect(url_for("matters.deadline", deadline_id=deadline.id))
    return _deadline_page(deadline, override_form=form, status=400)


@bp.route("/deadlines/<int:deadline_id>/done", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def mark_done(deadline_id: int):
    deadline = get_or_404(Deadline, deadline_id)
    form = DoneForm(prefix="done")
    if form.validate_on_submit():
        try:
            operations.mark_done(deadline, form.done_on.data, current_user.id, form.note.data or None)
        except operations.DocketError as error:
            return _deadline_page(deadline, done_form=form, error=str(error), status=400)
        flash("Marked done.", "success")
        return redirect(url_for("matters.detail", matter_id=deadline.matter_id))
    return _deadline_page(deadline, done_form=form, status=400)

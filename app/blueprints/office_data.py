"""The office's file history for a matter: upload it, see what it proposes, and let a second person confirm."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from ..extensions import db
from ..patents.docketing import office_data
from ..patents.docketing.models import Matter, OfficeDataImport
from ..patents.docketing.operations import DocketError, event_parameters
from ..permissions import Can, can, requires
from ..tenancy import get_or_404
from ..web import tenant_required

bp = Blueprint("office_data", __name__)


class OfficeFileForm(FlaskForm):
    office_file = FileField("File history (USPTO JSON or EP Register XML)",
                            validators=[FileRequired("Choose the file the office served.")])


def _uploads_page(matter: Matter, form: OfficeFileForm | None = None, error: str | None = None, status: int = 200):
    imports = db.session.execute(select(OfficeDataImport).where(OfficeDataImport.matter_id == matter.id)
                                 .order_by(OfficeDataImport.uploaded_at.desc())).scalars().all()
    return render_template("office_data/matter.html", matter=matter, imports=imports, form=form or OfficeFileForm(),
                           error=error, can_docket=can(current_user, Can.DOCKET)), status


@bp.route("/matters/<int:matter_id>/office-data", methods=["GET", "POST"])
@login_required
@tenant_required
def for_matter(matter_id: int):
    matter = get_or_404(Matter, matter_id)
    if request.method == "GET":
        return _uploads_page(matter)
    if not can(current_user, Can.DOCKET):
        return _uploads_page(matter, error="Your role cannot docket.", status=403)
    form = OfficeFileForm()
    if not form.validate_on_submit():
        return _uploads_page(matter, form, status=400)
    upload = form.office_file.data
    try:
        proposal = office_data.propose_from_file(matter, upload.read(office_data.MAX_FILE_BYTES + 1),
                                                 upload.filename or "file", current_user.id)
    except DocketError as error:
        db.session.rollback()
        return _uploads_page(matter, form, error=str(error), status=400)
    db.session.commit()
    return redirect(url_for("office_data.proposal", import_id=proposal.id))


def _proposal_page(proposal: OfficeDataImport, error: str | None = None, status: int = 200):
    matter = proposal.matter
    entries = list(enumerate(proposal.entries))
    asks = {index: [p for p in event_parameters(matter.jurisdiction, e["event"]) if p["name"] in e["ask"]]
            for index, e in entries if e["status"] == "propose"}
    return render_template(
        "office_data/proposal.html", proposal=proposal, matter=matter, error=error, asks=asks,
        proposed=[(i, e) for i, e in entries if e["status"] in ("propose", "on_docket", "duplicate")],
        others=[(i, e) for i, e in entries if e["status"] in ("no_event", "not_mapped")],
        can_confirm=can(current_user, Can.DOCKET) and proposal.uploaded_by_id != current_user.id,
        can_docket=can(current_user, Can.DOCKET)), status


@bp.route("/office-data/<int:import_id>")
@login_required
@tenant_required
def proposal(import_id: int):
    return _proposal_page(get_or_404(OfficeDataImport, import_id))


@bp.route("/office-data/<int:import_id>/confirm", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def confirm(import_id: int):
    proposal = get_or_404(OfficeDataImport, import_id)
    picked: dict[int, dict] = {}
    for value in request.form.getlist("pick"):
        if not value.isdigit() or int(value) >= len(proposal.entries):
            return _proposal_page(proposal, error="The form named an entry this file does not have.", status=400)
        index = int(value)
        picked[index] = {name: request.form.get(f"param_{index}_{name}", "").strip()
                         for name in proposal.entries[index]["ask"]}
    if not picked:
        return _proposal_page(proposal, error="Tick the events to record, or discard the file.", status=400)
    try:
        recorded = office_data.confirm(proposal, picked, current_user.id)
    except DocketError as error:
        db.session.rollback()
        return _proposal_page(db.session.get(OfficeDataImport, import_id), error=str(error), status=400)
    db.session.commit()
    flash(f"Recorded {len(recorded)} event{'s' if len(recorded) != 1 else ''} from the office's file history. "
          "The deadlines below are up to date.", "success")
    return redirect(url_for("matters.detail", matter_id=proposal.matter_id))


@bp.route("/office-data/<int:import_id>/discard", methods=["POST"])
@requires(Can.DOCKET)
@tenant_required
def discard(import_id: int):
    proposal = get_or_404(OfficeDataImport, import_id)
    try:
        office_data.discard(proposal, current_user.id)
    except DocketError as error:
        return _proposal_page(proposal, error=str(error), status=400)
    db.session.commit()
    flash("Discarded: nothing from this file was recorded.", "success")
    return redirect(url_for("office_data.for_matter", matter_id=proposal.matter_id))


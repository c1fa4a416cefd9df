"""Declared office closures: a provider admin records one (with its citation); open deadlines it moves are
recomputed in every firm with history, and responsible attorneys are told."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..extensions import db
from ..patents.docketing import closures  # also registers the declared_closures table
from ..patents.docketing.operations import DocketError
from ..permissions import Can, requires

bp = Blueprint("closures", __name__, url_prefix="/admin/closures")


class ClosureForm(FlaskForm):
    calendar_id = SelectField("Office", validators=[DataRequired()])
    first_day = DateField("First closed day", validators=[DataRequired()])
    last_day = DateField("Last closed day", validators=[DataRequired()])
    name = StringField("What happened", validators=[DataRequired(), Length(max=200)])
    citation = StringField("Notice (citation)", validators=[DataRequired(), Length(max=300)])


@bp.route("/", methods=["GET", "POST"])
@requires(Can.DECLARE_OFFICE_CLOSURES)
def index():
    form = ClosureForm()
    form.calendar_id.choices = closures.calendar_choices()
    status = 200
    if form.validate_on_submit():
        try:
            closure, moved = closures.declare(form.calendar_id.data, form.first_day.data, form.last_day.data,
                                              form.name.data, form.citation.data, current_user.id)
        except DocketError as error:
            form.citation.errors.append(str(error))
            status = 400
        else:
            audit.record("closure.declared", summary=f"{closure.calendar_id} closed {closure.first_day} to "
                                                     f"{closure.last_day}: {closure.name} ({closure.citation}); "
                                                     f"{moved} deadline(s) moved")
            flash(f"Closure recorded; {moved} open deadline(s) moved.", "success")
            return redirect(url_for("closures.index"))
    elif form.errors:
        status = 400
    declared = db.session.execute(select(closures.DeclaredClosure)
                                  .order_by(closures.DeclaredClosure.first_day.desc())).scalars().all()
    return render_template("admin/closures.html", form=form, declared=declared), status

"""Your sessions: where and when each signed in, last activity, ending one or all others; admins end their people's."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import accounts, audit, sign_ins
from ..extensions import db
from ..permissions import Can, requires
from ..web.local_time import DATE_FORMATS
from .admin import _managed_user_or_404

bp = Blueprint("sessions", __name__)


def _current_id() -> int | None:
    return g.login_session.id if g.get("login_session") is not None else None


@bp.route("/account/sessions")
@login_required
def mine():
    return render_template("sessions/mine.html", sessions=sign_ins.open_sessions(current_user),
                           current_id=_current_id(), describe=sign_ins.describe_device)


@bp.route("/account/sessions/<int:login_session_id>/end", methods=["POST"])
@login_required
def end_mine(login_session_id: int):
    if login_session_id == _current_id():
        abort(404)  # this one ends with "Sign out"
    if not sign_ins.end_session_of(current_user, login_session_id, "ended by its owner"):
        abort(404)
    audit.record("session_ended", summary=f"{current_user.email} ended one of their sessions",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    flash("That session is signed out.", "success")
    return redirect(url_for("sessions.mine"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_others():
    count = sign_ins.end_other_sessions(current_user, _current_id(), "ended by its owner")
    audit.record("sessions_ended", summary=f"{current_user.email} ended {count} other session(s)",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    flash(f"Signed out everywhere else ({count} session{'' if count == 1 else 's'}).", "success")
    return redirect(url_for("sessions.mine"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[
        DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=accounts.MAX_PASSWORD_LENGTH)])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            ended = accounts.change_own_password(current_user, form.current_password.data, form.new_password.data,
                                                 _current_id())
        except accounts.AccountInputError as refused:
            getattr(form, refused.field).errors.append(str(refused))
        else:
            flash(f"Password changed. {ended} other session{'' if ended == 1 else 's'} signed out.", "success")
            return redirect(url_for("sessions.mine"))
    return render_template("sessions/password.html", form=form), 400 if form.errors else 200


class PreferencesForm(FlaskForm):
    date_format = RadioField("Dates on the pages", choices=[(name, text) for name, (_, text) in DATE_FORMATS.items()])


@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """How dates read on the pages for this person; PDFs, CSV, calendar feeds and e-mails keep ISO 8601."""
    form = PreferencesForm(date_format=current_user.date_format)
    if form.validate_on_submit():
        try:
            accounts.set_date_format(current_user, form.date_format.data, DATE_FORMATS)
        except accounts.AccountInputError as refused:
            form.date_format.errors.append(str(refused))
        else:
            db.session.commit()
            flash("Saved: dates now read the way you chose.", "success")
            return redirect(url_for("sessions.preferences"))
    return render_template("sessions/preferences.html", form=form), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/sessions")
@requires(Can.MANAGE_PEOPLE)
def of_user(user_id: int):
    person = _managed_user_or_404(user_id)
    return render_template("sessions/of_user.html", person=person, sessions=sign_ins.open_sessions(person),
                           describe=sign_ins.describe_device)


@bp.route("/admin/users/<int:user_id>/sessions/<int:login_session_id>/end", methods=["POST"])
@requires(Can.MANAGE_PEOPLE)
def end_of_user(user_id: int, login_session_id: int):
    person = _managed_user_or_404(user_id)
    if not sign_ins.end_session_of(person, login_session_id, "ended by an admin"):
        abort(404)
    audit.record("session_ended", summary=f"a session of {person.email} ended by an admin",
                 tenant_id=person.home_tenant_id, target=person)
    flash(f"That session of {person.name} is signed out.", "success")
    return redirect(url_for("sessions.of_user", user_id=person.id))


@bp.route("/admin/users/<int:user_id>/sessions/end-all", methods=["POST"])
@requires(Can.MANAGE_PEOPLE)
def end_all_of_user(user_id: int):
    person = _managed_user_or_404(user_id)
    keep = _current_id() if person.id == current_user.id else None
    count = sign_ins.end_other_sessions(person, keep, "ended by an admin")
    audit.record("sessions_ended", summary=f"{count} session(s) of {person.email} ended by an admin",
                 tenant_id=person.home_tenant_id, target=person)
    flash(f"{person.name} is signed out everywhere ({count} session{'' if count == 1 else 's'}).", "success")
    return redirect(url_for("sessions.of_user", user_id=person.id))

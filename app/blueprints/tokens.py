"""The API tokens page: every signed-in person makes, sees and revokes their own tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from .. import audit, two_factor
from ..api import tokens
from ..extensions import db
from ..web import tenant_required
from .two_factor import fresh_second_factor_required, has_fresh_second_factor

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField("Name (what uses it)", validators=[DataRequired(), Length(max=100)])
    scope = SelectField("Access", choices=list(tokens.SCOPES.items()), default="read")
    lifetime_days = IntegerField("Expires after (days)", default=tokens.DEFAULT_LIFETIME_DAYS,
                                 validators=[DataRequired(), NumberRange(1, tokens.MAX_LIFETIME_DAYS)])


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
@tenant_required
def index():
    """Tokens work in the firm chosen now; the secret is shown once, right after it is made."""
    form = TokenForm()
    new_secret = None
    if request.method == "POST":
        # A token outlives the session, so making one needs a second factor proved just now.
        needs = fresh_second_factor_required("tokens.index")
        if needs is not None:
            return needs
    if form.validate_on_submit():
        try:
            token, new_secret = tokens.create_token(current_user, g.tenant, form.name.data, form.scope.data,
                                                    form.lifetime_days.data)
        except tokens.ApiTokenError as problem:
            form.name.errors.append(str(problem))
        else:
            audit.record("api_token_created", summary=f"API token {token.prefix} ({token.scope}) for "
                                                      f"{g.tenant.name}", tenant_id=g.tenant.id, target=token)
            flash("Copy your token now: it is shown only once.", "success")
    return render_template("api/tokens.html", form=form, tokens=tokens.tokens_of(current_user),
                           new_secret=new_secret, scopes=tokens.SCOPES, fresh=has_fresh_second_factor(),
                           enrolled=two_factor.enrolled(current_user)), 400 if form.errors else 200


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = db.session.execute(select(tokens.ApiToken).where(
        tokens.ApiToken.id == token_id, tokens.ApiToken.user_id == current_user.id)).scalar_one_or_none()
    if token is None:
        abort(404)
    tokens.revoke(token)
    audit.record("api_token_revoked", summary=f"API token {token.prefix} revoked", tenant_id=token.tenant_id,
                 target=token)
    flash(f"Token “{token.name}” no longer works.", "success")
    return redirect(url_for("tokens.index"))

"""Sign-in and sign-out."""
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from .. import accounts, audit, sign_ins, two_factor
from ..extensions import db, limiter
from ..urls import safe_local_path
from ..web import ACTIVE_TENANT_KEY, SESSION_TOKEN_KEY, log

bp = Blueprint("auth", __name__)

# Between the password and the second factor: who, since when, and where to go afterwards.
PENDING_USER_KEY = "second_factor_user_id"
PENDING_SINCE_KEY = "second_factor_since"
PENDING_NEXT_KEY = "second_factor_next"


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=accounts.MAX_PASSWORD_LENGTH)])


def _account_key() -> str:
    return "signin:" + (request.form.get("email") or "").strip().lower()[:254]


def _account_and_address_key() -> str:
    """The usual pairing: a guesser at one address is stopped quickly, without locking the account's
    owner out everywhere else (anyone could lock a named account with five wrong passwords)."""
    return _account_key() + "|" + (request.remote_addr or "")


def _address_key() -> str:
    return "signin-addr:" + (request.remote_addr or "")


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_THROTTLE_PER_ACCOUNT"], key_func=_account_and_address_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_THROTTLE_PER_ACCOUNT_GLOBAL"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_THROTTLE_PER_ADDRESS"], key_func=_address_key,
               methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        opened = accounts.authenticate(email, form.password.data)
        if not opened:
            audit.record("sign_in_failed", summary=f"failed sign-in for {email}")
            db.session.commit()  # kept although this response is an error
            log.warning("sign-in failed for %s", email)
            flash("That e-mail and password do not match an active account.", "error")
            return render_template("auth/login.html", form=form), 401
        chosen = request.form.get("account", "")
        user = next((u for u in opened if str(u.id) == chosen), None) if len(opened) > 1 else opened[0]
        if user is None:  # the password opens this person's accounts in several firms: they say which
            return render_template("auth/login.html", form=form, accounts=opened), 200
        if two_factor.enrolled(user):
            return ask_for_second_factor(user, request.args.get("next"))
        return complete_sign_in(user, request.args.get("next"))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def ask_for_second_factor(user, next_target: str | None):
    """The password was right; the session is not signed in until the second factor is too."""
    session.clear()
    session[PENDING_USER_KEY] = user.id
    session[PENDING_SINCE_KEY] = int(time.time())
    if safe_local_path(next_target):
        session[PENDING_NEXT_KEY] = safe_local_path(next_target)
    return redirect(url_for("two_factor.verify"))


def complete_sign_in(user, next_target: str | None, second_factor: str | None = None):
    """Start the person's session once every factor they have is proven."""
    session.clear()  # a fresh session at sign-in: nothing from before carries over
    session[SESSION_TOKEN_KEY] = accounts.start_session(user, request.remote_addr, request.user_agent.string,
                                                        second_factor=bool(second_factor))
    session.permanent = True
    login_user(user)
    db.session.flush()
    sign_ins.notice_if_new(accounts.session_for_token(session[SESSION_TOKEN_KEY]))
    audit.record("sign_in", summary=f"{user.email} signed in" + (f" with {second_factor}" if second_factor else ""),
                 tenant_id=user.home_tenant_id, target=user,
                 actor=audit.Actor(user.id, user.email, request.remote_addr))
    return redirect(safe_local_path(next_target) or url_for("main.home"))




@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        accounts.end_session_for_token(session.get(SESSION_TOKEN_KEY), "signed out")
        audit.record("sign_out", summary=f"{current_user.email} signed out", tenant_id=current_user.home_tenant_id)
        logout_user()
    session.pop(ACTIVE_TENANT_KEY, None)
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))

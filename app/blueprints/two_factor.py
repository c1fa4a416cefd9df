"""Second-factor pages: the sign-in step, setting up an authenticator app, recovery codes, re-confirming.

A person who must use a second factor and has none is led here before any other page (``_lead_to_enrolment``).
"""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .. import audit, two_factor
from ..extensions import db, limiter
from ..models import User
from ..urls import safe_local_path
from ..web import log
from .auth import PENDING_NEXT_KEY, PENDING_SINCE_KEY, PENDING_USER_KEY, complete_sign_in

bp = Blueprint("two_factor", __name__)

PENDING_MINUTES = 10  # the password step is forgotten after this long
# Pages a person who still has to set up a second factor may reach.
OPEN_BEFORE_ENROLMENT = {"two_factor.setup", "two_factor.authenticator", "two_factor.verify", "auth.logout",
                         "auth.login", "static", "health.healthz", "security_keys.register_options",
                         "security_keys.register_finish"}


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])


def _pending_user() -> User | None:
    user_id, since = session.get(PENDING_USER_KEY), session.get(PENDING_SINCE_KEY, 0)
    if not user_id or time.time() - since > PENDING_MINUTES * 60:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def _pending_key() -> str:
    return f"second-factor:{session.get(PENDING_USER_KEY, '')}"


def _address_key() -> str:
    return "second-factor-addr:" + (request.remote_addr or "")


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_THROTTLE_PER_ACCOUNT"], key_func=_pending_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_THROTTLE_PER_ADDRESS"], key_func=_address_key,
               methods=["POST"], deduct_when=_failed)
def verify():
    """The second step of signing in: a code from the authenticator app, a recovery code, or a security key."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        session.clear()
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        used = two_factor.verify(user, form.code.data)
        if used is None:
            audit.record("second_factor_failed", summary=f"wrong second factor for {user.email}",
                         tenant_id=user.home_tenant_id, target=user)
            db.session.commit()  # kept although this response is an error
            log.warning("second factor failed for %s", user.email)
            form.code.errors.append("That code is not right, or it was used already. Try the next one your app shows.")
            return _verify_page(user, form), 401
        if used == "recovery code":
            left = two_factor.recovery_codes_left(user)
            flash(f"You signed in with a recovery code; {left} left. Make new ones under Two-factor sign-in "
                  "if you are running low.", "warning" if left < 3 else "info")
        return complete_sign_in(user, session.get(PENDING_NEXT_KEY), second_factor=used)
    return _verify_page(user, form), 400 if form.errors else 200


def _verify_page(user: User, form: CodeForm):
    return render_template("two_factor/verify.html", form=form, has_totp=two_factor.has_totp(user),
                           has_keys=bool(two_factor.security_keys_of(user)))


# --- Setting up ---------------------------------------------------------------------------------------

@bp.route("/account/two-factor")
@login_required
def setup():
    """What the person has set up, and what they can change."""
    return render_template("two_factor/setup.html", required=two_factor.required_for(current_user),
                           has_totp=two_factor.has_totp(current_user),
                           codes_left=two_factor.recovery_codes_left(current_user),
                           keys=two_factor.security_keys_of(current_user), form=CodeForm())


@bp.route("/account/two-factor/authenticator", methods=["GET", "POST"])
@login_required
def authenticator():
    """Scan the QR code, type the code the app shows; on success the recovery codes are shown once."""
    if two_factor.has_totp(current_user):
        flash("Your authenticator app is already set up.", "info")
        return redirect(url_for("two_factor.setup"))
    form = CodeForm()
    uri = two_factor.pending_totp_uri(current_user)
    if uri is None or request.method == "GET" and request.args.get("restart"):
        uri = two_factor.start_totp_enrolment(current_user)
    if form.validate_on_submit():
        if two_factor.confirm_totp(current_user, form.code.data):
            two_factor.mark_verified(g.get("login_session"))
            audit.record("second_factor_enrolled", summary=f"{current_user.email} set up an authenticator app",
                         tenant_id=current_user.home_tenant_id, target=current_user)
            codes = two_factor.new_recovery_codes(current_user) if not two_factor.recovery_codes_left(current_user) \
                else None
            return render_template("two_factor/done.html", codes=codes)
        form.code.errors.append("That code does not match. Check the app shows PatentDesk and type the current code.")
    return render_template("two_factor/authenticator.html", form=form, qr=two_factor.qr_code_data_uri(uri),
                           secret=two_factor.secret_for_display(uri),
                           required=two_factor.required_for(current_user)), 400 if form.errors else 200


def has_fresh_second_factor() -> bool:
    """Whether this session proved a second factor within TWO_FACTOR_FRESH_MINUTES."""
    return two_factor.is_fresh(g.get("login_session"), current_app.config["TWO_FACTOR_FRESH_MINUTES"])


def fresh_second_factor_required(next_endpoint: str):
    """Redirect to the confirmation page unless this session proved a second factor recently; else None."""
    if has_fresh_second_factor():
        return None
    if not two_factor.enrolled(current_user):
        flash("Set up two-factor sign-in first: this needs a second factor.", "info")
        return redirect(url_for("two_factor.setup"))
    return redirect(url_for("two_factor.confirm", next=url_for(next_endpoint)))


@bp.route("/account/two-factor/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_THROTTLE_PER_ACCOUNT"],
               key_func=lambda: f"second-factor:{current_user.get_id()}", methods=["POST"], deduct_when=_failed)
@login_required
def confirm():
    """Prove a second factor again before something sensitive (an API token, new recovery codes)."""
    target = safe_local_path(request.values.get("next")) or url_for("two_factor.setup")
    form = CodeForm()
    if form.validate_on_submit():
        used = two_factor.verify(current_user, form.code.data)
        if used is None:
            audit.record("second_factor_failed", summary=f"wrong second factor for {current_user.email}",
                         tenant_id=current_user.home_tenant_id, target=current_user)
            db.session.commit()
            form.code.errors.append("That code is not right, or it was used already.")
            return render_template("two_factor/confirm.html", form=form, target=target), 401
        two_factor.mark_verified(g.get("login_session"))
        return redirect(target)
    return render_template("two_factor/confirm.html", form=form, target=target), 400 if form.errors else 200


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes():
    """A new set of recovery codes; the old ones stop working."""
    if not two_factor.enrolled(current_user):
        abort(404)
    needs = fresh_second_factor_required("two_factor.setup")
    if needs is not None:
        return needs
    codes = two_factor.new_recovery_codes(current_user)
    audit.record("recovery_codes_renewed", summary=f"{current_user.email} made new recovery codes",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    return render_template("two_factor/done.html", codes=codes, renewed=True)


@bp.route("/account/two-factor/authenticator/remove", methods=["POST"])
@login_required
def remove_authenticator():
    if not two_factor.has_totp(current_user):
        abort(404)
    needs = fresh_second_factor_required("two_factor.setup")
    if needs is not None:
        return needs
    two_factor.remove_totp(current_user)
    if g.get("login_session") is not None:
        g.login_session.second_factor_at = None  # so someone who must have one is led to set one up now
    audit.record("second_factor_removed", summary=f"{current_user.email} removed their authenticator app",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    flash("Your authenticator app no longer signs you in." + (
        " Your account needs a second factor: set one up now." if two_factor.must_enrol(current_user) else ""), "info")
    return redirect(url_for("two_factor.setup"))


@bp.before_app_request
def _lead_to_enrolment():
    """A signed-in person who must use a second factor and has none sees nothing else until they set one up."""
    if not current_user.is_authenticated or "api_token" in g or request.endpoint in OPEN_BEFORE_ENROLMENT:
        return None
    login_session = g.get("login_session")
    if login_session is not None and login_session.second_factor_at is not None:
        return None  # proved one in this session, so has one (a reset ends every session)
    if not two_factor.must_enrol(current_user):
        return None
    if request.path.startswith("/api/"):
        abort(403, description="Set up two-factor sign-in in the browser before using PatentDesk.")
    if request.method == "GET":
        flash("Your account needs two-factor sign-in. Set it up now: it takes a minute.", "info")
    return redirect(url_for("two_factor.authenticator"))

"""Security-key pages: adding a key (a second factor) and the sign-in step with a key; JSON for the page's script."""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required

from .. import audit, security_keys, two_factor
from ..extensions import db, limiter
from ..web import log
from .auth import PENDING_NEXT_KEY
from .two_factor import _address_key, _failed, _pending_key, _pending_user, fresh_second_factor_required

bp = Blueprint("security_keys", __name__)
CHALLENGE_KEY = "webauthn_challenge"


def _keep_challenge(purpose: str, challenge: bytes) -> None:
    session[CHALLENGE_KEY] = f"{purpose}:{base64.b64encode(challenge).decode()}"


def _take_challenge(purpose: str) -> bytes | None:
    """The challenge issued for this purpose, usable once."""
    kept = session.pop(CHALLENGE_KEY, "")
    kept_purpose, _, value = kept.partition(":")
    return base64.b64decode(value) if kept_purpose == purpose and value else None


def _problem(message: str, status: int = 400):
    return jsonify(error=message), status


@bp.route("/account/security-keys/options", methods=["POST"])
@login_required
def register_options():
    options, challenge = security_keys.registration_options(current_user)
    _keep_challenge("register", challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.route("/account/security-keys", methods=["POST"])
@login_required
def register_finish():
    body = request.get_json(silent=True) or {}
    challenge = _take_challenge("register")
    if challenge is None:
        return _problem("Start again: the key was asked too long ago or in another tab.")
    try:
        key = security_keys.register(current_user, body.get("credential"), challenge, body.get("name") or "")
    except security_keys.SecurityKeyRejected as rejected:
        return _problem(str(rejected))
    two_factor.mark_verified(g.get("login_session"))
    audit.record("second_factor_enrolled", summary=f"{current_user.email} added the security key {key.name}",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    flash(f"The security key “{key.name}” now signs you in." + (
        " Make recovery codes too, in case you lose it." if not two_factor.recovery_codes_left(current_user) else ""),
        "success")
    return jsonify(redirect=url_for("two_factor.setup"))


@bp.route("/account/security-keys/<int:key_id>/remove", methods=["POST"])
@login_required
def remove(key_id: int):
    key = next((k for k in two_factor.security_keys_of(current_user) if k.id == key_id), None)
    if key is None:
        abort(404)
    needs = fresh_second_factor_required("two_factor.setup")
    if needs is not None:
        return needs
    db.session.delete(key)
    audit.record("second_factor_removed", summary=f"{current_user.email} removed the security key {key.name}",
                 tenant_id=current_user.home_tenant_id, target=current_user)
    flash(f"The security key “{key.name}” no longer signs you in.", "info")
    return redirect(url_for("two_factor.setup"))


@bp.route("/login/security-key/options", methods=["POST"])
def sign_in_options():
    user = _pending_user()
    if user is None or not two_factor.security_keys_of(user):
        return _problem("Please sign in again.", 401)
    options, challenge = security_keys.authentication_options(user)
    _keep_challenge("sign-in", challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.route("/login/security-key", methods=["POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_THROTTLE_PER_ACCOUNT"], key_func=_pending_key,
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_THROTTLE_PER_ADDRESS"], key_func=_address_key, deduct_when=_failed)
def sign_in_finish():
    """The second step of signing in with a security key; answers where to go next."""
    from .auth import complete_sign_in

    user = _pending_user()
    challenge = _take_challenge("sign-in")
    if user is None or challenge is None:
        return _problem("Please sign in again.", 401)
    try:
        security_keys.authenticate(user, (request.get_json(silent=True) or {}).get("credential"), challenge)
    except security_keys.SecurityKeyRejected as rejected:
        audit.record("second_factor_failed", summary=f"security key refused for {user.email}",
                     tenant_id=user.home_tenant_id, target=user)
        db.session.commit()  # kept although this response is an error
        log.warning("security key refused for %s", user.email)
        return _problem(str(rejected), 401)
    response = complete_sign_in(user, session.get(PENDING_NEXT_KEY), second_factor="security key")
    return jsonify(redirect=response.location)

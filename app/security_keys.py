"""Security keys (WebAuthn, through py_webauthn): registering a key and signing in with it, as a second factor.

The relying party is the host of BASE_URL and the expected origin is BASE_URL itself, so a key
registered here answers no other site. Only the credential's id, public key and signature counter are
kept (two_factor.SecurityKey); a counter that goes backwards means a cloned key and is refused.
"""
from __future__ import annotations

import json
from urllib.parse import urlparse

from flask import current_app
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .extensions import db
from .models import User, utcnow
from .two_factor import SecurityKey, security_keys_of

RP_NAME = "PatentDesk"
MAX_CREDENTIAL_BYTES = 16_384  # a registration or assertion is a few hundred bytes; refuse anything huge


class SecurityKeyRejected(ValueError):
    """A key's answer could not be verified; the message is for the person."""


def _origin() -> str:
    parsed = urlparse(current_app.config["BASE_URL"])
    return f"{parsed.scheme}://{parsed.netloc}"


def _rp_id() -> str:
    return urlparse(current_app.config["BASE_URL"]).hostname or "localhost"


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in security_keys_of(user)]


def registration_options(user: User) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() as JSON, and the challenge to keep in the session."""
    options = generate_registration_options(
        rp_id=_rp_id(), rp_name=RP_NAME, user_name=user.email, user_id=f"patentdesk-user-{user.id}".encode(),
        user_display_name=user.name, exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED, user_verification=UserVerificationRequirement.PREFERRED))
    return options_to_json(options), options.challenge


def _credential(text: str) -> dict:
    if not isinstance(text, str) or len(text) > MAX_CREDENTIAL_BYTES:
        raise SecurityKeyRejected("The key's answer is missing or too large.")
    try:
        credential = json.loads(text)
    except ValueError:
        raise SecurityKeyRejected("The key's answer is not readable.") from None
    if not isinstance(credential, dict):
        raise SecurityKeyRejected("The key's answer is not readable.")
    return credential


def register(user: User, credential_json: str, challenge: bytes, name: str) -> SecurityKey:
    """Verify a new key's attestation against the challenge and keep its public key."""
    try:
        verified = verify_registration_response(credential=_credential(credential_json), expected_challenge=challenge,
                                                expected_rp_id=_rp_id(), expected_origin=_origin())
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError) as problem:
        raise SecurityKeyRejected(f"The key could not be added: {problem}") from None
    exists = db.session.execute(select(SecurityKey.id).where(
        SecurityKey.credential_id == verified.credential_id)).first()
    if exists:
        raise SecurityKeyRejected("This key is already registered.")
    key = SecurityKey(user_id=user.id, name=(name or "Security key").strip()[:100] or "Security key",
                      credential_id=verified.credential_id, public_key=verified.credential_public_key,
                      sign_count=verified.sign_count)
    db.session.add(key)
    db.session.flush()
    return key


def authentication_options(user: User) -> tuple[str, bytes]:
    options = generate_authentication_options(rp_id=_rp_id(), allow_credentials=_descriptors(user),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), options.challenge


def authenticate(user: User, credential_json: str, challenge: bytes) -> SecurityKey:
    """Verify an assertion by one of the person's keys; raises SecurityKeyRejected otherwise."""
    credential = _credential(credential_json)
    try:
        raw_id = base64url_to_bytes(credential.get("rawId") or credential.get("id") or "")
    except (TypeError, ValueError):
        raise SecurityKeyRejected("That is not one of your security keys.") from None
    key = next((k for k in security_keys_of(user) if k.credential_id == raw_id), None)
    if key is None:
        raise SecurityKeyRejected("That is not one of your security keys.")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=_rp_id(), expected_origin=_origin(),
            credential_public_key=key.public_key, credential_current_sign_count=key.sign_count)
    except (InvalidAuthenticationResponse, KeyError, TypeError, ValueError) as problem:
        raise SecurityKeyRejected(f"The security key's answer did not verify: {problem}") from None
    key.sign_count, key.last_used_at = verified.new_sign_count, utcnow()
    return key

"""Second factors: an authenticator app (TOTP, RFC 6238), one-time recovery codes and security keys; who must have one.

- Provider staff must always use a second factor; a firm admin can require it for the whole firm
  (``Tenant.require_two_factor``). ``must_enrol`` says whether a person still has to set one up.
- A TOTP seed is sealed under the KEK (app/keys.py); a code is accepted once: a step at or before the
  last one used is refused, so a code seen over someone's shoulder cannot be replayed.
- Recovery codes are shown once and stored only as argon2 hashes; each works once.
- Security keys (WebAuthn) keep only their public key and signature counter; see app/security_keys.py.
"""
from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import accounts, keys
from .extensions import db
from .models import LoginSession, User, utcnow
from .utc import UtcDateTime, as_utc

ISSUER = "PatentDesk"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper
VALID_WINDOW = 1  # one 30-second step either side, for clocks that drift


class TotpAuthenticator(db.Model):
    """A person's authenticator app. Confirmed once the person has typed a code it shows."""

    __tablename__ = "totp_authenticators"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    sealed_secret: Mapped[str] = mapped_column(String(200))
    last_used_step: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RecoveryCode(db.Model):
    """One single-use recovery code, hashed like a password."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SecurityKey(db.Model):
    """A WebAuthn credential: its id, public key and signature counter, never a secret."""

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- Who must use a second factor --------------------------------------------------------------------

def required_for(user: User) -> bool:
    """Provider staff always; firm staff when their firm requires it."""
    if user.is_provider:
        return True
    return bool(user.home_tenant is not None and user.home_tenant.require_two_factor)


def _totp_of(user: User) -> TotpAuthenticator | None:
    return db.session.execute(select(TotpAuthenticator).where(TotpAuthenticator.user_id == user.id)) \
        .scalar_one_or_none()


def has_totp(user: User) -> bool:
    found = _totp_of(user)
    return found is not None and found.confirmed_at is not None


def security_keys_of(user: User) -> list[SecurityKey]:
    return list(db.session.execute(select(SecurityKey).where(SecurityKey.user_id == user.id)
                                   .order_by(SecurityKey.created_at, SecurityKey.id)).scalars())


def enrolled(user: User) -> bool:
    """Whether signing in asks this person for a second factor."""
    return has_totp(user) or bool(security_keys_of(user))


def must_enrol(user: User) -> bool:
    return required_for(user) and not enrolled(user)


# --- TOTP ---------------------------------------------------------------------------------------------

def _seal_context(user_id: int) -> str:
    return f"totp secret\x00{user_id}"


def _secret_of(authenticator: TotpAuthenticator) -> str:
    return keys.unseal(authenticator.sealed_secret, _seal_context(authenticator.user_id)).decode()


def start_totp_enrolment(user: User) -> str:
    """A new, unconfirmed seed for the person's authenticator app; returns its otpauth:// URI.

    A person replaces a confirmed authenticator by removing it first (which asks for a fresh
    second factor), so starting here never replaces one that works.
    """
    found = _totp_of(user)
    if found is not None and found.confirmed_at is not None:
        raise ValueError("remove the current authenticator app before setting up another")
    secret = pyotp.random_base32(32)  # 160 bits, RFC 4226's recommendation
    sealed = keys.seal(secret.encode(), _seal_context(user.id))
    if found is None:
        db.session.add(TotpAuthenticator(user_id=user.id, sealed_secret=sealed))
    else:
        found.sealed_secret = sealed
    db.session.flush()
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def pending_totp_uri(user: User) -> str | None:
    found = _totp_of(user)
    if found is None or found.confirmed_at is not None:
        return None
    return pyotp.TOTP(_secret_of(found)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The URI as a QR code, drawn here as SVG (no outside service sees the seed)."""
    import segno  # imported when drawn: its writers cost 0.2 s at every start of the app and the CLI

    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def secret_for_display(uri: str) -> str:
    """The seed in groups of four, for typing into an app that cannot scan."""
    secret = pyotp.parse_uri(uri).secret
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(authenticator: TotpAuthenticator, code: str, at: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(_secret_of(authenticator))
    step = totp.timecode(at)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def confirm_totp(user: User, code: str, at: datetime | None = None) -> bool:
    """Confirm the pending authenticator with a code it shows; true when it is now the person's."""
    found = _totp_of(user)
    if found is None or found.confirmed_at is not None:
        return False
    step = _matching_step(found, code, at or utcnow())
    if step is None:
        return False
    found.confirmed_at, found.last_used_step = utcnow(), step
    return True


def verify_totp(user: User, code: str, at: datetime | None = None) -> bool:
    """A code from the person's confirmed authenticator that has not been used before."""
    found = _totp_of(user)
    if found is None or found.confirmed_at is None:
        return False
    step = _matching_step(found, code, at or utcnow())
    if step is None or (found.last_used_step is not None and step <= found.last_used_step):
        return False
    found.last_used_step = step
    return True


def remove_totp(user: User) -> None:
    db.session.execute(delete(TotpAuthenticator).where(TotpAuthenticator.user_id == user.id))


def reseal_totp_secrets() -> int:
    """After a KEK rotation: seal every seed under the current KEK."""
    changed = 0
    for authenticator in db.session.execute(select(TotpAuthenticator)).scalars():
        if keys.needs_resealing(authenticator.sealed_secret):
            authenticator.sealed_secret = keys.seal(_secret_of(authenticator).encode(),
                                                    _seal_context(authenticator.user_id))
            changed += 1
    db.session.flush()
    return changed


# --- Recovery codes -----------------------------------------------------------------------------------

def new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes; the returned plain codes are never stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))  # 49 bits each
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=accounts.hash_password(_normalise_code(raw))))
    db.session.flush()
    return codes


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code; each works once."""
    wanted = _normalise_code(code)
    if len(wanted) != 10:
        return False
    for stored in db.session.execute(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalars():
        if accounts.verify_secret(stored.code_hash, wanted):
            stored.used_at = utcnow()
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.execute(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar()


# --- Verification at sign-in, freshness, reset -------------------------------------------------------

def verify(user: User, code: str) -> str | None:
    """Check a code typed at sign-in: 'totp' or 'recovery code' when it is good, None otherwise."""
    if verify_totp(user, code):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery code"
    return None


def mark_verified(login_session: LoginSession | None) -> None:
    """The person proved their second factor in this session just now."""
    if login_session is not None:
        login_session.second_factor_at = utcnow()


def is_fresh(login_session: LoginSession | None, minutes: int) -> bool:
    """Whether this session proved a second factor within the last ``minutes``."""
    if login_session is None or login_session.second_factor_at is None:
        return False
    return as_utc(login_session.second_factor_at) + timedelta(minutes=minutes) >= utcnow()


def reset(user: User) -> None:
    """An admin's reset for a person who lost their factors: all removed, every session ended."""
    remove_totp(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(SecurityKey).where(SecurityKey.user_id == user.id))
    accounts.end_all_sessions(user, reason="second factor reset")

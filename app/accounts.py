"""Passwords, sign-in sessions and who may work in which tenant."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from .extensions import db
from .models import FIRM_ROLES, PROVIDER_ROLES, LoginSession, SpecialistAssignment, Tenant, User, utcnow

# argon2id, OWASP's second recommended profile: 19 MiB... raised to 64 MiB, 3 passes.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class PasswordRejected(ValueError):
    """A new password does not meet the policy; the message says why."""


@lru_cache(maxsize=1)
def _breached_passwords() -> frozenset[str]:
    text = resources.files("app.data").joinpath("breached_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password.lower() in _breached_passwords():
        raise PasswordRejected("This password appears in lists of breached passwords. Choose another.")
    if email and password.lower() == email.lower():
        raise PasswordRejected("The password must not be your e-mail address.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Check a secret against an argon2 hash made by hash_password (recovery codes use this too)."""
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, password: str) -> None:
    """Change a password and end every open session of that user."""
    check_password_policy(password, user.email)
    user.password_hash = hash_password(password)
    end_all_sessions(user, reason="password changed")


def disable_account(user: User) -> None:
    """Everything that lets the person in ends now, not only their sessions: API tokens and calendar
    feeds are revoked, so re-enabling the account later does not bring old credentials back to life."""
    from .api.tokens import ApiToken
    from .patents.docketing.models import CalendarFeed
    end_all_sessions(user, reason="account disabled")
    now = utcnow()
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
                       .values(revoked_at=now))


def may_sign_in(user: User) -> bool:
    """An active account; for a firm's people, of a firm that is active too (a deactivated firm's
    admin must not keep signing in and creating users)."""
    if not user.active:
        return False
    return user.is_provider or (user.home_tenant is not None and user.home_tenant.active)


def authenticate(email: str, password: str) -> User | None:
    user = db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not may_sign_in(user):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, remote_addr: str | None, user_agent: str | None = None,
                  second_factor: bool = False) -> str:
    """Record a sign-in; the returned token goes in the (signed) session cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, remote_addr=remote_addr,
                                user_agent=(user_agent or "")[:300] or None,
                                second_factor_at=utcnow() if second_factor else None))
    return token


def session_for_token(token: str) -> LoginSession | None:
    return db.session.execute(select(LoginSession).where(LoginSession.token_hash == _token_hash(token))) \
        .scalar_one_or_none()


def live_session(token: str | None, user_id: int, idle: timedelta, absolute: timedelta) -> LoginSession | None:
    """The session behind a cookie, if it is still open and neither idle nor too old."""
    if not token:
        return None
    found = db.session.execute(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token), LoginSession.user_id == user_id)
    ).scalar_one_or_none()
    if found is None or found.ended_at is not None:
        return None
    now = utcnow()
    if _aware(found.last_seen_at) + idle < now:
        end_session(found, "idle timeout")
        return None
    if _aware(found.created_at) + absolute < now:
        end_session(found, "absolute timeout")
        return None
    if _aware(found.last_seen_at) + timedelta(seconds=60) < now:  # one write a minute, not per request
        found.last_seen_at = now
    return found


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def end_session(login_session: LoginSession, reason: str) -> None:
    login_session.ended_at = utcnow()
    login_session.ended_reason = reason


def end_session_for_token(token: str | None, reason: str) -> None:
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason)
        )


def end_all_sessions(user: User, reason: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def assigned_tenants(user: User) -> list[Tenant]:
    """The tenants a person may work in, through the assignment table for provider staff."""
    if user.role in FIRM_ROLES:
        return [user.home_tenant] if user.home_tenant and user.home_tenant.active else []
    if user.role in PROVIDER_ROLES:
        return list(db.session.execute(
            select(Tenant).join(SpecialistAssignment, SpecialistAssignment.tenant_id == Tenant.id)
            .where(SpecialistAssignment.user_id == user.id, Tenant.active.is_(True))
            .order_by(Tenant.name)
        ).scalars())
    return []


def firm_users_query(tenant_id: int):
    return select(User).where(User.home_tenant_id == tenant_id).order_by(User.name)


def provider_staff_query():
    return select(User).where(User.role.in_(PROVIDER_ROLES)).order_by(User.name)

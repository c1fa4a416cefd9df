"""Passwords, sign-in sessions and who may work in which tenant."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property, lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, or_, select, update

from . import audit
from .config import password_hashing
from .extensions import db
from .models import FIRM_ROLES, PROVIDER_ROLES, LoginSession, SpecialistAssignment, Tenant, User, utcnow
from .sign_ins import end_other_sessions
from .utc import as_utc


class _Hashing:
    """The process's argon2id hasher (parameters from config.py), built on first use, not at import."""

    def __init__(self, parameters: dict | None = None):
        self.parameters = parameters

    @cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(**(self.parameters or password_hashing()))

    @cached_property
    def dummy_hash(self) -> str:
        # Verified against when the e-mail is unknown, so both failures take the same time.
        return self.hasher.hash(secrets.token_urlsafe(16))


_hashing = _Hashing()


def configure_password_hashing(parameters: dict) -> None:
    """Use these argon2id parameters from now on (create_app passes PASSWORD_HASHING); one set per process."""
    global _hashing
    if parameters != _hashing.parameters:
        _hashing = _Hashing(dict(parameters))


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
    return _hashing.hasher.hash(password)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Check a secret against an argon2 hash made by hash_password (recovery codes use this too)."""
    try:
        return _hashing.hasher.verify(secret_hash, secret)
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


def authenticate(email: str, password: str) -> list[User]:
    """The active accounts this address and password open: one, almost always. Accounts belong to one firm (or to
    the provider), so one address may have an account in two firms; a person whose password opens both chooses."""
    candidates = db.session.execute(select(User).where(User.email == email.strip().lower())
                                    .order_by(User.id)).scalars().all()
    opened = []
    for user in candidates or [None]:  # the dummy hash keeps an unknown address as slow as a known one
        try:
            _hashing.hasher.verify(user.password_hash if user else _hashing.dummy_hash, password)
        except (VerificationError, InvalidHashError):
            continue
        if user is None or not may_sign_in(user):
            continue
        if _hashing.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        opened.append(user)
    return opened


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
    if as_utc(found.last_seen_at) + idle < now:
        end_session(found, "idle timeout")
        return None
    if as_utc(found.created_at) + absolute < now:
        end_session(found, "absolute timeout")
        return None
    if as_utc(found.last_seen_at) + timedelta(seconds=60) < now:  # one write a minute, not per request
        found.last_seen_at = now
    return found


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


def members_query(tenant_id: int, roles: Iterable[str] | None = None, active_only: bool = True):
    """People who work for firm T, by name: its own people, and the provider staff assigned to it.

    ``roles`` narrows it (e.g. ``("attorney", "firm_admin")``); ``active_only=False`` includes
    deactivated accounts. The one place that answers "who works for this firm".
    """
    wanted = tuple(roles) if roles is not None else FIRM_ROLES + PROVIDER_ROLES
    assigned = select(SpecialistAssignment.user_id).where(SpecialistAssignment.tenant_id == tenant_id)
    conditions = [or_(and_(User.role.in_(FIRM_ROLES), User.home_tenant_id == tenant_id),
                      and_(User.role.in_(PROVIDER_ROLES), User.id.in_(assigned))),
                  User.role.in_(wanted)]
    if active_only:
        conditions.append(User.active.is_(True))
    return select(User).where(*conditions).order_by(User.name)


def firm_users_query(tenant_id: int):
    return select(User).where(User.home_tenant_id == tenant_id).order_by(User.name)


def provider_staff_query():
    return select(User).where(User.role.in_(PROVIDER_ROLES)).order_by(User.name)


# --- People, firms and assignments (the admin pages and the command line call these) ----------------------

class AccountInputError(ValueError):
    """A person or firm cannot be saved as given; ``field`` is the argument it concerns, the message says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _require_free_email(email: str, field: str, home_tenant_id: int | None, editing_id: int | None = None) -> None:
    """An address names one account among a firm's people (or among the provider's staff). Whether it has an
    account in another firm or at the provider is never consulted, so no answer can reveal it (issue 11 item 12)."""
    same_scope = User.home_tenant_id == home_tenant_id if home_tenant_id is not None else User.home_tenant_id.is_(None)
    taken = db.session.execute(select(User.id).where(User.email == email, same_scope)).scalar()
    if taken is not None and taken != editing_id:
        where = "this firm" if home_tenant_id is not None else "the provider's staff"
        raise AccountInputError(field, f"Someone in {where} already uses this e-mail address.")


def _require_policy(password: str, email: str, field: str) -> None:
    try:
        check_password_policy(password, email)
    except PasswordRejected as rejected:
        raise AccountInputError(field, str(rejected)) from None


def create_user(name: str, email: str, role: str, password: str, home_tenant_id: int | None = None,
                active: bool = True) -> User:
    """A new account (firm people have a home tenant; provider staff work through assignments)."""
    email = email.strip().lower()
    _require_free_email(email, "email", home_tenant_id)
    _require_policy(password, email, "password")
    user = User(name=name.strip(), email=email, role=role, active=active, home_tenant_id=home_tenant_id,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def change_own_password(user: User, current: str, new: str, keep_session_id: int | None) -> int:
    """A person changes their own password: the current one first, the policy for the new one; every other
    session of theirs ends (a thief's included), this one goes on. Returns how many sessions ended."""
    if not verify_secret(user.password_hash, current):
        raise AccountInputError("current_password", "That is not your current password.")
    if new == current:
        raise AccountInputError("new_password", "Choose a password different from the current one.")
    _require_policy(new, user.email, "new_password")
    user.password_hash = hash_password(new)
    ended = end_other_sessions(user, keep_session_id, "password changed")
    audit.record("password_changed", summary=f"{user.email} changed their password; {ended} other session(s) ended",
                 tenant_id=user.home_tenant_id, target=user)
    return ended


def set_date_format(user: User, date_format: str, known: dict) -> None:
    """How this person reads dates on the pages; one of the known formats (app/web/local_time.DATE_FORMATS)."""
    if date_format not in known:
        raise AccountInputError("date_format", f"Choose one of: {', '.join(known)}.")
    user.date_format = date_format


def update_user(user: User, name: str, email: str, role: str, active: bool, by: User) -> None:
    """Change a person's details; deactivating ends their sessions. Nobody changes their own role or access."""
    if user.id == by.id and (role != user.role or not active):
        raise AccountInputError("role", "You cannot change your own role or deactivate yourself. Ask another admin.")
    email = email.strip().lower()
    _require_free_email(email, "email", user.home_tenant_id, editing_id=user.id)
    was_active = user.active
    user.name, user.email, user.role, user.active = name.strip(), email, role, active
    if was_active and not active:
        disable_account(user)


def _require_free_slug(slug: str, editing_id: int | None = None) -> None:
    taken = db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar()
    if taken is not None and taken != editing_id:
        raise AccountInputError("slug", "Another firm already uses this short code.")


def create_tenant(name: str, slug: str, time_zone: str, active: bool, admin_name: str, admin_email: str,
                  admin_password: str) -> Tenant:
    """A new client firm with its first firm admin."""
    _require_free_slug(slug)
    _require_policy(admin_password, admin_email, "admin_password")
    tenant = Tenant(name=name.strip(), slug=slug, time_zone=time_zone, active=active)
    db.session.add(tenant)
    db.session.flush()
    create_user(admin_name, admin_email, "firm_admin", admin_password, home_tenant_id=tenant.id)
    return tenant


def update_tenant(tenant: Tenant, name: str, slug: str, time_zone: str, active: bool) -> None:
    _require_free_slug(slug, editing_id=tenant.id)
    tenant.name, tenant.slug, tenant.time_zone, tenant.active = name, slug, time_zone, active


def set_assignments(person: User, tenant_ids: Iterable[int]) -> None:
    """The firms a provider staff member works for, exactly these from now on."""
    wanted = set(tenant_ids)
    current = set(db.session.execute(select(SpecialistAssignment.tenant_id)
                                     .where(SpecialistAssignment.user_id == person.id)).scalars())
    for tenant_id in wanted - current:
        db.session.add(SpecialistAssignment(user_id=person.id, tenant_id=tenant_id))
    for assignment in db.session.execute(select(SpecialistAssignment).where(
            SpecialistAssignment.user_id == person.id,
            SpecialistAssignment.tenant_id.in_(current - wanted))).scalars():
        db.session.delete(assignment)

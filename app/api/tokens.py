"""Per-user API tokens: shown once, stored as a SHA-256 hash, scoped, expiring, revocable, tied to one tenant."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Tenant, User, utcnow
from ..utc import UtcDateTime, as_utc

SCOPES = {"read": "Read only", "read_write": "Read and write"}
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365
TOKEN_PATTERN = re.compile(r"^pd_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")


class ApiTokenError(ValueError):
    """A token request that cannot be honoured; the message is for the person who asked."""


class ApiToken(db.Model):
    """One person's credential for the API in one tenant. Only the secret's hash is kept.

    Not TenantScoped: it is looked up by its prefix before any tenant is chosen, and the tenant it
    names is checked against the owner's live assignments on every use.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def scope(self) -> str:
        return "read_write" if self.can_write else "read"

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and as_utc(self.expires_at) > (now or utcnow())




def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, tenant: Tenant, name: str, scope: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """Make a token; the returned plain text is the only time the secret exists outside the caller."""
    if scope not in SCOPES:
        raise ApiTokenError(f"Choose one of: {', '.join(SCOPES)}.")
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise ApiTokenError(f"A token lives between 1 and {MAX_LIFETIME_DAYS} days.")
    if not name.strip():
        raise ApiTokenError("Give the token a name, so you recognise it later.")
    prefix = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)  # 32 random bytes
    token = ApiToken(prefix=prefix, secret_hash=_secret_hash(secret), name=name.strip()[:100], user_id=user.id,
                     tenant_id=tenant.id, can_write=scope == "read_write",
                     expires_at=utcnow() + timedelta(days=lifetime_days))
    db.session.add(token)
    db.session.flush()
    return token, f"pd_{prefix}_{secret}"


def find_live_token(presented: str) -> ApiToken | None:
    """The live token behind a presented string, compared in constant time; None for anything else."""
    match = TOKEN_PATTERN.match(presented or "")
    if match is None:
        return None
    prefix, secret = match.groups()
    token = db.session.execute(select(ApiToken).where(ApiToken.prefix == prefix)).scalar_one_or_none()
    if token is None or not hmac.compare_digest(token.secret_hash, _secret_hash(secret)):
        return None
    return token if token.is_live() else None


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars())


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()

"""Encryption keys: the key-encryption key (KEK) from configuration, per-firm data keys it wraps, rotation, destruction.

Invariants:
- A firm's data keys exist in the database only wrapped (AES-GCM) by a KEK; the KEK lives only in
  configuration (``PATENTDESK_KEK`` or ``PATENTDESK_KEK_FILE``), never in the database or on the
  file store. Each wrapped key names the KEK that wrapped it (``kek_id``, a fingerprint, not the key).
- Retired KEKs (``PATENTDESK_RETIRED_KEKS``) still unwrap, so a new KEK can be deployed first and
  ``flask keys rotate`` re-wraps afterwards while the app keeps serving: no downtime.
- A data key is unwrapped on every use and never cached, so destroying a firm's data keys
  (``destroy_data_keys``) makes its files unreadable at once: crypto-shredding.
- Small account secrets that are not a firm's (TOTP seeds) are sealed directly under the KEK.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import LargeBinary, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import utcnow
from .tenancy import TenantScoped
from .utc import UtcDateTime

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12


class MissingKek(RuntimeError):
    """The KEK that wrapped something is not configured (neither current nor retired)."""


class DataKeyDestroyed(RuntimeError):
    """The firm's data key is gone: whatever it encrypted can no longer be read."""


class FirmDataKey(TenantScoped, db.Model):
    """One version of a firm's data key, wrapped by a KEK. The newest version encrypts new files."""

    __tablename__ = "firm_data_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column()
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)  # nonce + AES-GCM(KEK, data key)
    kek_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- The KEK -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kek:
    key: bytes

    @property
    def kek_id(self) -> str:
        """A fingerprint that names the KEK without revealing it."""
        return hashlib.sha256(b"patentdesk kek id\x00" + self.key).hexdigest()[:16]


def _keks() -> list[Kek]:
    """The current KEK first, then retired ones that may still unwrap."""
    return [Kek(key) for key in current_app.config["KEY_ENCRYPTION_KEYS"]]


def current_kek() -> Kek:
    return _keks()[0]


def _kek_named(kek_id: str) -> Kek:
    for kek in _keks():
        if kek.kek_id == kek_id:
            return kek
    raise MissingKek(f"the KEK {kek_id} is not configured: add it to PATENTDESK_RETIRED_KEKS until "
                     f"`flask keys rotate` has re-wrapped everything")


def _encrypt(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _decrypt(key: bytes, sealed: bytes, context: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)


# --- Account secrets sealed under the KEK ------------------------------------------------------------

def seal(plaintext: bytes, context: str) -> str:
    """Encrypt a small secret under the current KEK; ``context`` binds it to where it is stored."""
    kek = current_kek()
    sealed = _encrypt(kek.key, plaintext, context.encode())
    return f"{kek.kek_id}:{base64.b64encode(sealed).decode()}"


def unseal(text: str, context: str) -> bytes:
    kek_id, _, body = text.partition(":")
    return _decrypt(_kek_named(kek_id).key, base64.b64decode(body), context.encode())


def needs_resealing(text: str) -> bool:
    return not text.startswith(current_kek().kek_id + ":")


# --- Per-firm data keys ------------------------------------------------------------------------------

def _wrap_context(tenant_id: int, version: int) -> bytes:
    # Binds a wrapped key to its firm and version: a row copied to another firm does not unwrap.
    return f"patentdesk firm data key\x00{tenant_id}\x00{version}".encode()


def _wrap(tenant_id: int, version: int, data_key: bytes) -> tuple[str, bytes]:
    kek = current_kek()
    return kek.kek_id, _encrypt(kek.key, data_key, _wrap_context(tenant_id, version))


def _unwrap(row: FirmDataKey) -> bytes:
    return _decrypt(_kek_named(row.kek_id).key, row.wrapped_key, _wrap_context(row.tenant_id, row.version))


def _newest(tenant_id: int) -> FirmDataKey | None:
    return db.session.execute(select(FirmDataKey).where(FirmDataKey.tenant_id == tenant_id)
                              .order_by(FirmDataKey.version.desc()).limit(1)).scalar_one_or_none()


def add_data_key_version(tenant_id: int) -> FirmDataKey:
    """A new data key for the firm; it encrypts new files from now on, older versions still decrypt."""
    newest = db.session.execute(select(func.max(FirmDataKey.version))
                                .where(FirmDataKey.tenant_id == tenant_id)).scalar()
    version = (newest or 0) + 1
    kek_id, wrapped = _wrap(tenant_id, version, os.urandom(KEY_BYTES))
    row = FirmDataKey(tenant_id=tenant_id, version=version, wrapped_key=wrapped, kek_id=kek_id)
    db.session.add(row)
    db.session.flush()
    return row


def encryption_key(tenant_id: int) -> tuple[int, bytes]:
    """(version, key) of the firm's newest data key, made on first use. Call inside the firm's scope."""
    row = _newest(tenant_id)
    if row is None:
        try:
            with db.session.begin_nested():  # two first uploads at once: one wins, the other reads it
                row = add_data_key_version(tenant_id)
        except IntegrityError:
            row = _newest(tenant_id)
    return row.version, _unwrap(row)


def decryption_key(tenant_id: int, version: int) -> bytes:
    row = db.session.execute(select(FirmDataKey).where(FirmDataKey.tenant_id == tenant_id,
                                                       FirmDataKey.version == version)).scalar_one_or_none()
    if row is None:
        raise DataKeyDestroyed(f"data key version {version} of firm {tenant_id} does not exist")
    return _unwrap(row)


def data_key_versions(tenant_id: int) -> list[int]:
    return list(db.session.execute(select(FirmDataKey.version).where(FirmDataKey.tenant_id == tenant_id)
                                   .order_by(FirmDataKey.version)).scalars())


def destroy_data_keys(tenant_id: int) -> int:
    """Crypto-shredding: delete every version of the firm's data key. Nothing it encrypted reads again."""
    rows = db.session.execute(select(FirmDataKey).where(FirmDataKey.tenant_id == tenant_id)).scalars().all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def rewrap_data_keys(tenant_id: int) -> int:
    """Re-wrap the firm's data keys under the current KEK (the keys themselves stay the same)."""
    changed = 0
    current = current_kek()
    for row in db.session.execute(select(FirmDataKey).where(FirmDataKey.tenant_id == tenant_id)).scalars():
        if row.kek_id != current.kek_id:
            row.wrapped_key = _encrypt(current.key, _unwrap(row), _wrap_context(row.tenant_id, row.version))
            row.kek_id = current.kek_id
            changed += 1
    db.session.flush()
    return changed


def delete_data_key_versions_below(tenant_id: int, version: int) -> int:
    """After every file has moved to ``version``, the older keys only add risk."""
    rows = db.session.execute(select(FirmDataKey).where(FirmDataKey.tenant_id == tenant_id,
                                                        FirmDataKey.version < version)).scalars().all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)

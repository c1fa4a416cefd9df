"""Settings read from the environment; SQLite and inline jobs when nothing is configured."""
import base64
import binascii
import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when PATENTDESK_ENV=production.")
    # Development: generate once so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def parse_kek(text: str) -> bytes:
    """A key-encryption key written as 64 hex digits or as base64 of 32 bytes."""
    value = text.strip()
    try:
        key = bytes.fromhex(value) if len(value) == 64 else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != 32:
        raise ConfigError("A KEK is 32 random bytes written as 64 hex digits or base64; make one with "
                          "`python -c 'import secrets; print(secrets.token_hex(32))'`.")
    return key


def _key_encryption_keys(instance_path: Path, production: bool) -> list[bytes]:
    """The current KEK first (PATENTDESK_KEK, else the file PATENTDESK_KEK_FILE), then retired ones that still unwrap."""
    text = os.environ.get("PATENTDESK_KEK")
    if not text and os.environ.get("PATENTDESK_KEK_FILE"):
        text = Path(os.environ["PATENTDESK_KEK_FILE"]).read_text(encoding="ascii")
    if not text:
        if production:
            raise ConfigError("PATENTDESK_KEK or PATENTDESK_KEK_FILE must be set when PATENTDESK_ENV=production.")
        # Development: generate once so stored files stay readable across restarts.
        key_file = instance_path / "kek"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        text = key_file.read_text()
    retired = [part for part in os.environ.get("PATENTDESK_RETIRED_KEKS", "").split(",") if part.strip()]
    return [parse_kek(text)] + [parse_kek(part) for part in retired]


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    production = os.environ.get("PATENTDESK_ENV", "development") == "production"
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "PRODUCTION": production,
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'patentdesk.sqlite3'}",
        # The role that owns the schema runs migrations; the app's role does not own tables,
        # so PostgreSQL row-level security applies to it.
        "MIGRATION_DATABASE_URL": os.environ.get("MIGRATION_DATABASE_URL") or None,
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "patentdesk_app"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_THROTTLE_PER_ACCOUNT": os.environ.get("LOGIN_THROTTLE_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_THROTTLE_PER_ADDRESS": os.environ.get("LOGIN_THROTTLE_PER_ADDRESS", "30 per 15 minutes"),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))),
        "SESSION_COOKIE_NAME": "__Host-patentdesk" if production else "patentdesk",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead, which expires on its own
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "false").lower() == "true",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "PatentDesk <docketing@patentdesk.invalid>"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR") or str(instance / "search-index"),
        "SEARCH_ENGINES": os.environ.get("SEARCH_ENGINES", ""),  # e.g. "public=tantivy"; Whoosh otherwise
        "SEARCH_TIME_BUDGET_SECONDS": float(os.environ.get("SEARCH_TIME_BUDGET_SECONDS", "1.0")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        # Issue 19: keys, second factors, exports and offboarding.
        "KEY_ENCRYPTION_KEYS": _key_encryption_keys(instance, production),
        "TWO_FACTOR_THROTTLE_PER_ACCOUNT": os.environ.get("TWO_FACTOR_THROTTLE_PER_ACCOUNT", "5 per 15 minutes"),
        "TWO_FACTOR_FRESH_MINUTES": int(os.environ.get("TWO_FACTOR_FRESH_MINUTES", "10")),
        "EXPORT_DOWNLOAD_HOURS": int(os.environ.get("EXPORT_DOWNLOAD_HOURS", "24")),
        "OFFBOARDING_RETENTION_DAYS": int(os.environ.get("OFFBOARDING_RETENTION_DAYS", "30")),
        # Issue 12: when /healthz calls reminder delivery late (503).
        "REMINDER_SWEEP_LATE_MINUTES": int(os.environ.get("REMINDER_SWEEP_LATE_MINUTES", "5")),
        "REMINDER_WAIT_ALERT_MINUTES": int(os.environ.get("REMINDER_WAIT_ALERT_MINUTES", "15")),
        # Development (`make run`): mail is kept in memory and shown at /dev/mail; the sweep runs on a timer.
        "MAIL_CAPTURE": os.environ.get("MAIL_CAPTURE", "false").lower() == "true" and not production,
        "REMINDER_SWEEP_TIMER_SECONDS": int(os.environ.get("REMINDER_SWEEP_TIMER_SECONDS", "0")),
        "REMINDER_SMTP_CONNECTIONS": int(os.environ.get("REMINDER_SMTP_CONNECTIONS", "4")),
    }

"""Settings read from the environment; SQLite and inline jobs when nothing is configured."""
import base64
import binascii
import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


# Typed readers: every setting is read here, once, and a malformed value stops the start with its name.

def _text(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _integer(name: str, default: int, minimum: int = 0) -> int:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def _number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}.") from None
    if not value > 0:
        raise ConfigError(f"{name} must be above 0, not {text!r}.")
    return value


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _flag(name: str, default: bool) -> bool:
    text = (os.environ.get(name) or "").strip().lower()
    if not text:
        return default
    if text not in _TRUE + _FALSE:
        raise ConfigError(f"{name} must be true or false, not {text!r}.")
    return text in _TRUE


def _rate_limit(name: str, default: str) -> str:
    """A Flask-Limiter rate such as "5 per 15 minutes" or "600/minute"."""
    from limits import parse_many

    text = os.environ.get(name) or default
    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(f"{name} must be a rate like '5 per 15 minutes', not {text!r}.") from None
    return text


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
    """The current KEK first (PATENTDESK_KEK, else the file PATENTDESK_KEK_FILE), then retired ones that unwrap."""
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


# argon2id at OWASP's second recommended profile raised to 64 MiB and 3 passes. Only the test suite lowers it
# (tests/conftest.py); tests/security/test_passwords.py checks these production values.
PRODUCTION_PASSWORD_HASHING = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2}


def password_hashing(environ=os.environ) -> dict:
    """argon2id parameters: PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_PARALLELISM."""
    names = {"time_cost": "PASSWORD_HASH_TIME_COST", "memory_cost": "PASSWORD_HASH_MEMORY_KIB",
             "parallelism": "PASSWORD_HASH_PARALLELISM"}
    settings = {}
    for key, name in names.items():
        text = environ.get(name)
        try:
            settings[key] = int(text) if text else PRODUCTION_PASSWORD_HASHING[key]
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {text!r}.") from None
    return settings


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    environment = _text("PATENTDESK_ENV", "development")
    if environment not in ("development", "production"):
        raise ConfigError(f"PATENTDESK_ENV must be development or production, not {environment!r}.")
    production = environment == "production"
    redis_url = _text("REDIS_URL")
    session_hours = _integer("SESSION_ABSOLUTE_HOURS", 12, minimum=1)
    upload_mb = _number("MAX_UPLOAD_MB", 25.0)
    return {
        "PRODUCTION": production,
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": _text("DATABASE_URL", f"sqlite:///{instance / 'patentdesk.sqlite3'}"),
        # The role that owns the schema runs migrations; the app's role does not own tables,
        # so PostgreSQL row-level security applies to it.
        "MIGRATION_DATABASE_URL": _text("MIGRATION_DATABASE_URL"),
        "DATABASE_APP_ROLE": _text("DATABASE_APP_ROLE", "patentdesk_app"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_THROTTLE_PER_ACCOUNT": _rate_limit("LOGIN_THROTTLE_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_THROTTLE_PER_ADDRESS": _rate_limit("LOGIN_THROTTLE_PER_ADDRESS", "30 per 15 minutes"),
        # Per account from any address: the slow backstop against a guesser with many addresses.
        "LOGIN_THROTTLE_PER_ACCOUNT_GLOBAL": _rate_limit("LOGIN_THROTTLE_PER_ACCOUNT_GLOBAL", "50 per hour"),
        # How many reverse proxies in front of the app set X-Forwarded-For; 0 ignores the header.
        "TRUSTED_PROXIES": _integer("TRUSTED_PROXIES", 0, minimum=0),
        "API_READ_RATE_LIMIT": _rate_limit("API_READ_RATE_LIMIT", "600 per minute"),
        "API_WRITE_RATE_LIMIT": _rate_limit("API_WRITE_RATE_LIMIT", "60 per minute"),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_integer("SESSION_IDLE_MINUTES", 30, minimum=1)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=session_hours),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        "SESSION_COOKIE_NAME": "__Host-patentdesk" if production else "patentdesk",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead, which expires on its own
        # Tests set it to see the error pages a deployment shows (otherwise a test sees the exception).
        "SHOW_ERROR_PAGES": False,
        "MAIL_SERVER": _text("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _integer("MAIL_PORT", 25, minimum=1),
        "MAIL_USERNAME": _text("MAIL_USERNAME"),
        "MAIL_PASSWORD": _text("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_FROM": _text("MAIL_FROM", "PatentDesk <docketing@patentdesk.invalid>"),
        "BASE_URL": _text("BASE_URL", "http://127.0.0.1:5000"),
        "SEARCH_INDEX_DIR": _text("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "SEARCH_ENGINES": _text("SEARCH_ENGINES", ""),  # e.g. "public=tantivy"; Whoosh otherwise
        "SEARCH_TIME_BUDGET_SECONDS": _number("SEARCH_TIME_BUDGET_SECONDS", 1.0),
        "UPLOAD_DIR": _text("UPLOAD_DIR", str(instance / "uploads")),
        "REMINDER_ACK_MAX_AGE_SECONDS": _integer("REMINDER_ACK_MAX_AGE_DAYS", 60, minimum=1) * 86400,
        # One limit for every uploaded file (requests, deliveries, draft files, patent imports); a request may
        # carry a few files, so the whole body may be four times that (app/uploads.py).
        "MAX_UPLOAD_BYTES": int(upload_mb * 1024 * 1024),
        "MAX_CONTENT_LENGTH": int(upload_mb * 1024 * 1024) * 4 + 1024 * 1024,
        "PASSWORD_HASHING": password_hashing(),
        # Issue 19: keys, second factors, exports and offboarding.
        "KEY_ENCRYPTION_KEYS": _key_encryption_keys(instance, production),
        "TWO_FACTOR_THROTTLE_PER_ACCOUNT": _rate_limit("TWO_FACTOR_THROTTLE_PER_ACCOUNT", "5 per 15 minutes"),
        "TWO_FACTOR_FRESH_MINUTES": _integer("TWO_FACTOR_FRESH_MINUTES", 10, minimum=1),
        "EXPORT_DOWNLOAD_HOURS": _integer("EXPORT_DOWNLOAD_HOURS", 24, minimum=1),
        "OFFBOARDING_RETENTION_DAYS": _integer("OFFBOARDING_RETENTION_DAYS", 30),
        # Issue 12: when /healthz calls reminder delivery late (503).
        "REMINDER_SWEEP_LATE_MINUTES": _integer("REMINDER_SWEEP_LATE_MINUTES", 5, minimum=1),
        "REMINDER_WAIT_ALERT_MINUTES": _integer("REMINDER_WAIT_ALERT_MINUTES", 15, minimum=1),
        # Development (`make run`): mail is kept in memory and shown at /dev/mail; the sweep runs on a timer.
        "MAIL_CAPTURE": _flag("MAIL_CAPTURE", False) and not production,
        "REMINDER_SWEEP_TIMER_SECONDS": _integer("REMINDER_SWEEP_TIMER_SECONDS", 0),
        "REMINDER_SMTP_CONNECTIONS": _integer("REMINDER_SMTP_CONNECTIONS", 4, minimum=1),
    }

"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with a non-owner app role), two firms,
the provider's staff, and a sign-in helper.

TEST_DATABASE=postgresql runs the suite against 127.0.0.1:5432 and Redis on 127.0.0.1:6379; a missing
server is an error, never a skip. Each run uses a database and Redis databases of its own (tests/resources.py).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import pyotp
import pytest
from sqlalchemy import create_engine, text, update

from app import create_app, two_factor
from app.accounts import hash_password
from app.extensions import db
from app.models import SpecialistAssignment, Tenant, User
from tests import resources

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = resources.postgres_database_name()
OWNER_ROLE, APP_ROLE = "patentdesk_owner", "patentdesk_app"
REDIS_URL = resources.claim_redis_url("main")
PASSWORD = "correct horse battery staple"
# One key-encryption key for the run, as a deployment sets it: workers and the production-path
# deployment started by tests inherit it, so they read the files the tests store and vice versa.
os.environ.setdefault("PATENTDESK_KEK", secrets.token_hex(32))
# argon2id at its cheapest (production's 64 MiB x 3 passes doubled the run); processes the tests start inherit it.
# tests/security/test_passwords.py checks the production parameters with `production_password_hashing`.
for _name, _value in (("PASSWORD_HASH_TIME_COST", "1"), ("PASSWORD_HASH_MEMORY_KIB", "8"),
                      ("PASSWORD_HASH_PARALLELISM", "1")):
    os.environ.setdefault(_name, _value)


def _pg_url(role: str) -> str:
    return f"postgresql+psycopg://{role}@127.0.0.1:5432/{PG_DB}"


def _prepare_postgres() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role, options in ((OWNER_ROLE, "LOGIN"),
                              (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
                conn.execute(text(f"CREATE ROLE {role} {options}"))
        existing = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'patentdesk\\_test\\_%'"))
        for stale in resources.stale_postgres_databases(list(existing.scalars())):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}" OWNER {OWNER_ROLE}'))
    admin.dispose()


def _drop_postgres() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_config(tmp_path_factory, request):
    if BACKEND == "postgresql":
        _prepare_postgres()
        request.addfinalizer(_drop_postgres)
        config = {"SQLALCHEMY_DATABASE_URI": _pg_url(APP_ROLE), "MIGRATION_DATABASE_URL": _pg_url(OWNER_ROLE),
                  "DATABASE_APP_ROLE": APP_ROLE, "RATELIMIT_STORAGE_URI": REDIS_URL}
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    app = create_app({"TESTING": True, **config})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade(revision="heads")
    return config


def _empty_all_tables(config) -> None:
    url = config.get("MIGRATION_DATABASE_URL") or config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture
def app(database_config, tmp_path):
    app = create_app({
        "TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": None,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"), "UPLOAD_DIR": str(tmp_path / "uploads"),
        **database_config,
    })
    if BACKEND == "postgresql":
        import redis
        redis.Redis.from_url(REDIS_URL).flushdb()
    with app.app_context():
        yield app
        db.session.remove()
    _empty_all_tables(database_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def production_password_hashing():
    """argon2id with the production parameters for one test (the suite runs with the cheapest)."""
    from app import accounts, config
    accounts.configure_password_hashing(config.PRODUCTION_PASSWORD_HASHING)
    yield config.PRODUCTION_PASSWORD_HASHING
    accounts.configure_password_hashing(config.password_hashing())


@dataclass
class World:
    """Two firms, their people, and the provider's staff."""

    firm_a: Tenant
    firm_b: Tenant
    people: dict[str, User]

    def __getitem__(self, key: str) -> User:
        return self.people[key]


@pytest.fixture
def world(app, password_hash) -> World:
    firm_a = Tenant(name="Acme IP LLP", slug="acme", time_zone="America/New_York")
    firm_b = Tenant(name="Borealis Patent Group", slug="borealis", time_zone="Europe/Berlin")
    db.session.add_all([firm_a, firm_b])
    db.session.flush()
    people = {}
    for tag, firm in (("a", firm_a), ("b", firm_b)):
        for role in ("firm_admin", "attorney", "paralegal", "viewer"):
            people[f"{tag}_{role}"] = User(email=f"{role}@{firm.slug}.test", name=f"{firm.slug} {role}",
                                           role=role, home_tenant_id=firm.id, password_hash=password_hash)
    for key, role in (("provider_admin", "provider_admin"), ("specialist_a", "specialist"),
                      ("specialist_both", "specialist")):
        people[key] = User(email=f"{key}@provider.test", name=key.replace("_", " "), role=role,
                           password_hash=password_hash)
    db.session.add_all(people.values())
    db.session.flush()
    db.session.add_all([
        SpecialistAssignment(user_id=people["specialist_a"].id, tenant_id=firm_a.id),
        SpecialistAssignment(user_id=people["specialist_both"].id, tenant_id=firm_a.id),
        SpecialistAssignment(user_id=people["specialist_both"].id, tenant_id=firm_b.id),
        SpecialistAssignment(user_id=people["provider_admin"].id, tenant_id=firm_a.id),
    ])
    for key in ("provider_admin", "specialist_a", "specialist_both"):
        enrol_authenticator(people[key])  # provider staff must use a second factor
    db.session.commit()
    return World(firm_a, firm_b, people)


# The seeds of the authenticator apps tests set up, by e-mail, so the sign-in helper can answer.
TOTP_SECRETS: dict[str, str] = {}


def enrol_authenticator(user: User) -> str:
    """Set up an authenticator app for someone the way a person does: scan, then type the current code."""
    secret = pyotp.parse_uri(two_factor.start_totp_enrolment(user)).secret
    assert two_factor.confirm_totp(user, pyotp.TOTP(secret).now())
    TOTP_SECRETS[user.email] = secret
    return secret


def current_code(user: User) -> str:
    """The code the person's authenticator app shows now.

    Tests sign the same person in several times within one 30-second step, which a person cannot;
    so the record of the last step used is forgotten first. tests/test_two_factor.py proves that a
    code used once is refused the second time.
    """
    db.session.execute(update(two_factor.TotpAuthenticator).where(two_factor.TotpAuthenticator.user_id == user.id)
                       .values(last_used_step=None))
    db.session.commit()
    return pyotp.TOTP(TOTP_SECRETS[user.email]).now()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user: User, tenant: Tenant | None = None):
        response = self.client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if response.location.endswith("/login/second-factor"):
            response = self.client.post("/login/second-factor", data={"code": current_code(user)})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if tenant is not None and user.is_provider:
            chosen = self.client.post("/tenants/choose", data={"tenant_id": tenant.id})
            assert chosen.status_code == 302
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app):
    """A fresh signed-in client per person: login_as(world['a_attorney'])."""
    def make(user: User, tenant: Tenant | None = None):
        client = app.test_client()
        AuthActions(client).login(user, tenant or (None if not user.is_provider else _first_assigned(user)))
        return client
    return make


def _first_assigned(user: User) -> Tenant | None:
    from app.accounts import assigned_tenants
    tenants = assigned_tenants(user)
    return tenants[0] if tenants else None

"""Alembic environment: one schema for SQLite and PostgreSQL, plus PostgreSQL's second line of defence.

Migrations run as the role that owns the tables (MIGRATION_DATABASE_URL, else DATABASE_URL). After
every upgrade on PostgreSQL, each tenant-scoped table gets FORCE ROW LEVEL SECURITY and a policy on
``app.tenant_ids``, and the app's role (DATABASE_APP_ROLE) gets data privileges but owns nothing.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, text

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)  # keep the app's loggers
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
TENANT_POLICY = (
    "tenant_id = ANY (string_to_array(NULLIF(current_setting('app.tenant_ids', true), ''), ',')::int[])"
)
APPEND_ONLY_TABLES = ("audit_entries",)


def get_metadata():
    return target_db.metadata


def migration_engine():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    return create_engine(url) if url else target_db.engine


def tenant_scoped_tables() -> list[str]:
    from app.tenancy import TenantScoped
    return sorted(mapper.local_table.name for mapper in target_db.Model.registry.mappers
                  if issubclass(mapper.class_, TenantScoped))


def secure_postgres(connection) -> None:
    existing = set(connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    for table in tenant_scoped_tables():
        if table not in existing:
            continue
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        connection.execute(text(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"'))
        connection.execute(text(
            f'CREATE POLICY tenant_isolation ON "{table}" USING ({TENANT_POLICY}) WITH CHECK ({TENANT_POLICY})'))
    role = current_app.config["DATABASE_APP_ROLE"]
    if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
        logger.warning("role %s does not exist: grant it data privileges yourself", role)
        return
    connection.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
    connection.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
    connection.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    connection.execute(text(f'REVOKE ALL ON alembic_version FROM "{role}"'))
    for table in APPEND_ONLY_TABLES:
        if table in existing:
            connection.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM "{role}"'))


def run_migrations_offline():
    context.configure(url=str(migration_engine().url), target_metadata=get_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_as_batch", True)  # SQLite alters tables by copying them
    with migration_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "postgresql":
                secure_postgres(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

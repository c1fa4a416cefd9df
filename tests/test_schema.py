"""Every tenant_id column is NOT NULL, indexed, filtered, and (on PostgreSQL) forced under RLS.

ASVS 5.0 8.4.1 (multi-tenant isolation). That the app's PostgreSQL role is neither superuser nor BYPASSRLS
and owns no table is asserted in tests/test_tenancy.py::test_the_app_role_owns_nothing_and_cannot_bypass_rls.
"""
import pytest
from sqlalchemy import inspect, text

from app.extensions import db
from app.tenancy import TenantScoped
from tests.conftest import BACKEND

# Tables that carry tenant_id but are deliberately not filtered, with the reason.
NOT_FILTERED = {
    "specialist_assignments": "the assignment table is how provider staff cross tenants; "
                              "it is read before any tenant is chosen",
    "api_tokens": "a token is looked up by its prefix before any tenant is chosen; the tenant it names is "
                  "checked against its owner's live assignments on every use (app/api/auth.py)",
}


def tenant_scoped_tables():
    return {m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}


def test_every_tenant_id_column_is_not_null_indexed_and_filtered(app):
    inspector = inspect(db.engine)
    scoped = tenant_scoped_tables()
    with_tenant = []
    for table in inspector.get_table_names():
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        if "tenant_id" not in columns:
            continue
        with_tenant.append(table)
        assert columns["tenant_id"]["nullable"] is False, table
        indexed = any(ix["column_names"][0] == "tenant_id" for ix in inspector.get_indexes(table))
        unique_first = any(uq["column_names"][0] == "tenant_id" for uq in inspector.get_unique_constraints(table))
        assert indexed or unique_first, f"{table}.tenant_id is not indexed"
        assert table in scoped or table in NOT_FILTERED, f"{table} has tenant_id but is not TenantScoped"
    assert "matters" in with_tenant


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
def test_every_scoped_table_forces_rls_with_a_policy(app):
    for table in tenant_scoped_tables():
        forced, enabled = db.session.execute(text(
            "SELECT relforcerowsecurity, relrowsecurity FROM pg_class WHERE relname = :t"), {"t": table}).one()
        assert forced and enabled, table
        policies = db.session.execute(text("SELECT count(*) FROM pg_policies WHERE tablename = :t"),
                                      {"t": table}).scalar()
        assert policies >= 1, table


def test_migrations_build_exactly_the_models_schema(app):
    """`flask db upgrade` must build what the models declare, on SQLite and on PostgreSQL alike."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == [], "models and migrations differ; generate a migration:\n" + "\n".join(map(str, differences))

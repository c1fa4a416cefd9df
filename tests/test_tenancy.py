"""The tenant filter, tenant stamping on insert, and PostgreSQL's row-level security behind them."""
import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.patents.docketing.models import Matter
from app.tenancy import TenantScopeError, get_or_404, tenant_scope
from tests import builders
from tests.conftest import APP_ROLE, BACKEND, _pg_url


def add_matter(tenant, reference, **fields) -> int:
    return builders.add_matter(tenant, reference, **fields).id


def references():
    return sorted(db.session.execute(select(Matter.reference)).scalars())


def test_same_query_for_tenant_a_then_b_returns_each_tenants_rows(world):
    add_matter(world.firm_a, "A-1")
    add_matter(world.firm_b, "B-1")
    add_matter(world.firm_b, "B-2")
    # The lambda-cache trap: the second run of the same code must not reuse A's criteria.
    seen = []
    for tenant in (world.firm_a, world.firm_b, world.firm_a):
        with tenant_scope(tenant.id):
            seen.append(references())
    assert seen == [["A-1"], ["B-1", "B-2"], ["A-1"]]


def test_counts_and_aggregates_are_filtered_too(world):
    add_matter(world.firm_a, "A-1")
    add_matter(world.firm_b, "B-1")
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(func.count(Matter.id))).scalar() == 1


def test_no_scope_sees_no_tenant_rows(world):
    add_matter(world.firm_a, "A-1")
    assert references() == []


def test_multi_tenant_scope_reads_exactly_those_tenants(world, app):
    add_matter(world.firm_a, "A-1")
    add_matter(world.firm_b, "B-1")
    with tenant_scope([world.firm_a.id, world.firm_b.id]):
        assert references() == ["A-1", "B-1"]
    with tenant_scope([world.firm_b.id]):
        assert references() == ["B-1"]


def test_identity_map_does_not_bypass_the_filter(world, app):
    matter_id = add_matter(world.firm_a, "A-1")
    with tenant_scope(world.firm_a.id):
        db.session.execute(select(Matter)).scalars().all()  # now in the identity map
        with tenant_scope(world.firm_b.id):
            with pytest.raises(Exception) as refused:
                get_or_404(Matter, matter_id)
            assert getattr(refused.value, "code", None) == 404


def test_insert_takes_the_current_tenant(world):
    matter_id = add_matter(world.firm_b, "B-9")
    with tenant_scope(world.firm_b.id):
        assert db.session.get(Matter, matter_id).tenant_id == world.firm_b.id


def test_insert_outside_a_single_tenant_scope_is_refused(world):
    db.session.add(Matter(reference="X", title="t", jurisdiction="US", application_type="utility"))
    with pytest.raises(TenantScopeError):
        db.session.flush()
    db.session.rollback()
    with tenant_scope(world.firm_a.id):
        db.session.add(Matter(reference="X", title="t", jurisdiction="US", application_type="utility",
                              tenant_id=world.firm_b.id))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_a_row_cannot_be_moved_to_another_tenant(world):
    matter_id = add_matter(world.firm_a, "A-1")
    with tenant_scope([world.firm_a.id, world.firm_b.id]):
        matter = db.session.get(Matter, matter_id)
        matter.tenant_id = world.firm_b.id
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
def test_raw_sql_as_the_app_role_without_the_tenant_setting_reads_nothing(world):
    add_matter(world.firm_a, "A-1")
    add_matter(world.firm_b, "B-1")
    engine = create_engine(_pg_url(APP_ROLE))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 0
        conn.execute(text("SELECT set_config('app.tenant_ids', :v, true)"), {"v": str(world.firm_a.id)})
        assert conn.execute(text("SELECT reference FROM matters")).scalars().all() == ["A-1"]
        conn.rollback()
        # The setting was local to that transaction: it does not leak into the next one.
        assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 0
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text("INSERT INTO matters (tenant_id, reference, title, jurisdiction, application_type, "
                              "status, created_at, updated_at) VALUES (:t, 'X', 'x', 'US', 'utility', 'pending', "
                              "now(), now())"), {"t": world.firm_b.id})
    engine.dispose()


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
def test_the_app_role_owns_nothing_and_cannot_bypass_rls(app):
    row = db.session.execute(text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert tuple(row) == (False, False)
    owned = db.session.execute(text(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")).scalar()
    assert owned == 0

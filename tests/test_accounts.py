"""People, firms and assignments through app/accounts.py (the admin pages and the CLI call these)."""
from __future__ import annotations

import pytest

from app import accounts
from app.extensions import db
from app.models import Tenant


def test_members_query_is_the_firms_own_people_and_its_assigned_staff(world):
    world["a_viewer"].active = False
    db.session.flush()
    members = {u.email for u in db.session.execute(accounts.members_query(world.firm_a.id)).scalars()}
    assert members == {"firm_admin@acme.test", "attorney@acme.test", "paralegal@acme.test",
                       "provider_admin@provider.test", "specialist_a@provider.test", "specialist_both@provider.test"}
    attorneys = db.session.execute(accounts.members_query(world.firm_b.id, ("attorney", "firm_admin"))).scalars()
    assert {u.email for u in attorneys} == {"attorney@borealis.test", "firm_admin@borealis.test"}
    everyone = db.session.execute(accounts.members_query(world.firm_a.id, active_only=False)).scalars()
    assert "viewer@acme.test" in {u.email for u in everyone}


def test_refusals_name_the_field(world):
    with pytest.raises(accounts.AccountInputError) as taken:
        accounts.create_user("Someone", " Attorney@Acme.test ", "attorney", "a long enough password",
                             home_tenant_id=world.firm_a.id)
    assert taken.value.field == "email"
    with pytest.raises(accounts.AccountInputError) as weak:
        accounts.create_user("Someone", "new@acme.test", "attorney", "password", home_tenant_id=world.firm_a.id)
    assert weak.value.field == "password"
    admin = world["a_firm_admin"]
    with pytest.raises(accounts.AccountInputError) as own:
        accounts.update_user(admin, admin.name, admin.email, "attorney", True, by=admin)
    assert own.value.field == "role"
    with pytest.raises(accounts.AccountInputError) as slug:
        accounts.create_tenant("Another", "acme", "Europe/Paris", True, "Boss", "boss@another.test",
                               "a long enough password")
    assert slug.value.field == "slug"


def test_a_new_firm_comes_with_its_admin_and_assignments_are_set_exactly(world):
    firm = accounts.create_tenant(" Cobalt IP ", "cobalt", "Europe/Paris", True, "Cora Admin", "Cora@Cobalt.test",
                                  "a long enough password")
    assert firm.name == "Cobalt IP"
    admins = db.session.execute(accounts.members_query(firm.id)).scalars().all()
    assert [(u.email, u.role) for u in admins] == [("cora@cobalt.test", "firm_admin")]
    specialist = world["specialist_both"]
    accounts.set_assignments(specialist, [firm.id, world.firm_a.id])
    db.session.flush()
    assert {t.slug for t in accounts.assigned_tenants(specialist)} == {"cobalt", "acme"}
    assert db.session.get(Tenant, world.firm_b.id) is not None

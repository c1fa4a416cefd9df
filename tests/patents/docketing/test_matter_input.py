"""Matter create/update: the form and the API call the same docketing operations and refuse the same things."""
from __future__ import annotations

import pytest

from app.api import tokens
from app.extensions import db
from app.patents.docketing import operations
from app.tenancy import tenant_scope

BASE = {"title": "Wireless charging pad", "jurisdiction": "US", "application_type": "utility", "status": "pending"}


@pytest.fixture
def headers(world):
    _token, secret = tokens.create_token(world["a_paralegal"], world.firm_a, "test", "read_write", 90)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_operation_names_each_wrong_field(world):
    with tenant_scope(world.firm_a.id):
        with pytest.raises(operations.MatterInputError) as refused:
            operations.create_matter({**BASE, "reference": "ACME-1", "parent_id": 999,
                                      "responsible_attorney_id": world["b_attorney"].id,
                                      "specialist_id": world["a_attorney"].id}, world.firm_a.id)
    assert refused.value.errors == {"parent_id": ["No such matter in this firm."],
                                    "responsible_attorney_id": ["No such attorney in this firm."],
                                    "specialist_id": ["No such specialist assigned to this firm."]}
    assert not refused.value.conflict


def test_a_taken_reference_is_a_conflict_in_the_api_and_a_field_error_on_the_form(world, client, headers, login_as):
    with tenant_scope(world.firm_a.id):
        operations.create_matter({**BASE, "reference": "ACME-1"}, world.firm_a.id)
        db.session.commit()
    api = client.post("/api/v1/matters", json={**BASE, "reference": " ACME-1 "}, headers=headers)
    assert api.status_code == 409 and "already uses this reference" in api.get_json()["detail"]
    form = login_as(world["a_paralegal"]).post("/matters/new", data={
        **BASE, "reference": "ACME-1", "parent_id": 0, "responsible_attorney_id": 0, "specialist_id": 0})
    assert form.status_code == 400 and "already uses this reference" in form.get_data(as_text=True)


def test_the_api_refuses_another_firms_attorney_field_by_field(world, client, headers):
    response = client.post("/api/v1/matters", headers=headers, json={
        **BASE, "reference": "ACME-2", "responsible_attorney_id": world["b_attorney"].id})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"responsible_attorney_id": ["No such attorney in this firm."]}

"""Free text that ends up in e-mail headers cannot carry line breaks or control characters (issue 11, item 9).

A CR/LF in a matter reference or a deadline label once stopped every reminder of its firm. Forms and the
API refuse such values with a clear message; every other way in (imports, the demo, code) is normalised
by the models, so a reminder for such a row still builds a message.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.patents.docketing.models import Deadline, Matter
from app.patents.docketing.operations import add_manual_deadline
from app.patents.work_requests.models import REQUEST_KINDS
from app.single_line import REFUSAL, SINGLE_LINE_ATTRIBUTES, single_line
from app.tenancy import tenant_scope

POISON = ["ACME-1\r\nBcc: victim@example.com", "ACME-1\nX", "ACME-1\rX", "ACME\x00-1", "ACME\x0b1",
          "ACME\x1b[31m1", "ACME\u20281", "ACME\u0085 1", "ACME\t1"]
ONE_LINE = REFUSAL.split(":")[0]
KIND = next(iter(REQUEST_KINDS))
NEW_MATTER = {"title": "Wireless charging pad", "jurisdiction": "US", "application_type": "utility",
              "status": "pending", "parent_id": 0, "family_relation": "", "responsible_attorney_id": 0,
              "specialist_id": 0, "filing_date": "2027-01-05"}


def _matter(tenant, reference="ACME-1") -> int:
    with tenant_scope(tenant.id):
        matter = Matter(reference=reference, title="t", jurisdiction="US", application_type="utility")
        db.session.add(matter)
        db.session.commit()
        return matter.id


@pytest.mark.parametrize("value", POISON)
def test_the_matter_form_refuses_control_characters_in_the_reference(world, login_as, value):
    paralegal = login_as(world["a_paralegal"])
    response = paralegal.post("/matters/new", data={**NEW_MATTER, "reference": value})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and (ONE_LINE in body or "NUL" in body)  # NUL: app/odd_input.py
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Matter.id)).first() is None


def test_forms_refuse_control_characters_in_every_header_field(world, login_as):
    matter_id = _matter(world.firm_a)
    paralegal = login_as(world["a_paralegal"])
    refused = paralegal.post(f"/matters/{matter_id}/deadlines",
                             data={"manual-label": "Reply\r\nBcc: x@example.com", "manual-due": "2027-03-01"})
    assert refused.status_code == 400 and ONE_LINE in refused.get_data(as_text=True)
    attorney = login_as(world["a_attorney"])
    refused = attorney.post("/requests/new", data={"matter_reference": "ACME-1", "kind": KIND,
                                                   "title": "Search\r\nBcc: x@example.com",
                                                   "instructions": "Find art", "requested_due": "2027-03-01",
                                                   "priority": 3})
    assert refused.status_code == 400 and ONE_LINE in refused.get_data(as_text=True)
    admin = login_as(world["a_firm_admin"])
    refused = admin.post("/admin/users/new", data={"name": "Eve\r\nBcc: x@example.com", "email": "eve@acme.test",
                                                   "role": "viewer", "password": "a long enough passphrase 9"})
    assert refused.status_code == 400 and ONE_LINE in refused.get_data(as_text=True)
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(Deadline.id).where(Deadline.kind == "MANUAL")).first() is None


@pytest.mark.parametrize("field", ["reference", "client_reference", "application_number"])
def test_the_api_refuses_control_characters(client, world, token_for, field):
    headers = token_for(world["a_paralegal"], world.firm_a)
    body = {"reference": "ACME-API-1", "title": "Widget", "jurisdiction": "US", "application_type": "utility",
            field: "X\r\nBcc: victim@example.com"}
    response = client.post("/api/v1/matters", json=body, headers=headers)
    assert response.status_code == 400
    assert REFUSAL in str(response.get_json())


def test_every_other_way_in_is_normalised_by_the_model(world):
    """Imports, the demo and code write through the models: the stored value is one line."""
    matter_id = _matter(world.firm_a, "ACME-9\r\nBcc: victim@example.com")
    with tenant_scope(world.firm_a.id):
        matter = db.session.get(Matter, matter_id)
        deadline = add_manual_deadline(matter, "Reply\r\n\r\nto the office", date(2027, 3, 1), None, None)
        matter.title = "A title\npasted over\ttwo lines"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Matter, matter_id).reference == "ACME-9 Bcc: victim@example.com"
        assert db.session.get(Matter, matter_id).title == "A title pasted over two lines"
        assert db.session.get(Deadline, deadline.id).label == "Reply to the office"
    for attribute in SINGLE_LINE_ATTRIBUTES:
        assert attribute.class_ is not None  # each listed attribute is a real mapped column


def test_a_reminder_for_such_a_row_builds_a_valid_message(world):
    from app.models import Tenant
    from app.patents.reminders.delivery import build_message
    from app.patents.reminders.models import OutboxMessage
    matter_id = _matter(world.firm_a, "ACME-9\r\nBcc: victim@example.com")
    with tenant_scope(world.firm_a.id):
        deadline = add_manual_deadline(db.session.get(Matter, matter_id), "Reply\r\nX-Evil: 1", date(2027, 3, 1),
                                       None, None)
        row = OutboxMessage(deadline_id=deadline.id, recipient_id=world["a_attorney"].id, stage="30",
                            due_date=deadline.current_due, delivery="immediate", status="pending",
                            next_attempt_at=datetime(2027, 1, 30, tzinfo=UTC), attempts=0)
        db.session.add(row)
        db.session.flush()
        built = build_message([row], db.session.get(Tenant, world.firm_a.id),
                              datetime(2027, 1, 30, 9, tzinfo=UTC))
        if isinstance(built, tuple):  # (message id, the bytes to send)
            import email
            built = email.message_from_bytes(built[-1])
        message = built
        assert "\n" not in message["Subject"] and "Bcc" not in message.keys() and "X-Evil" not in message.keys()
        db.session.rollback()


def test_single_line_replaces_each_run_of_controls_with_one_space():
    assert single_line("a\r\n\tb") == "a b"
    assert single_line(" ok ") == " ok "  # untouched without control characters
    assert single_line(None) is None

"""Audit log export: CSV or JSON for a date range; a firm admin gets their firm's entries only, a provider admin
any firm's or all; the export is itself audited; cells cannot run as spreadsheet formulas.

ASVS 5.0 V16.2.x (log content), V16.4.1 (logs protected and exportable to whom may read them).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from app import audit
from app.extensions import db
from app.models import AuditEntry

TODAY = datetime.now(UTC).date()


def _entry(tenant_id, summary, at=None, action="update"):
    db.session.add(AuditEntry(at=at or datetime.now(UTC), actor_user_id=None, actor_label="someone",
                              subject_tenant_id=tenant_id, action=action, summary=summary))
    db.session.commit()


def _export(client, **fields):
    data = {"start": (TODAY - timedelta(days=7)).isoformat(), "end": TODAY.isoformat(), "format": "csv", **fields}
    return client.post("/admin/audit/export", data=data)


def test_a_firm_admin_exports_their_firms_entries_only(world, login_as):
    _entry(world.firm_a.id, "A-only entry")
    _entry(world.firm_b.id, "B-only entry")
    _entry(None, "provider-only entry")
    response = _export(login_as(world["a_firm_admin"]), tenant=str(world.firm_b.id))  # the firm field is ignored
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    summaries = {row["summary"] for row in rows}
    assert "A-only entry" in summaries and "B-only entry" not in summaries and "provider-only entry" not in summaries
    assert {row["subject_tenant_id"] for row in rows} == {str(world.firm_a.id)}


def test_a_provider_admin_exports_any_firm_or_all_as_json(world, login_as):
    _entry(world.firm_a.id, "A-only entry")
    _entry(world.firm_b.id, "B-only entry")
    client = login_as(world["provider_admin"], world.firm_a)
    only_b = json.loads(_export(client, format="json", tenant=str(world.firm_b.id)).get_data(as_text=True))
    assert {row["summary"] for row in only_b} >= {"B-only entry"}
    assert all(row["subject_tenant_id"] == world.firm_b.id for row in only_b)
    everything = json.loads(_export(client, format="json", tenant="0").get_data(as_text=True))
    assert {"A-only entry", "B-only entry"} <= {row["summary"] for row in everything}


def test_the_date_range_is_honoured_and_checked(world, login_as):
    _entry(world.firm_a.id, "long ago", at=datetime.now(UTC) - timedelta(days=40))
    _entry(world.firm_a.id, "recently")
    client = login_as(world["a_firm_admin"])
    text = _export(client).get_data(as_text=True)
    assert "recently" in text and "long ago" not in text
    backwards = _export(client, start=TODAY.isoformat(), end=(TODAY - timedelta(days=1)).isoformat())
    assert backwards.status_code == 400 and "The end is before the start." in backwards.get_data(as_text=True)
    too_long = _export(client, start=(TODAY - timedelta(days=500)).isoformat())
    assert too_long.status_code == 400


def test_the_export_is_audited_and_cells_are_spreadsheet_safe(world, login_as):
    _entry(world.firm_a.id, "=HYPERLINK(\"http://evil.example\")")
    client = login_as(world["a_firm_admin"])
    text = _export(client).get_data(as_text=True)
    assert "'=HYPERLINK" in text
    exported = db.session.query(AuditEntry).filter_by(action="audit_exported").one()
    assert exported.subject_tenant_id == world.firm_a.id


def test_only_admins_export(world, login_as):
    for who in ("a_attorney", "a_paralegal", "a_viewer"):
        assert _export(login_as(world[who])).status_code == 403
    assert _export(login_as(world["specialist_a"], world.firm_a)).status_code == 403


def test_an_empty_range_is_an_empty_but_valid_json_array(world, login_as):
    client = login_as(world["a_firm_admin"])
    start = (TODAY - timedelta(days=100)).isoformat()
    body = _export(client, format="json", start=start, end=(TODAY - timedelta(days=99)).isoformat())
    assert json.loads(body.get_data(as_text=True)) == []
    assert audit.EXPORT_COLUMNS[0] == "id"

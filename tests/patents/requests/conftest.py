"""Builders for work-request tests: matters, requests in any state, generated files, and a query counter."""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.files import store_bytes
from app.patents.docketing.models import Deadline, Matter
from app.patents.work_requests.operations import accept, approve, deliver, start, submit
from app.tenancy import tenant_scope
from tests.builders import add_matter

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name: str = "brief.pdf", data: bytes = PDF):
    return io.BytesIO(data), name


def _detached(obj):
    """Loaded inside the tenant scope, then let go: outside it PostgreSQL RLS would hide the row on refresh."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_matter():
    def make(tenant, jurisdiction="US", status="pending", attorney=None) -> Matter:
        return add_matter(tenant, jurisdiction=jurisdiction, status=status,
                          responsible_attorney_id=attorney.id if attorney else None)
    return make


@pytest.fixture
def make_request(world, make_matter):
    """A request of a firm, moved on to the state asked for by the people of the story."""
    def make(tenant, state="submitted", kind="prior_art_search", title="Search the flange art", assignee=None,
             submitted_at=None):
        tag = "a" if tenant is world.firm_a else "b"
        if assignee is None and state in ("in_progress", "delivered", "approved"):
            assignee = world["specialist_both"]
        matter = make_matter(tenant)
        with tenant_scope(tenant.id):
            matter = db.session.get(Matter, matter.id)
            found = submit(matter, kind, title, "Please search.", date.today() + timedelta(days=5), 3,
                                         world[f"{tag}_paralegal"], [], now=submitted_at)
            admin = world["provider_admin"]
            if state != "submitted":
                accept(found, admin, assignee)
            if state in ("in_progress", "delivered", "approved"):
                start(found, admin)
            if state in ("delivered", "approved"):
                report = store_bytes(PDF, "report.pdf", "application/pdf", "request_delivery")
                deliver(found, admin, [report], "")
            if state == "approved":
                approve(found, world[f"{tag}_attorney"])
            db.session.commit()
            return _detached(found)
    return make


@pytest.fixture
def make_deadline():
    def make(tenant, matter, due: date, changed_by=None) -> Deadline:
        with tenant_scope(tenant.id):
            deadline = Deadline(matter_id=matter.id, kind="MANUAL", label="Respond", nominal=due, due=due,
                                current_due=due, status="open", extensions=[], explanation=[],
                                changed_by_id=changed_by.id if changed_by else None)
            db.session.add(deadline)
            db.session.commit()
            return _detached(deadline)
    return make


@pytest.fixture
def generated_file():
    def make(tenant, purpose="checklist_pdf", name="checklist.pdf"):
        with tenant_scope(tenant.id):
            stored = store_bytes(PDF, name, "application/pdf", purpose)
            db.session.commit()
            return _detached(stored)
    return make


@contextmanager
def counted_queries():
    """Count the SQL statements the block sends to the database."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

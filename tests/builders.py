"""Test data builders shared by the whole suite: one way to make each kind of row.

``add_matter(tenant, ...)`` makes a committed matter of that tenant with plausible defaults (any Matter field
may be given) and returns it detached, so a test can read its id and fields after the session is gone.
Domain test modules wrap it only to fix their own defaults.
"""
from __future__ import annotations

import itertools

from app.extensions import db
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope

_numbers = itertools.count(1)


def detached(obj):
    """A committed row, refreshed and detached from the session."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def add_matter(tenant, reference: str | None = None, **fields) -> Matter:
    values = {"title": f"Title {reference}" if reference else "Widget with a flange", "jurisdiction": "US",
              "application_type": "utility", **fields}
    with tenant_scope(tenant.id):
        matter = Matter(reference=reference or f"{tenant.slug.upper()}-{next(_numbers):04d}", **values)
        db.session.add(matter)
        db.session.commit()
        return detached(matter)

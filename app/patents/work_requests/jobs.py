"""Background work of the work-request workflow."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...jobs import app_context
from ...models import Tenant
from ...tenancy import tenant_scope
from .operations import notify_at_risk


def notify_at_risk_in_every_firm() -> dict[str, int]:
    """Job body and CLI: the at-risk notification in each active firm, one tenant scope at a time."""
    flagged_by_firm = {}
    with app_context():
        for tenant in db.session.execute(select(Tenant).where(Tenant.active.is_(True))).scalars().all():
            with tenant_scope(tenant.id):
                flagged = notify_at_risk()
                db.session.commit()
            if flagged:
                flagged_by_firm[tenant.slug] = flagged
    return flagged_by_firm

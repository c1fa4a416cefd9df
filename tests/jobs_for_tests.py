"""Job bodies used only by the tests of the job mechanism (importable by a real RQ worker)."""
from sqlalchemy import select

from app.extensions import db
from app.jobs import tenant_job
from app.patents.docketing.models import Matter
from app.tenancy import current_tenant_id


@tenant_job
def retitle_every_matter(tenant_id: int, suffix: str) -> int:
    matters = db.session.execute(select(Matter)).scalars().all()
    for matter in matters:
        matter.title += suffix
    assert current_tenant_id() == tenant_id
    return len(matters)

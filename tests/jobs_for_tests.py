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


@tenant_job
def echo_in_tenant(tenant_id: int, text: str) -> str:
    """Leaves its text as the job's result in Redis, as a firm's job would (tests/security/test_offboarding.py)."""
    return text

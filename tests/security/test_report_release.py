"""A search report reaches the firm only on delivery, whichever download path the firm user tries."""
from sqlalchemy import select

from app.extensions import db
from app.files import StoredFile
from app.jobs import JobRecord, start_tracked_job
from app.patents.docketing.models import Matter
from app.patents.search import report, sessions
from app.tenancy import tenant_scope


def test_an_undelivered_search_report_cannot_be_downloaded_by_id(world, login_as):
    """ASVS 8.2.2 (data-specific access): the report's delivery rule holds on every download path."""
    specialist = world["specialist_a"]
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="SR-1", title="Searched", jurisdiction="US", application_type="utility")
        db.session.add(matter)
        db.session.flush()
        session = sessions.create_session(matter, "Undelivered search", specialist)
        db.session.commit()
        session_id = session.id
        job = start_tracked_job("reports", "search-report", "Search report", report.generate_report, session_id,
                                specialist.id, created_by_id=specialist.id)
        file_id = db.session.get(JobRecord, job.id).file_id
        assert file_id is not None
    viewer = login_as(world["a_viewer"])
    assert viewer.get(f"/search/sessions/{session_id}/report.pdf").status_code == 404
    assert viewer.get(f"/files/{file_id}").status_code == 404
    assert "search-report" not in login_as(world["a_attorney"]).get("/").get_data(as_text=True)
    assert login_as(specialist, world.firm_a).get(f"/files/{file_id}").status_code == 200

    with tenant_scope(world.firm_a.id):
        sessions.deliver_report(db.session.get(type(session), session_id), specialist)
        db.session.commit()
    assert viewer.get(f"/files/{file_id}").status_code == 200
    assert viewer.get(f"/search/sessions/{session_id}/report.pdf").status_code == 200
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(StoredFile.visible_to_firm).where(StoredFile.id == file_id)).scalar()

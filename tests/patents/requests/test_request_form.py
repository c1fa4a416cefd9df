"""The request form: the matter is chosen from the firm's own matters, a correction keeps the attached files, and
one upload limit (MAX_UPLOAD_MB) is used and stated with real numbers by every upload."""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.patents.work_requests.models import WorkRequest, WorkRequestFile
from app.tenancy import tenant_scope

from .conftest import PDF, pdf_upload


def _form(matter_id, **fields):
    return {"matter_id": matter_id, "kind": "prior_art_search", "title": "Search the flange",
            "instructions": "Look at EP art.", "requested_due": (date.today() + timedelta(days=3)).isoformat(),
            "priority": "3", **fields}


def test_the_matter_is_chosen_from_the_firms_matters(world, login_as, make_matter):
    ours, theirs = make_matter(world.firm_a), make_matter(world.firm_b)
    paralegal = login_as(world["a_paralegal"])
    page = paralegal.get(f"/requests/new?matter={ours.reference}").get_data(as_text=True)
    assert f'<option selected value="{ours.id}">{ours.reference} · Widget with a flange</option>' in page
    assert theirs.reference not in page and "data-searchable" in page
    refused = paralegal.post("/requests/new", data=_form(theirs.id))
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    assert paralegal.post("/requests/new", data=_form(0)).status_code == 400
    assert paralegal.post("/requests/new", data=_form(ours.id)).status_code == 302


def test_a_correction_keeps_the_attached_files(world, login_as, make_matter):
    matter = make_matter(world.firm_a)
    paralegal = login_as(world["a_paralegal"])
    first = paralegal.post("/requests/new", content_type="multipart/form-data",
                           data=_form(matter.id, title="", attachments=pdf_upload("disclosure.pdf")))
    page = first.get_data(as_text=True)
    assert first.status_code == 400 and "Attached already" in page and "disclosure.pdf" in page
    kept_id = int(page.split('name="kept" value="')[1].split('"')[0])
    # Someone else cannot claim the kept file by its id.
    other = login_as(world["a_attorney"]).post("/requests/new", data=_form(matter.id, kept=str(kept_id)))
    assert other.status_code == 302
    second = paralegal.post("/requests/new", data=_form(matter.id, kept=str(kept_id)))
    assert second.status_code == 302
    with tenant_scope(world.firm_a.id):
        links = db.session.execute(select(WorkRequestFile.request_id, WorkRequestFile.file_id)).all()
        requests = db.session.execute(select(WorkRequest.id).order_by(WorkRequest.id)).scalars().all()
    assert links == [(requests[-1], kept_id)]


def test_one_upload_limit_with_the_real_numbers_in_every_message(app, world, login_as, make_matter):
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    matter = make_matter(world.firm_a)
    huge = PDF + b"0" * (12 * 1024 * 1024)
    paralegal = login_as(world["a_paralegal"])
    page = paralegal.get("/requests/new").get_data(as_text=True)
    assert "up to 10 MB per file" in page
    refused = paralegal.post("/requests/new", content_type="multipart/form-data",
                             data=_form(matter.id, attachments=(io.BytesIO(huge), "huge.pdf")))
    assert refused.status_code == 400
    assert "huge.pdf is 12.0 MB; the limit per file is 10 MB." in refused.get_data(as_text=True)

    specialist = login_as(world["specialist_a"], world.firm_a)
    imported = specialist.post("/search/upload", content_type="multipart/form-data", data={
        "target": "private", "file": (io.BytesIO(b"number,title\n" + b"x" * (12 * 1024 * 1024)), "big.csv")})
    assert imported.status_code == 400
    assert "big.csv is 12.0 MB; the limit per file is 10 MB." in imported.get_data(as_text=True)
    assert "Up to 10 MB per file" in specialist.get("/search/upload").get_data(as_text=True)

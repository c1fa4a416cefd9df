"""Uploads: the allow-list by content, the per-file and per-request size limits, and a form that keeps its text."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.files import StoredFile
from app.patents.work_requests.models import WorkRequest
from app.tenancy import tenant_scope
from app.uploads import UploadRejected, check_upload

from .conftest import PDF

INSTRUCTIONS = "Check claims 1-12 against the cited art, please."


def _form(matter, **files):
    return {"matter_id": matter.id, "kind": "ids_preparation", "title": "IDS for the flange",
            "instructions": INSTRUCTIONS, "requested_due": (date.today() + timedelta(days=3)).isoformat(),
            "priority": "3", **files}


@pytest.mark.parametrize("data, name, content_type", [
    (PDF, "a.pdf", "application/pdf"),
    (b"PK\x03\x04rest-of-zip", "claims.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"PK\x03\x04rest-of-zip", "fees.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"\x89PNG\r\n\x1a\n....", "figure.PNG", "image/png"),
    (b"\xff\xd8\xff\xe0....", "figure.jpeg", "image/jpeg"),
    ("Notes – résumé".encode(), "notes.txt", "text/plain; charset=utf-8"),
])
def test_allowed_types_are_recognised_by_their_first_bytes(data, name, content_type):
    assert check_upload(data, name) == content_type


@pytest.mark.parametrize("data, name", [
    (b"<html><script>alert(1)</script></html>", "report.pdf"),  # HTML dressed as a PDF
    (PDF, "report.docx"),  # a PDF under a Word name
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "tool.txt"),  # a binary under a text name
    (b"PK\x03\x04", "archive.zip"),
    (b"", "empty.pdf"),
])
def test_other_files_are_refused(data, name):
    with pytest.raises(UploadRejected):
        check_upload(data, name)


def test_a_pdf_that_is_really_html_is_refused_and_the_form_keeps_the_instructions(world, login_as, make_matter):
    matter = make_matter(world.firm_a)
    client = login_as(world["a_paralegal"])
    response = client.post("/requests/new", content_type="multipart/form-data", data=_form(
        matter, attachments=(io.BytesIO(b"<!doctype html><html><body>hi</body></html>"), "disclosure.pdf")))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "disclosure.pdf is not an allowed file" in body
    assert INSTRUCTIONS in body and matter.reference in body
    with tenant_scope(world.firm_a.id):
        assert db.session.execute(select(WorkRequest)).scalars().all() == []
        assert db.session.execute(select(StoredFile)).scalars().all() == []


def test_a_file_over_the_per_file_limit_is_refused_with_the_form_kept(app, world, login_as, make_matter):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    matter = make_matter(world.firm_a)
    response = login_as(world["a_paralegal"]).post("/requests/new", content_type="multipart/form-data", data=_form(
        matter, attachments=(io.BytesIO(PDF + b"0" * 2048), "big.pdf")))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "limit per file" in body and INSTRUCTIONS in body


def test_a_request_over_the_upload_limit_gets_a_clear_413_page(app, world, login_as, make_matter):
    matter = make_matter(world.firm_a)
    client = login_as(world["a_paralegal"])
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = client.post("/requests/new", content_type="multipart/form-data", data=_form(
        matter, attachments=(io.BytesIO(PDF + b"0" * 8192), "huge.pdf")))
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That upload is too large" in body and "Back button" in body


def test_files_are_stored_per_tenant_under_random_keys(app, world, login_as, make_matter):
    matter = make_matter(world.firm_a)
    response = login_as(world["a_paralegal"]).post("/requests/new", content_type="multipart/form-data", data=_form(
        matter, attachments=(io.BytesIO(PDF), "../../etc/passwd.pdf")))
    assert response.status_code == 302
    with tenant_scope(world.firm_a.id):
        stored = db.session.execute(select(StoredFile)).scalar_one()
    assert stored.filename == "passwd.pdf" and "passwd" not in stored.storage_key
    assert stored.content_type == "application/pdf" and stored.purpose == "request_attachment"


def test_a_delivery_needs_a_work_product_and_checks_uploads(world, login_as, make_request):
    work_request = make_request(world.firm_a, "in_progress", assignee=world["specialist_a"])
    specialist = login_as(world["specialist_a"])
    empty = specialist.post(f"/requests/{work_request.id}/deliver", data={"deliver-note": "Done"})
    assert empty.status_code == 400 and "Attach the work product" in empty.get_data(as_text=True)
    fake = specialist.post(f"/requests/{work_request.id}/deliver", content_type="multipart/form-data", data={
        "deliver-uploads": (io.BytesIO(b"<html>"), "report.pdf"), "deliver-note": "Done, see report"})
    body = fake.get_data(as_text=True)
    assert fake.status_code == 400 and "not an allowed file" in body and "Done, see report" in body

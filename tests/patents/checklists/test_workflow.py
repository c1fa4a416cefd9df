"""The whole story through the pages: start from a matter, check a draft, work the items, sign off, PDF."""
import io
import re

from sqlalchemy import select

from app.extensions import db
from app.jobs import JobRecord
from app.patents.checklists import operations
from app.patents.checklists.models import Checklist
from app.tenancy import tenant_scope

from .conftest import DEFECTIVE_CLAIMS, add_matter


def checklist_status(checklist_id, tenant):
    with tenant_scope(tenant.id):
        db.session.expire_all()
        return db.session.get(Checklist, checklist_id).status


def item_ids(checklist_id, tenant):
    with tenant_scope(tenant.id):
        return [i.id for i in db.session.get(Checklist, checklist_id).items]


def test_from_matter_to_signed_off_pdf(world, login_as, matter_id):
    specialist = login_as(world["specialist_a"], world.firm_a)
    assert "No checklists yet" in specialist.get("/checklists/").get_data(as_text=True)

    form = specialist.get(f"/checklists/new?matter_id={matter_id}").get_data(as_text=True)
    assert "A-100" in form
    started = specialist.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"})
    assert started.status_code == 302
    checklist_id = int(re.search(r"/checklists/(\d+)", started.location).group(1))

    checked = specialist.post(f"/checklists/{checklist_id}/draft", data={
        "claims": DEFECTIVE_CLAIMS, "title": "Folding widget", "abstract": "A widget. " * 80, "entity": "small"})
    assert checked.status_code == 302
    page = specialist.get(f"/checklists/{checklist_id}").get_data(as_text=True)
    assert "US utility nonprovisional checklist" in page
    # Each finding sits next to its item, with a severity badge.
    numbering = page.index("Claims are numbered consecutively")
    assert page.index("claim number(s) 3 are missing", numbering) < page.index("Every dependent claim", numbering)
    assert '<span class="badge bad">Error</span>' in page and '<span class="badge warn">Warning</span>' in page
    assert "The abstract has 160 words" in page and "Claims fee estimate" in page

    ids = item_ids(checklist_id, world.firm_a)
    refused = specialist.post(f"/checklists/{checklist_id}/prepare", follow_redirects=True).get_data(as_text=True)
    assert "item(s) are still open" in refused

    paralegal = login_as(world["a_paralegal"])
    bad = paralegal.post(f"/checklists/{checklist_id}/items/{ids[0]}", data={"state": "na", "note": "typed note"})
    assert bad.status_code == 400
    assert "Give the reason this item does not apply." in bad.get_data(as_text=True)
    assert 'value="typed note"' in bad.get_data(as_text=True)
    assert paralegal.post(f"/checklists/{checklist_id}/items/{ids[0]}",
                          data={"state": "na", "reason": "Title set by the client"}).status_code == 302
    for item_id in ids[1:]:
        assert specialist.post(f"/checklists/{checklist_id}/items/{item_id}", data={"state": "done"}).status_code == 302
    viewer = login_as(world["a_viewer"])
    assert viewer.post(f"/checklists/{checklist_id}/items/{ids[1]}", data={"state": "open"}).status_code == 400

    assert specialist.post(f"/checklists/{checklist_id}/prepare").status_code == 302
    assert checklist_status(checklist_id, world.firm_a) == "prepared"

    said = paralegal.post(f"/checklists/{checklist_id}/sign-off", follow_redirects=True).get_data(as_text=True)
    assert "Only a firm attorney or firm admin can sign off" in said
    said = specialist.post(f"/checklists/{checklist_id}/sign-off", follow_redirects=True).get_data(as_text=True)
    assert "You prepared this checklist" in said
    assert checklist_status(checklist_id, world.firm_a) == "prepared"

    attorney = login_as(world["a_attorney"])
    assert "Return with comments" in attorney.get(f"/checklists/{checklist_id}").get_data(as_text=True)
    empty = attorney.post(f"/checklists/{checklist_id}/return", data={"comments": ""})
    assert empty.status_code == 400 and "Say what needs to change" in empty.get_data(as_text=True)
    assert attorney.post(f"/checklists/{checklist_id}/return",
                         data={"comments": "Add the IDS before filing."}).status_code == 302
    assert checklist_status(checklist_id, world.firm_a) == "returned"
    assert "Add the IDS before filing." in specialist.get(f"/checklists/{checklist_id}").get_data(as_text=True)

    assert specialist.post(f"/checklists/{checklist_id}/prepare", data={"note": "IDS added"}).status_code == 302
    # The draft's errors stand until the attorney overrides each with a reason (tests/.../test_gate.py).
    with tenant_scope(world.firm_a.id):
        fingerprints = [operations.finding_fingerprint(f) for f in
                        operations.unresolved_errors(db.session.get(Checklist, checklist_id))]
    for fingerprint in fingerprints:
        assert attorney.post(f"/checklists/{checklist_id}/findings/{fingerprint}/override",
                             data={"reason": "The client wants this numbering kept."}).status_code == 302
    assert attorney.post(f"/checklists/{checklist_id}/sign-off", data={"comments": "Good to file."}).status_code == 302
    assert checklist_status(checklist_id, world.firm_a) == "signed_off"

    made = attorney.post(f"/checklists/{checklist_id}/pdf")
    assert made.status_code == 302
    job_page = attorney.get(made.location).get_data(as_text=True)
    assert "Finished" in job_page
    with tenant_scope(world.firm_a.id):
        job = db.session.execute(select(JobRecord).where(JobRecord.kind == "checklist_pdf")).scalar_one()
        file_id = job.file_id
    download = attorney.get(f"/files/{file_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "Signed off" in attorney.get("/checklists/?status=signed_off").get_data(as_text=True)
    assert "No checklists are in progress" in attorney.get("/checklists/?status=in_progress").get_data(as_text=True)


def test_uploads_are_read_and_bad_ones_explained_keeping_what_was_typed(app, world, login_as, matter_id):
    specialist = login_as(world["specialist_a"], world.firm_a)
    checklist_id = int(re.search(r"/checklists/(\d+)", specialist.post(
        "/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"}).location).group(1))
    url = f"/checklists/{checklist_id}/draft"

    fake_docx = specialist.post(url, data={"title": "Kept title", "entity": "large",
                                           "claims_file": (io.BytesIO(b"1. A widget."), "claims.docx")},
                                content_type="multipart/form-data")
    assert fake_docx.status_code == 400
    body = fake_docx.get_data(as_text=True)
    assert "is named .docx but is not a Word document" in body and 'value="Kept title"' in body

    wrong_type = specialist.post(url, data={"entity": "large", "claims_file": (io.BytesIO(b"%PDF"), "claims.pdf")},
                                 content_type="multipart/form-data")
    assert wrong_type.status_code == 400 and "is not a .txt or .docx file" in wrong_type.get_data(as_text=True)

    app.config["MAX_UPLOAD_BYTES"] = 5 * 1024 * 1024  # the one upload limit (MAX_UPLOAD_MB)
    too_large = specialist.post(url, data={"entity": "large", "claims_file": (
        io.BytesIO(b"1. A widget. " + b"x" * (5 * 1024 * 1024)), "claims.txt")}, content_type="multipart/form-data")
    assert too_large.status_code == 400
    assert "is over 5 MB; the limit per file is 5 MB" in too_large.get_data(as_text=True)

    unparseable = specialist.post(url, data={"entity": "large", "claims": "Nothing numbered here"})
    assert unparseable.status_code == 400
    assert 'class="field has-error"' in unparseable.get_data(as_text=True)
    assert "Nothing numbered here" in unparseable.get_data(as_text=True)

    good = specialist.post(url, data={"entity": "large",
                                      "claims_file": (io.BytesIO(DEFECTIVE_CLAIMS.encode()), "claims.txt")},
                           content_type="multipart/form-data")
    assert good.status_code == 302
    assert "claim number(s) 3 are missing" in specialist.get(f"/checklists/{checklist_id}").get_data(as_text=True)


def test_firm_b_never_sees_firm_a_checklists(world, login_as, matter_id):
    specialist = login_as(world["specialist_both"], world.firm_a)
    specialist.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"})
    add_matter(world.firm_b, "B-7", title="Borealis sled")
    assert "A-100" in login_as(world["a_viewer"]).get("/checklists/").get_data(as_text=True)
    for person in ("b_firm_admin", "b_attorney", "b_paralegal", "b_viewer"):
        listing = login_as(world[person]).get("/checklists/").get_data(as_text=True)
        assert "A-100" not in listing and "Folding widget" not in listing
        assert "No checklists yet" in listing
    in_b = login_as(world["specialist_both"], world.firm_b)
    in_b.post("/tenants/choose", data={"tenant_id": world.firm_b.id})
    listing = in_b.get("/checklists/").get_data(as_text=True)
    assert "A-100" not in listing
    start_form = in_b.get("/checklists/new").get_data(as_text=True)
    assert "B-7" in start_form and "A-100" not in start_form
    assert in_b.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0,
                                              "entity": "large"}).status_code == 400


def _docx_bomb() -> bytes:
    """A real Word document with one more part that inflates from ~60 KB to 60 MB of XML (the pen-test's shape)."""
    import zipfile

    import docx

    document, buffer = docx.Document(), io.BytesIO()
    document.add_paragraph("1. A widget comprising a base.")
    document.save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("word/padding.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    return buffer.getvalue()


def test_a_docx_that_would_expand_to_tens_of_megabytes_is_refused_unopened(world, login_as, matter_id):
    specialist = login_as(world["specialist_a"], world.firm_a)
    checklist_id = int(re.search(r"/checklists/(\d+)", specialist.post(
        "/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"}).location).group(1))
    bomb = _docx_bomb()
    assert len(bomb) < 200 * 1024
    refused = specialist.post(f"/checklists/{checklist_id}/draft", data={
        "title": "Kept title", "entity": "large", "claims_file": (io.BytesIO(bomb), "claims.docx")},
        content_type="multipart/form-data")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "would expand to 60 MB" in body and 'value="Kept title"' in body

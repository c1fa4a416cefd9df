"""The checklist PDF: made by a tracked job, stored for the tenant, and user text is never ReportLab markup."""
import os

from app.extensions import db
from app.files import read_bytes
from app.jobs import JobRecord, start_tracked_job
from app.patents.checklists import operations
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope

from .conftest import DEFECTIVE_CLAIMS, add_matter, pdf_text, template

PAYLOADS = ('<para><font color="red">x</font></para>',
            "[[[__import__('os').system('touch /tmp/pwned-checklist')]]]",
            '<img src="/etc/passwd"/><a href="javascript:alert(1)">y</a>')


def make_pdf(world, title):
    with tenant_scope(world.firm_a.id):
        matter = db.session.get(Matter, add_matter(world.firm_a, "A-<b>9</b>", title=title))
        checklist = operations.start_checklist(matter, template("us_utility"), world["specialist_a"])
        checklist.items[0].note = PAYLOADS[0]
        db.session.commit()
        operations.attach_draft(checklist, {"claims": DEFECTIVE_CLAIMS, "title": PAYLOADS[2], "entity": "micro"})
        start_tracked_job("reports", "draft_check", "check", operations.run_draft_checks, checklist.id,
                          world["specialist_a"].id)
        job = start_tracked_job("reports", "checklist_pdf", "pdf", operations.render_checklist_pdf, checklist.id,
                                world["a_attorney"].id)
        job = db.session.get(JobRecord, job.id)
        assert job.status == "finished", job.error
        assert job.file.purpose == "checklist_pdf" and job.file.filename.endswith(".pdf")
        return read_bytes(job.file)


def test_markup_in_user_text_is_printed_literally(world):
    if os.path.exists("/tmp/pwned-checklist"):
        os.remove("/tmp/pwned-checklist")
    data = make_pdf(world, " ".join(PAYLOADS))
    assert data.startswith(b"%PDF")
    assert not os.path.exists("/tmp/pwned-checklist")
    text = pdf_text(data)
    assert r'<para><font color="red">x</font></para>' in text
    # A narrow table cell wraps the payload at its space; each half is there as written.
    assert r"[[[__import__\('os'\).system\('touch" in text and r"/tmp/pwned-checklist'\)]]]" in text
    assert " 1 0 0 rg" not in text  # nothing was drawn in red
    assert "A-<b>9</b>" in text


def test_the_pdf_shows_items_findings_fees_and_sign_offs(world):
    text = pdf_text(make_pdf(world, "Folding widget"))
    for expected in ("Drafting checklist \\(DRAFT: not signed off\\)", "37 CFR 1.72\\(b\\)", "Open",
                     "claim number\\(s\\) 3 are missing", "Fee estimate", "Micro entity", "not signed off",
                     "Sign-off", "History", "specialist a"):
        assert expected in text, expected

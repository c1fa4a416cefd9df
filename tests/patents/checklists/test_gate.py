"""The checklist gate: sign-off is refused while an error finding of the draft check stands, unless an attorney
overrides that finding with a written reason, which the page, the PDF and the audit log show."""
import re

from sqlalchemy import select

from app.extensions import db
from app.files import read_bytes
from app.jobs import JobRecord
from app.models import AuditEntry
from app.patents.checklists import operations
from app.patents.checklists.models import Checklist
from app.tenancy import tenant_scope

from .conftest import CLEAN_CLAIMS, DEFECTIVE_CLAIMS, pdf_text


def prepared_checklist(world, login_as, matter_id, claims=DEFECTIVE_CLAIMS):
    """A checklist whose every item is done and whose draft was checked, marked prepared by the specialist."""
    specialist = login_as(world["specialist_a"], world.firm_a)
    started = specialist.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"})
    checklist_id = int(re.search(r"/checklists/(\d+)", started.location).group(1))
    assert specialist.post(f"/checklists/{checklist_id}/draft", data={
        "claims": claims, "title": "Folding widget", "abstract": "A widget with a lever.", "entity": "large"}
    ).status_code == 302
    with tenant_scope(world.firm_a.id):
        ids = [i.id for i in db.session.get(Checklist, checklist_id).items]
    for item_id in ids:
        assert specialist.post(f"/checklists/{checklist_id}/items/{item_id}", data={"state": "done"}).status_code == 302
    assert specialist.post(f"/checklists/{checklist_id}/prepare").status_code == 302
    return checklist_id


def error_fingerprints(world, checklist_id):
    with tenant_scope(world.firm_a.id):
        db.session.expire_all()
        checklist = db.session.get(Checklist, checklist_id)
        return [operations.finding_fingerprint(f) for f, _ in operations.error_findings(checklist)], checklist.status


def test_sign_off_waits_for_every_error_to_be_overridden_with_a_reason(world, login_as, matter_id):
    checklist_id = prepared_checklist(world, login_as, matter_id)
    fingerprints, _ = error_fingerprints(world, checklist_id)
    assert len(fingerprints) >= 2  # the numbering gap and the forward dependency

    attorney = login_as(world["a_attorney"])
    page = attorney.get(f"/checklists/{checklist_id}").get_data(as_text=True)
    assert "error(s) from the automatic draft check are unresolved" in page
    assert ">Sign off</button>" not in page and "Return with comments" in page
    assert page.count("Override with a written reason") == len(fingerprints)

    refused = attorney.post(f"/checklists/{checklist_id}/sign-off", follow_redirects=True).get_data(as_text=True)
    assert f"{len(fingerprints)} error(s) from the automatic draft check are unresolved" in refused
    assert error_fingerprints(world, checklist_id)[1] == "prepared"

    # Neither the paralegal nor the preparer may wave an error through.
    for person in (login_as(world["a_paralegal"]), login_as(world["specialist_a"], world.firm_a)):
        said = person.post(f"/checklists/{checklist_id}/findings/{fingerprints[0]}/override",
                           data={"reason": "Looks fine to me, honestly."}, follow_redirects=True)
        assert "Only a firm attorney or firm admin can override" in said.get_data(as_text=True)
    # A reason is required, and what was typed is kept.
    short = attorney.post(f"/checklists/{checklist_id}/findings/{fingerprints[0]}/override", data={"reason": "ok"})
    assert short.status_code == 400
    assert "Write the reason this error may stand" in short.get_data(as_text=True)
    assert ">ok</textarea>" in short.get_data(as_text=True)
    unknown = attorney.post(f"/checklists/{checklist_id}/findings/{'0' * 32}/override",
                            data={"reason": "A reason long enough."}, follow_redirects=True)
    assert "not among the errors of the latest check" in unknown.get_data(as_text=True)

    reasons = [f"Deliberate: claim set mirrors the parent, reason {n}." for n in range(len(fingerprints))]
    for fingerprint, reason in zip(fingerprints[:-1], reasons):
        assert attorney.post(f"/checklists/{checklist_id}/findings/{fingerprint}/override",
                             data={"reason": reason}).status_code == 302
    still = attorney.post(f"/checklists/{checklist_id}/sign-off", follow_redirects=True).get_data(as_text=True)
    assert "1 error(s) from the automatic draft check are unresolved" in still
    assert attorney.post(f"/checklists/{checklist_id}/findings/{fingerprints[-1]}/override",
                         data={"reason": reasons[-1]}).status_code == 302
    page = attorney.get(f"/checklists/{checklist_id}").get_data(as_text=True)
    assert ">Sign off</button>" in page and all(reason in page for reason in reasons)
    assert page.count("Overridden</span> by a" ) == len(fingerprints)

    assert attorney.post(f"/checklists/{checklist_id}/sign-off", data={"comments": "File it."}).status_code == 302
    assert error_fingerprints(world, checklist_id)[1] == "signed_off"

    # The audit log has each override with its reason, and the sign-off lists them.
    with tenant_scope(world.firm_a.id):
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.subject_tenant_id == world.firm_a.id)
                                     .order_by(AuditEntry.id)).scalars().all()
    overridden = [e for e in entries if e.action == "checklist_finding_overridden"]
    assert [e.details["reason"] for e in overridden] == reasons
    assert all(e.actor_user_id == world["a_attorney"].id for e in overridden)
    signed = next(e for e in entries if e.action == "checklist_signed_off")
    assert [o["reason"] for o in signed.details["overridden_errors"]] == reasons

    # The PDF prints each error with who overrode it, when and why.
    attorney.post(f"/checklists/{checklist_id}/pdf")
    with tenant_scope(world.firm_a.id):
        job = db.session.execute(select(JobRecord).where(JobRecord.kind == "checklist_pdf")).scalar_one()
        text = pdf_text(read_bytes(job.file))
    assert "Error findings and overrides" in text and "UNRESOLVED" not in text
    assert "Overridden by a" in text and "reason 0" in text
    assert "acme attorney" in text


def test_unresolved_errors_print_as_such_and_a_clean_draft_needs_no_override(world, login_as, matter_id):
    checklist_id = prepared_checklist(world, login_as, matter_id)
    attorney = login_as(world["a_attorney"])
    attorney.post(f"/checklists/{checklist_id}/pdf")
    with tenant_scope(world.firm_a.id):
        job = db.session.execute(select(JobRecord).where(JobRecord.kind == "checklist_pdf")).scalar_one()
        text = pdf_text(read_bytes(job.file))
    assert "ERROR \\(unresolved\\)" in text and "error open" in text and "UNRESOLVED" in text

    # Returned, fixed and checked again: the errors are gone and sign-off needs no override.
    assert attorney.post(f"/checklists/{checklist_id}/return", data={"comments": "Fix the numbering."}
                         ).status_code == 302
    specialist = login_as(world["specialist_a"], world.firm_a)
    specialist.post(f"/checklists/{checklist_id}/draft", data={"claims": CLEAN_CLAIMS, "entity": "large"})
    assert specialist.post(f"/checklists/{checklist_id}/prepare").status_code == 302
    assert error_fingerprints(world, checklist_id)[0] == []
    assert attorney.post(f"/checklists/{checklist_id}/sign-off").status_code == 302
    assert error_fingerprints(world, checklist_id)[1] == "signed_off"

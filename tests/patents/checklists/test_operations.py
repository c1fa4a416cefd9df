"""The checklist operations on their own: templates as data, item states, draft checks and maker-checker."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import start_tracked_job
from app.models import AuditEntry
from app.patents.checklists import operations
from app.patents.checklists.models import Checklist, ChecklistTemplate
from app.patents.docketing.models import Matter
from app.tenancy import tenant_scope

from .conftest import DEFECTIVE_CLAIMS, add_matter, template

FILING_TYPES = {"us_utility", "us_provisional", "us_design", "us_continuation", "pct_international", "ep_direct"}
AUTOMATIC_ITEMS = {"claims_numbering", "claims_dependency", "antecedent_basis", "abstract_length", "title_length",
                   "reference_numerals", "claim_fees"}


def start(world, application_type="utility", jurisdiction="US", reference="A-1"):
    matter_id = add_matter(world.firm_a, reference, application_type=application_type, jurisdiction=jurisdiction)
    matter = db.session.get(Matter, matter_id)
    chosen = operations.default_template_for(matter)
    return operations.start_checklist(matter, chosen, world["specialist_a"])


def resolve_every_item(checklist, person):
    for item in checklist.items:
        operations.set_item_state(checklist, item, person, "done")


def test_every_filing_type_ships_as_version_1_with_cited_items(app):
    templates = operations.all_templates()
    assert {t.key for t in templates} == FILING_TYPES
    for t in templates:
        assert [v.version for v in t.versions] == [1]
        assert all(item["text"] and item["source"] for item in t.latest.items), t.key
    utility = template("us_utility").latest.items
    sources = {item["key"]: item["source"] for item in utility}
    assert sources["abstract_length"] == "37 CFR 1.72(b)" and sources["title_length"] == "37 CFR 1.72(a)"
    assert sources["oath_declaration"] == "37 CFR 1.63" and sources["ads"] == "37 CFR 1.76"
    assert AUTOMATIC_ITEMS <= set(sources)
    operations.ensure_default_templates()  # seeding again adds nothing
    assert db.session.execute(select(db.func.count(ChecklistTemplate.id))).scalar() == len(FILING_TYPES)


@pytest.mark.parametrize("application_type, jurisdiction, expected", [
    ("utility", "US", "us_utility"), ("provisional", "US", "us_provisional"), ("design", "US", "us_design"),
    ("divisional", "US", "us_continuation"), ("pct", "PCT", "pct_international"), ("ep", "EP", "ep_direct"),
])
def test_the_matters_application_type_picks_the_default_template(world, application_type, jurisdiction, expected):
    with tenant_scope(world.firm_a.id):
        checklist = start(world, application_type, jurisdiction)
        assert checklist.template_version.template.key == expected
        assert [i.key for i in checklist.items] == [i["key"] for i in checklist.template_version.items]
        assert checklist.events[0].kind == "started"


def test_not_applicable_needs_a_reason_and_history_records_each_change(world):
    with tenant_scope(world.firm_a.id):
        checklist = start(world)
        item = checklist.items[0]
        with pytest.raises(operations.ChecklistRuleError, match="reason"):
            operations.set_item_state(checklist, item, world["a_paralegal"], "na")
        operations.set_item_state(checklist, item, world["a_paralegal"], "na", note="see file", reason="No title yet")
        assert (item.state, item.reason, item.note) == ("na", "No title yet", "see file")
        assert checklist.events[-1].actor_name == world["a_paralegal"].name
        with pytest.raises(operations.ChecklistRuleError, match="view"):
            operations.set_item_state(checklist, item, world["a_viewer"], "done")


def test_draft_check_job_links_findings_to_items_and_estimates_fees(world):
    with tenant_scope(world.firm_a.id):
        checklist = start(world)
        db.session.commit()
        operations.attach_draft(checklist, {"claims": DEFECTIVE_CLAIMS, "title": "Widget", "entity": "small"})
        job = start_tracked_job("reports", "draft_check", "check", operations.run_draft_checks,
                                checklist.id, world["specialist_a"].id)
        assert job.status == "finished", job.error
        checklist = db.session.get(Checklist, checklist.id)
        grouped, unmatched = operations.findings_by_item(checklist)
        assert {"claims_numbering", "claims_dependency", "antecedent_basis"} <= set(grouped)
        assert not unmatched
        assert all(f["severity"] and f["message"] and f["location"] for f in checklist.findings)
        assert checklist.check_result["fees"]["entity"] == "small" and checklist.draft_title == "Widget"
        assert checklist.events[-1].kind == "checked"


def test_maker_checker_sign_off_is_recorded_in_the_audit_log(world):
    with tenant_scope(world.firm_a.id):
        checklist = start(world)
        specialist, attorney = world["specialist_a"], world["a_attorney"]
        with pytest.raises(operations.ChecklistRuleError, match="still open"):
            operations.mark_prepared(checklist, specialist)
        resolve_every_item(checklist, specialist)
        with pytest.raises(operations.ChecklistRuleError, match="specialists"):
            operations.mark_prepared(checklist, attorney)
        operations.mark_prepared(checklist, specialist)
        with pytest.raises(operations.ChecklistRuleError, match="locked"):
            operations.set_item_state(checklist, checklist.items[0], specialist, "open")
        with pytest.raises(operations.ChecklistRuleError, match="You prepared"):
            operations.sign_off(checklist, specialist)
        with pytest.raises(operations.ChecklistRuleError, match="firm attorney or firm admin"):
            operations.sign_off(checklist, world["a_paralegal"])
        with pytest.raises(operations.ChecklistRuleError, match="comments"):
            operations.return_with_comments(checklist, attorney, "  ")
        operations.return_with_comments(checklist, attorney, "Check the IDS.")
        operations.mark_prepared(checklist, world["specialist_both"])
        # Whoever prepared it once stays excluded, even after someone else re-prepared it.
        assert operations.why_cannot_sign(checklist, specialist).startswith("You prepared")
        operations.sign_off(checklist, attorney)
        assert checklist.status == "signed_off" and checklist.signed_off_by_id == attorney.id
        assert [e.kind for e in checklist.events if e.kind != "item"] == [
            "started", "prepared", "returned", "prepared", "signed_off"]
        db.session.commit()
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.target_type == "Checklist")).scalars()
    assert [a for a in actions if a.startswith("checklist_")] == [
        "checklist_prepared", "checklist_returned", "checklist_prepared", "checklist_signed_off"]


def test_template_items_are_validated(app):
    with pytest.raises(operations.ChecklistRuleError, match="source"):
        operations.normalise_items([{"text": "Drawings are attached"}])
    with pytest.raises(operations.ChecklistRuleError, match="used once"):
        operations.normalise_items([{"key": "a", "text": "x", "source": "y"}, {"key": "a", "text": "z", "source": "y"}])
    items = operations.normalise_items([{"text": "Sequence listing is filed", "source": "37 CFR 1.821"}])
    assert items == [{"key": "sequence_listing_is_filed", "section": "General", "text": "Sequence listing is filed",
                      "source": "37 CFR 1.821"}]

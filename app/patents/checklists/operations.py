"""Checklist business logic: templates and their versions, item states, draft checks, sign-off, the PDF.

Functions flush and record history; the request boundary (or tenant_job) commits.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from sqlalchemy import func, select

from ... import audit
from ...extensions import db
from ...files import FilePurpose, store_bytes
from ...models import User, utcnow
from ...permissions import Can, can
from ..docketing.models import APPLICATION_TYPES, Matter
from ..drafts import DraftInputError, check_draft, parse_claims
from ..reports import pdf
from .models import (
    CHECKLIST_STATUSES,
    ENTITIES,
    ITEM_STATES,
    Checklist,
    ChecklistEvent,
    ChecklistFindingOverride,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
ITEM_KEY = re.compile(r"^[a-z0-9_]{1,40}$")
SEVERITY_BADGES = {"error": "bad", "warning": "warn", "note": "muted"}
OVERRIDE_REASON_MIN_CHARS = 10


class ChecklistRuleError(ValueError):
    """What someone tried is not allowed now; the message says why in plain English."""


class OverrideReasonError(ChecklistRuleError):
    """An override without a written reason: the form is shown again with what was typed."""


# --- Templates -------------------------------------------------------------------------------------

def load_template_files() -> list[dict]:
    """The shipped templates, as data, in a stable order."""
    return [tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(TEMPLATE_DIR.glob("*.toml"))]


def ensure_default_templates() -> None:
    """Load every shipped template that is not in the database yet, as its version 1."""
    known = set(db.session.execute(select(ChecklistTemplate.key)).scalars())
    for data in load_template_files():
        if data["key"] not in known:
            create_template(data["key"], data["name"], data.get("description", ""), data["application_types"],
                            data.get("jurisdictions", []), data["items"], user=None,
                            change_note="Shipped with PatentDesk.")


def all_templates() -> list[ChecklistTemplate]:
    ensure_default_templates()
    return list(db.session.execute(select(ChecklistTemplate).order_by(ChecklistTemplate.name)).scalars())


def default_template_for(matter: Matter) -> ChecklistTemplate | None:
    """The template for the matter's application type, preferring one made for its jurisdiction."""
    candidates = [t for t in all_templates() if matter.application_type in (t.application_types or [])]
    in_jurisdiction = [t for t in candidates if matter.jurisdiction in (t.jurisdictions or [])]
    return (in_jurisdiction or candidates or [None])[0]


def normalise_items(rows: list[dict]) -> list[dict]:
    """Clean template items; a row without a key gets one from its text. Raises ChecklistRuleError."""
    items, seen = [], set()
    for number, row in enumerate(rows, start=1):
        text, source = (row.get("text") or "").strip(), (row.get("source") or "").strip()
        key = (row.get("key") or "").strip().lower() or _key_from_text(text, seen)
        if not text:
            raise ChecklistRuleError(f"Item {number} has no text: say what must be true.")
        if not source:
            raise ChecklistRuleError(f"Item {number} ('{text[:60]}') has no source: cite the rule it comes from.")
        if not ITEM_KEY.match(key):
            raise ChecklistRuleError(f"Item {number} has the key '{key}'; use lower-case letters, digits and '_'.")
        if key in seen:
            raise ChecklistRuleError(f"Two items use the key '{key}'; each key must be used once.")
        seen.add(key)
        items.append({"key": key, "section": (row.get("section") or "").strip() or "General",
                      "text": text, "source": source})
    if not items:
        raise ChecklistRuleError("A template needs at least one item.")
    return items


def _key_from_text(text: str, taken: set[str]) -> str:
    base = "_".join(re.findall(r"[a-z0-9]+", text.lower())[:4])[:34] or "item"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def create_template(key: str, name: str, description: str, application_types: list[str],
                    jurisdictions: list[str], items: list[dict], user: User | None,
                    change_note: str = "") -> ChecklistTemplate:
    if not ITEM_KEY.match(key or ""):
        raise ChecklistRuleError("The template key may contain only lower-case letters, digits and '_'.")
    if db.session.execute(select(ChecklistTemplate.id).where(ChecklistTemplate.key == key)).first():
        raise ChecklistRuleError(f"A template with the key '{key}' already exists.")
    unknown = set(application_types) - set(APPLICATION_TYPES)
    if unknown:
        raise ChecklistRuleError(f"Unknown application type(s): {', '.join(sorted(unknown))}.")
    template = ChecklistTemplate(key=key, name=name.strip(), description=description.strip(),
                                 application_types=list(application_types), jurisdictions=list(jurisdictions))
    template.versions.append(ChecklistTemplateVersion(version=1, items=normalise_items(items),
                                                      change_note=change_note, created_by=user))
    db.session.add(template)
    db.session.flush()
    return template


def revise_template(template: ChecklistTemplate, items: list[dict], user: User, change_note: str,
                    name: str | None = None, description: str | None = None,
                    application_types: list[str] | None = None) -> ChecklistTemplateVersion:
    """Add a new version; checklists already started keep the version they started from."""
    if not change_note.strip():
        raise ChecklistRuleError("Say what changed and why in the change note; it is kept with the version.")
    if name is not None:
        template.name = name.strip()
    if description is not None:
        template.description = description.strip()
    if application_types is not None:
        template.application_types = list(application_types)
    latest = db.session.execute(select(func.max(ChecklistTemplateVersion.version))
                                .where(ChecklistTemplateVersion.template_id == template.id)).scalar()
    version = ChecklistTemplateVersion(template=template, version=latest + 1, items=normalise_items(items),
                                       change_note=change_note.strip(), created_by=user)
    db.session.add(version)
    db.session.flush()
    return version


# --- Checklists and items --------------------------------------------------------------------------

def _event(checklist: Checklist, kind: str, user: User | None, message: str) -> None:
    checklist.events.append(ChecklistEvent(kind=kind, actor_id=user.id if user else None,
                                           actor_name=user.name if user else "PatentDesk", message=message))


def start_checklist(matter: Matter, template: ChecklistTemplate, user: User, entity: str = "large") -> Checklist:
    """A new checklist for the matter, with its own copy of the template's latest items."""
    if not can(user, Can.EDIT_CHECKLIST):
        raise ChecklistRuleError("Your role can view checklists but not start them.")
    if entity not in ENTITIES:
        raise ChecklistRuleError("Choose large, small or micro entity.")
    version = template.latest
    checklist = Checklist(matter=matter, template_version=version, entity=entity, created_by_id=user.id,
                          items=[ChecklistItem(position=n, **item) for n, item in enumerate(version.items)])
    _event(checklist, "started", user, f"Started from {template.name}, version {version.version}.")
    db.session.add(checklist)
    db.session.flush()
    return checklist


def set_item_state(checklist: Checklist, item: ChecklistItem, user: User, state: str,
                   note: str = "", reason: str = "") -> None:
    if not can(user, Can.EDIT_CHECKLIST):
        raise ChecklistRuleError("Your role can view this checklist but not change it.")
    if not checklist.is_editable:
        raise ChecklistRuleError(f"The checklist is {CHECKLIST_STATUSES[checklist.status].lower()}, so its items "
                                 f"are locked. An attorney can return it with comments to reopen it.")
    if state not in ITEM_STATES:
        raise ChecklistRuleError("Choose open, done or not applicable.")
    reason, note = reason.strip(), note.strip()
    if state == "na" and not reason:
        raise ChecklistRuleError("Give the reason this item does not apply.")
    changed = (item.state, item.note or "", item.reason or "") != (state, note, reason if state == "na" else "")
    item.state, item.note, item.reason = state, note or None, reason if state == "na" else None
    item.updated_by_id, item.updated_at = user.id, utcnow()
    if changed:
        detail = f" ({reason})" if state == "na" else ""
        _event(checklist, "item", user, f"'{item.text[:80]}' set to {ITEM_STATES[state].lower()}{detail}.")
    db.session.flush()


def findings_by_item(checklist: Checklist) -> tuple[dict[str, list[dict]], list[dict]]:
    """Findings grouped by the checklist item they relate to, and those with no such item here."""
    keys = {item.key for item in checklist.items}
    grouped: dict[str, list[dict]] = {}
    unmatched = []
    for finding in checklist.findings:
        if finding["item"] in keys:
            grouped.setdefault(finding["item"], []).append(finding)
        else:
            unmatched.append(finding)
    return grouped, unmatched


# --- The gate: error findings must be resolved (fixed and checked again, or overridden) before sign-off ----

def finding_fingerprint(finding: dict) -> str:
    """Names one finding across checks of the same draft: its code, claim, term and message."""
    key = "|".join(str(finding.get(part) or "") for part in ("code", "claim", "term", "message"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def overrides_by_fingerprint(checklist: Checklist) -> dict[str, ChecklistFindingOverride]:
    return {o.fingerprint: o for o in checklist.overrides}


def error_findings(checklist: Checklist) -> list[tuple[dict, ChecklistFindingOverride | None]]:
    """Every error-severity finding of the latest check, each with its override or None."""
    overrides = overrides_by_fingerprint(checklist)
    return [(f, overrides.get(finding_fingerprint(f))) for f in checklist.findings if f["severity"] == "error"]


def unresolved_errors(checklist: Checklist) -> list[dict]:
    return [finding for finding, override in error_findings(checklist) if override is None]


def why_cannot_override(checklist: Checklist, user: User) -> str | None:
    if not can(user, Can.SIGN_CHECKLIST):
        return "Only a firm attorney or firm admin can override an error finding."
    if checklist.status == "signed_off":
        return "The checklist is signed off; its findings can no longer be overridden."
    return None


def override_finding(checklist: Checklist, user: User, fingerprint: str, reason: str) -> ChecklistFindingOverride:
    """Record the attorney's written reason that this error finding need not be fixed before sign-off."""
    refusal = why_cannot_override(checklist, user)
    if refusal:
        raise ChecklistRuleError(refusal)
    finding = next((f for f in checklist.findings
                    if f["severity"] == "error" and finding_fingerprint(f) == fingerprint), None)
    if finding is None:
        raise ChecklistRuleError("That finding is not among the errors of the latest check; the draft may have "
                                 "been checked again since. Reload the page.")
    if fingerprint in overrides_by_fingerprint(checklist):
        raise ChecklistRuleError("That finding is already overridden.")
    reason = reason.strip()
    if len(reason) < OVERRIDE_REASON_MIN_CHARS:
        raise OverrideReasonError("Write the reason this error may stand (at least a sentence): it is printed on "
                                 "the checklist PDF and kept in the audit log.")
    override = ChecklistFindingOverride(fingerprint=fingerprint, code=finding["code"], message=finding["message"],
                                        reason=reason, by_id=user.id, by_name=user.name)
    checklist.overrides.append(override)
    _event(checklist, "override", user, f"Overrode the error '{finding['message'][:120]}': {reason}")
    audit.record("checklist_finding_overridden", summary=f"overrode an error finding on {checklist.heading}",
                 tenant_id=checklist.tenant_id, target=checklist,
                 details={"code": finding["code"], "claim": finding.get("claim"), "finding": finding["message"],
                          "reason": reason})
    db.session.flush()
    return override


def validate_draft(claims: str, entity: str) -> None:
    """Refuse a draft the checks could not read, before a job is started for it. Raises DraftInputError."""
    if entity not in ENTITIES:
        raise DraftInputError("Choose large, small or micro entity.")
    parse_claims(claims)


def attach_draft(checklist: Checklist, draft: dict) -> None:
    """Keep the draft on the checklist (flushes). The check job then reads it from the database: an
    unpublished draft never travels in a job payload (Redis keeps those for days) or a worker's log."""
    checklist.draft_title = draft.get("title") or None
    checklist.draft_abstract = draft.get("abstract") or None
    checklist.draft_claims = draft["claims"]
    checklist.draft_description = draft.get("description") or None
    checklist.entity = draft.get("entity", checklist.entity)
    db.session.flush()


def run_draft_checks(progress, checklist_id: int, user_id: int) -> dict:
    """Job body, given ids only: check the draft kept on the checklist and store the findings and fees."""
    checklist = _load_checklist(checklist_id)
    user = db.session.get(User, user_id)
    progress.update(0, 1, "Checking claims, abstract, title and reference numerals…")
    result = check_draft(checklist.draft_claims, abstract=checklist.draft_abstract, title=checklist.draft_title,
                         description=checklist.draft_description, entity=checklist.entity)
    checklist.check_result, checklist.checked_at = result, utcnow()
    counts = {s: sum(1 for f in result["findings"] if f["severity"] == s) for s in SEVERITY_BADGES}
    summary = (f"Draft checked: {result['claims']['total']} claims, {counts['error']} error(s), "
               f"{counts['warning']} warning(s), {counts['note']} note(s).")
    _event(checklist, "checked", user, summary)
    progress.update(1, 1, summary)
    return {"checklist_id": checklist.id, "findings": len(result["findings"])}


def _load_checklist(checklist_id: int) -> Checklist:
    return db.session.execute(select(Checklist).where(Checklist.id == checklist_id)).scalar_one()


# --- Maker-checker -----------------------------------------------------------------------------------

def preparers(checklist: Checklist) -> set[int]:
    """Everyone who has ever marked this checklist prepared: none of them may sign it off."""
    ids = {e.actor_id for e in checklist.events if e.kind == "prepared" and e.actor_id is not None}
    return ids | ({checklist.prepared_by_id} if checklist.prepared_by_id else set())


def why_cannot_prepare(checklist: Checklist, user: User) -> str | None:
    if not can(user, Can.PREPARE_CHECKLIST):
        return "The provider's patent specialists mark checklists prepared; a firm attorney then signs them off."
    if not checklist.is_editable:
        return f"The checklist is already {CHECKLIST_STATUSES[checklist.status].lower()}."
    still_open = checklist.open_items
    if still_open:
        names = "; ".join(f"'{item.text[:50]}'" for item in still_open[:3])
        more = f" and {len(still_open) - 3} more" if len(still_open) > 3 else ""
        return (f"{len(still_open)} item(s) are still open: {names}{more}. Mark each one done, or not applicable "
                f"with a reason, first.")
    return None


def why_cannot_review(checklist: Checklist, user: User) -> str | None:
    """Why this person may not sign off or return the checklist now, or None when they may."""
    if checklist.status != "prepared":
        return (f"The checklist is {CHECKLIST_STATUSES[checklist.status].lower()}; only a prepared checklist can "
                f"be signed off or returned.")
    if user.id in preparers(checklist):
        return ("You prepared this checklist, so someone else must check it: a firm attorney or firm admin "
                "signs it off (maker-checker).")
    if not can(user, Can.SIGN_CHECKLIST):
        return "Only a firm attorney or firm admin can sign off a checklist or return it with comments."
    return None


def why_cannot_sign(checklist: Checklist, user: User) -> str | None:
    """Why this person may not sign the checklist off now: the review rules, then the gate of error findings."""
    refusal = why_cannot_review(checklist, user)
    if refusal:
        return refusal
    if checklist.check_job and checklist.check_job.status in ("queued", "running"):
        return "The draft check is still running; sign off when its findings are in."
    unresolved = unresolved_errors(checklist)
    if unresolved:
        first = unresolved[0]["message"]
        return (f"{len(unresolved)} error(s) from the automatic draft check are unresolved (first: \"{first[:120]}\"). "
                f"Override each one with a written reason, or return the checklist so the draft is fixed and "
                f"checked again.")
    return None


def mark_prepared(checklist: Checklist, user: User, note: str = "") -> None:
    refusal = why_cannot_prepare(checklist, user)
    if refusal:
        raise ChecklistRuleError(refusal)
    checklist.status, checklist.prepared_by_id, checklist.prepared_at = "prepared", user.id, utcnow()
    checklist.signed_off_by_id = checklist.signed_off_at = None
    _event(checklist, "prepared", user, "Marked prepared for sign-off." + (f" {note.strip()}" if note.strip() else ""))
    audit.record("checklist_prepared", summary=f"prepared {checklist.heading}", tenant_id=checklist.tenant_id,
                 target=checklist)
    db.session.flush()


def sign_off(checklist: Checklist, user: User, comment: str = "") -> None:
    refusal = why_cannot_sign(checklist, user)
    if refusal:
        raise ChecklistRuleError(refusal)
    checklist.status, checklist.signed_off_by_id, checklist.signed_off_at = "signed_off", user.id, utcnow()
    _event(checklist, "signed_off", user, "Signed off." + (f" {comment.strip()}" if comment.strip() else ""))
    overridden = [{"code": f["code"], "finding": f["message"], "reason": o.reason, "by": o.by_name}
                  for f, o in error_findings(checklist) if o is not None]
    audit.record("checklist_signed_off", summary=f"signed off {checklist.heading}", tenant_id=checklist.tenant_id,
                 target=checklist, details={"prepared_by_id": checklist.prepared_by_id,
                                            "overridden_errors": overridden})
    db.session.flush()


def return_with_comments(checklist: Checklist, user: User, comments: str) -> None:
    refusal = why_cannot_review(checklist, user)
    if refusal:
        raise ChecklistRuleError(refusal)
    if not comments.strip():
        raise ChecklistRuleError("Say what needs to change: the comments go back to the preparer.")
    checklist.status = "returned"
    _event(checklist, "returned", user, f"Returned with comments: {comments.strip()}")
    audit.record("checklist_returned", summary=f"returned {checklist.heading}", tenant_id=checklist.tenant_id,
                 target=checklist, details={"comments": comments.strip()})
    db.session.flush()


# --- The PDF for the file ----------------------------------------------------------------------------

def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _money(amount) -> str:
    return f"${amount:,.2f}"


def checklist_pdf_story(checklist: Checklist) -> list:
    matter = checklist.matter
    version = checklist.template_version
    grouped, unmatched = findings_by_item(checklist)
    overrides = overrides_by_fingerprint(checklist)

    def described(f: dict) -> str:
        if f["severity"] != "error":
            return f"{f['severity'].upper()}: {f['message']}"
        override = overrides.get(finding_fingerprint(f))
        if override is None:
            return f"ERROR (unresolved): {f['message']}"
        return (f"ERROR, overridden by {override.by_name} on {_when(override.at)}: {f['message']} "
                f"Reason: {override.reason}")

    def state(item) -> str:
        open_errors = sum(1 for f in grouped.get(item.key, [])
                          if f["severity"] == "error" and finding_fingerprint(f) not in overrides)
        return item.state_label + (f"; {open_errors} error{'s' if open_errors > 1 else ''} open" if open_errors else "")

    story = [pdf.table(["Matter", "Title", "Template", "Status"], [[
        matter.reference, matter.title, f"{version.template.name}, version {version.version}",
        checklist.status_label]], widths=[70, 190, 130, 90])]

    story.append(pdf.text("Items", "h2"))
    rows = []
    for item in checklist.items:
        remarks = "; ".join(part for part in (
            f"Reason: {item.reason}" if item.reason else "", f"Note: {item.note}" if item.note else "",
            *(described(f) for f in grouped.get(item.key, []))) if part)
        rows.append([item.section, item.text, item.source, state(item), remarks])
    story.append(pdf.table(["Section", "Item", "Source", "State", "Notes and findings"], rows,
                           widths=[68, 140, 72, 55, 145]))

    story.append(pdf.text("Automatic draft checks", "h2"))
    if checklist.check_result is None:
        story.append(pdf.text("No draft was checked for this checklist."))
    else:
        story.append(pdf.text(f"Checked {_when(checklist.checked_at)}: {len(checklist.findings)} finding(s)."))
        if unmatched:
            story.append(pdf.table(["Relates to", "Finding"], [[f["item"], described(f)] for f in unmatched],
                                   widths=[90, 390]))
        errors = error_findings(checklist)
        if errors:
            story.append(pdf.text("Error findings and overrides", "h2"))
            story.append(pdf.table(
                ["Error", "Resolution"],
                [[f["message"], (f"Overridden by {o.by_name}, {_when(o.at)}: {o.reason}" if o else "UNRESOLVED")]
                 for f, o in errors], widths=[240, 240]))
        fees = checklist.check_result["fees"]
        story.append(pdf.text("Fee estimate", "h2"))
        story.append(pdf.table(
            ["Fee", "Rule", "Count", "Included", "Excess", "Unit fee", "Amount"],
            [[line["label"], line["cfr"], line["count"], line["threshold"], line["excess"],
              _money(line["unit_fee"]), _money(line["amount"])] for line in fees["lines"]]
            + [["Total claims fees", "", "", "", "", "", _money(fees["total"])]],
            widths=[130, 70, 45, 50, 45, 65, 75]))
        story.append(pdf.text(f"{ENTITIES[fees['entity']]} · {fees['currency']} · fees effective "
                              f"{fees['effective_date']} · {fees['citation']}", "small"))

    story.append(pdf.text("Sign-off", "h2"))
    prepared = checklist.prepared_by.name if checklist.prepared_by else "not yet prepared"
    signed = checklist.signed_off_by.name if checklist.signed_off_by else "not signed off"
    story.append(pdf.table(["Step", "Who", "When"], [
        ["Prepared", prepared, _when(checklist.prepared_at)],
        ["Signed off", signed, _when(checklist.signed_off_at)],
    ], widths=[100, 200, 180]))
    story.append(pdf.text("History", "h2"))
    story.append(pdf.table(["When", "Who", "What"],
                           [[_when(e.at), e.actor_name, e.message] for e in checklist.events],
                           widths=[95, 110, 275]))
    return story


def render_checklist_pdf(progress, checklist_id: int, user_id: int | None) -> dict:
    """Job body: lay out the checklist for the file and attach the PDF to the job."""
    checklist = _load_checklist(checklist_id)
    progress.update(0, 1, "Laying out the checklist…")
    status = "" if checklist.status == "signed_off" else " (DRAFT: not signed off)"
    data = pdf.render(f"Drafting checklist{status}", checklist.heading, checklist_pdf_story(checklist),
                      footer=f"{checklist.matter.reference} checklist {checklist.id}")
    stored = store_bytes(data, f"checklist-{checklist.matter.reference}-{checklist.id}.pdf", "application/pdf",
                         FilePurpose.CHECKLIST_PDF, created_by_id=user_id)
    progress.attach(stored)
    _event(checklist, "pdf", db.session.get(User, user_id) if user_id else None,
           f"PDF made ({stored.filename}).")
    return {"file_id": stored.id}

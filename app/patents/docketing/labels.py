"""What docketing calls things: deadline kinds and event parameters, as people read them."""
from __future__ import annotations

from functools import cache

from .. import deadlines

KIND_LABELS = {
    "US_NONPROVISIONAL_FILING": "File nonprovisional (claiming the provisional)",
    "US_CONVENTION_FILING": "File US application claiming foreign priority",
    "US_IDS_NO_FEE": "IDS without fee or statement",
    "US_OA_REPLY": "Reply to non-final Office action",
    "US_FINAL_OA_REPLY": "Reply to final Office action",
    "US_RESTRICTION_REPLY": "Reply to restriction requirement",
    "US_ISSUE_FEE": "Pay issue fee",
    "US_MISSING_PARTS_REPLY": "Reply to notice of missing parts",
    "US_APPEAL_BRIEF": "File appeal brief",
    "US_NOTICE_OF_APPEAL": "File notice of appeal (or reply)",
    "US_REPLY_BRIEF": "File reply brief (optional)",
    "US_ANSWER_NEW_GROUND_REPLY": "New ground in examiner's answer: reopen or reply brief",
    "US_REHEARING_REQUEST": "Request rehearing by the Board (optional)",
    "US_BOARD_NEW_GROUND_REPLY": "New ground by the Board: reopen or request rehearing",
    "US_COURT_REVIEW": "Appeal to the Federal Circuit or civil action",
    "US_PTA_RECONSIDERATION": "Request PTA reconsideration",
    "US_QUAYLE_REPLY": "Reply to ex parte Quayle action",
    "US_NOTICE_REPLY": "Reply to USPTO notice",
    "US_INTERVIEW_STATEMENT": "File statement of interview substance",
    "US_IDS_STATEMENT_WINDOW": "IDS with 1.97(e)(1) statement (3 months from foreign citation)",
    "US_REEXAM_OWNER_STATEMENT": "Patent owner statement (reexamination)",
    "US_TRIAL_PRELIMINARY_RESPONSE": "Patent owner preliminary response (IPR/PGR)",
    "US_TRIAL_REHEARING_REQUEST": "Request rehearing of final written decision",
    "US_MAINTENANCE_FEE": "Maintenance fee",
    "US_NATIONAL_STAGE": "Enter US national stage",
    "EP_REGIONAL_PHASE": "Enter European regional phase",
    "EP_RENEWAL": "EP renewal fee",
    "EP_COMMUNICATION_REPLY": "Reply to EPO communication",
    "EP_APPEAL_NOTICE": "File EP notice of appeal",
    "EP_APPEAL_GROUNDS": "File EP grounds of appeal",
    "EP_OPPOSITION": "EP opposition period ends (watch)",
    "EP_FILING_SEARCH_FEE": "Pay EP filing and search fees",
    "EP_CONVENTION_FILING": "File EP application claiming priority",
    "EP_EXAMINATION_REQUEST": "Request EP examination",
    "EP_DESIGNATION_FEE": "Pay EP designation fee",
    "EP_SEARCH_OPINION_REPLY": "Respond to extended European search report",
    "EP_GRANT_APPROVAL": "Approve text for grant (Rule 71(3))",
    "EP_FURTHER_PROCESSING": "Request further processing",
    "EP_REESTABLISHMENT": "Request re-establishment of rights",
    "EP_UNITARY_EFFECT_REQUEST": "Request unitary effect (optional)",
    "UP_RENEWAL": "Unitary Patent renewal fee",
    "PCT_DEMAND": "File PCT demand (Chapter II)",
    "PCT_FILING": "File PCT application claiming priority",
    "PCT_FILING_FEES": "Pay PCT filing fees",
    "PCT_ART19_AMENDMENTS": "Article 19 amendments (optional)",
    "PCT_PRIORITY_DOCUMENT": "Furnish priority document",
    "PCT_PRIORITY_CORRECTION": "Correct or add priority claim (optional)",
    "PCT_SIS_REQUEST": "Request supplementary international search (optional)",
    "PCT_NATIONAL_PHASE_US": "Enter national phase: US",
    "PCT_NATIONAL_PHASE_EP": "Enter national phase: EP (regional)",
    "PCT_NATIONAL_PHASE_JP": "Enter national phase: Japan",
    "PCT_NATIONAL_PHASE_CN": "Enter national phase: China",
    "PCT_NATIONAL_PHASE_KR": "Enter national phase: Korea",
    "PCT_NATIONAL_PHASE_CA": "Enter national phase: Canada",
    "PCT_NATIONAL_PHASE_AU": "Enter national phase: Australia",
    "PCT_NATIONAL_PHASE_IN": "Enter national phase: India",
    "PCT_NATIONAL_PHASE_GB": "Enter national phase: UK",
    "PCT_NATIONAL_PHASE_BR": "Enter national phase: Brazil",
}
PARAMETER_LABELS = {"isr_date": "ISR date", "ipea": "IPEA", "priority_date": "Priority date",
                    "receiving_office": "Receiving office", "period_months": "Period (months)",
                    "months": "Extension (months)", "sequence": "Fee number / renewal year",
                    "application_type": "Application type", "claims_twice_rejected": "Claims twice rejected",
                    "final_action_date": "Final action date",
                    "first_reply_within_two_months": "First reply within 2 months",
                    "new_ground": "New ground of rejection",
                    "supplemental_answer_decision_date": "Supplemental answer decision date",
                    "extendable": "Extendable", "summary_mailed_date": "Interview summary date",
                    "reply_already_filed": "Reply already filed", "proceeding": "Proceeding",
                    "extension_months": "Extension granted (months)", "received_date": "Date of receipt",
                    "expired_time_limit_date": "Missed time limit expired", "parent_filing_date": "Parent filing date",
                    "isr_publication_date": "ISR publication date", "designated_offices": "National phase offices",
                    "office": "Office", "filing_date": "Filing date", "grant_mention_date": "Grant mentioned"}


def parameter_label(name: str) -> str:
    return PARAMETER_LABELS.get(name, name.replace("_", " ").capitalize())


def kind_label(kind: str, sequence: int | None = None) -> str:
    label = KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
    if sequence is None:
        return label
    return f"{label}, year {sequence}" if kind in ("EP_RENEWAL", "UP_RENEWAL") else f"{label} #{sequence}"


def kind_choices() -> list[tuple[str, str]]:
    """Every deadline kind the engine can produce, and hand-entered ones; no scan of the data."""
    return sorted([(kind, kind_label(kind)) for kind in KIND_LABELS] + [("MANUAL", "Entered by hand")],
                  key=lambda choice: choice[1])


@cache
def _event_descriptions() -> dict[tuple[str | None, str], str]:
    vocabulary = deadlines.vocabulary()
    described = {(None, c["event"]): c["description"] for c in vocabulary["closing"]}
    for jurisdiction, events in vocabulary["triggering"].items():
        described.update({(jurisdiction, e["event"]): e["description"] for e in events})
    return described


def event_label(jurisdiction: str, code: str) -> str:
    """An event as people say it ("Final Office action mailed"), from the rules' own description; codes stay
    in the API and the CLI."""
    described = _event_descriptions()
    description = described.get((jurisdiction, code)) or described.get((None, code))
    if description is None:
        return code.replace("_", " ").capitalize()
    return description.split(" (date =")[0]

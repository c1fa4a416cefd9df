"""What docketing calls things: deadline kinds and event parameters, as people read them."""
from __future__ import annotations

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
    "US_MAINTENANCE_FEE": "Maintenance fee",
    "US_NATIONAL_STAGE": "Enter US national stage",
    "EP_REGIONAL_PHASE": "Enter European regional phase",
    "EP_RENEWAL": "EP renewal fee",
    "EP_COMMUNICATION_REPLY": "Reply to EPO communication",
    "EP_APPEAL_NOTICE": "File EP notice of appeal",
    "EP_APPEAL_GROUNDS": "File EP grounds of appeal",
    "EP_OPPOSITION": "EP opposition period ends (watch)",
    "PCT_DEMAND": "File PCT demand (Chapter II)",
    "PCT_FILING": "File PCT application claiming priority",
}
PARAMETER_LABELS = {"isr_date": "ISR date", "ipea": "IPEA", "priority_date": "Priority date",
                    "receiving_office": "Receiving office", "period_months": "Period (months)",
                    "months": "Extension (months)", "sequence": "Fee number / renewal year",
                    "application_type": "Application type", "claims_twice_rejected": "Claims twice rejected",
                    "final_action_date": "Final action date",
                    "first_reply_within_two_months": "First reply within 2 months",
                    "new_ground": "New ground of rejection",
                    "supplemental_answer_decision_date": "Supplemental answer decision date"}


def kind_label(kind: str, sequence: int | None = None) -> str:
    label = KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
    if sequence is None:
        return label
    return f"{label}, year {sequence}" if kind == "EP_RENEWAL" else f"{label} #{sequence}"


def kind_choices() -> list[tuple[str, str]]:
    """Every deadline kind the engine can produce, and hand-entered ones; no scan of the data."""
    return sorted([(kind, kind_label(kind)) for kind in KIND_LABELS] + [("MANUAL", "Entered by hand")],
                  key=lambda choice: choice[1])

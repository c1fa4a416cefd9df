"""PatentDesk deadline rules engine (pure Python; rules and office calendars
are data: rules/*.toml, calendars/*.toml).

Public API:
    compute(jurisdiction, event_code, event_date, params) -> list[ComputedDeadline]
    preview(jurisdiction, event_code, date_str, params)   -> dict (stable JSON)
    vocabulary()                                          -> dict for UI dropdowns
    events(jurisdiction)                                  -> events with parameters and rules
    closed_kinds(event_code, params)                      -> [(kind, sequence|None)]
    extension_due(deadline, months)                       -> Extension
    RuleError
"""
from .closing import closed_kinds, extension_due
from .engine import ComputedDeadline, Extension, compute, events, preview, vocabulary, vocabulary_markdown
from .errors import RuleDataError, RuleError

__all__ = ["compute", "events", "preview", "vocabulary_markdown", "vocabulary", "closed_kinds", "extension_due",
           "ComputedDeadline", "Extension", "RuleError", "RuleDataError"]

"""Closing events: which open deadlines an event closes or moves.

The map itself is data (rules/closing.toml); this module only interprets it.
"""
from __future__ import annotations

from .engine import ComputedDeadline, Extension, resolve_params
from .errors import RuleError
from .ruleset import load_ruleset


def closed_kinds(event_code: str, params: dict | None = None) -> list[tuple[str, int | None]]:
    """[(kind, sequence)] closed by the event.  sequence None means every
    sequence of that kind.  EXTENSION_FILED closes nothing (see extension_due)."""
    rs = load_ruleset()
    code = event_code.strip().upper() if isinstance(event_code, str) else event_code
    ce = rs.closing.get(code)
    if ce is None:
        raise RuleError(f"unknown closing event {event_code!r}; known closing events: {', '.join(sorted(rs.closing))}")
    resolved = resolve_params(ce.params, params, ce.event)
    seq = resolved.get(ce.sequence_param) if ce.sequence_param else None
    kinds = rs.kinds if ce.closes_all else ce.closes
    if ce.kind_param:
        kinds = tuple(kinds) + (dict(ce.kind_map)[resolved[ce.kind_param]],)
    return [(k, seq) for k in kinds]


def extension_due(deadline: ComputedDeadline, months) -> Extension:
    """The extension entry a purchased extension of `months` moves the
    deadline to; RuleError if the kind has no ladder or months is off it."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise RuleError(f"extension months must be a whole number, got {months!r}")
    if not deadline.extensions:
        raise RuleError(f"{deadline.kind} cannot be extended (no extension ladder)")
    for ext in deadline.extensions:
        if ext.months == months:
            return ext
    available = ", ".join(str(e.months) for e in deadline.extensions)
    raise RuleError(f"an extension of {months} month(s) is not available for {deadline.kind}; "
                    f"available: {available}")

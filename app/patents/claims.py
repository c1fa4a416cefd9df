"""The claim model and the claim-reference grammar, shared by the draft checks and the patent importers.

A claim refers to other claims by number ("claim 1", "claims 1 or 2", "any one of claims 1 to 3",
"claims 1-3, 7", EP "Claims 1 and 9 or Claims 4 and 9") or to the claims before it ("any preceding
claim", "according to one of the preceding claims"; "the preceding claim" is the one just before).
:func:`find_claim_references` returns each reference with its place in the text, so the antecedent check
never reads "the preceding claims" as a term.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# A range longer than this is a typo or an attack, not a claim set ("claims 1 to 99999999").
MAX_RANGE = 1000


@dataclass
class Claim:
    number: int
    text: str                       # claim body, wrapped lines joined by single spaces
    depends_on: list[int] = field(default_factory=list)   # claims referred to (sorted, unique)
    is_multiple_dependent: bool = False
    line: int = 0                   # 1-based line of the claim number in the input
    position: int = 0               # char offset of the claim number in the input (CRLF normalised)
    refers_to_all_preceding: bool = False   # "any preceding claim"
    cumulative_reference: bool = False      # "claims 1 and 2" (not in the alternative)
    canceled: bool = False
    status: str | None = None       # e.g. "Original", "Currently Amended"

    @property
    def is_independent(self) -> bool:
        return not self.depends_on and not self.refers_to_all_preceding


@dataclass(frozen=True)
class ClaimReference:
    start: int                      # span of the reference in the text
    end: int
    numbers: tuple[int, ...] = ()   # claims named by number, ranges expanded
    all_preceding: bool = False     # "any preceding claim": every claim before this one
    previous_only: bool = False     # "the preceding claim": the claim just before
    cumulative: bool = False        # "claims 1 and 2": together, not in the alternative


_SEPARATOR = r"(?:,\s*(?:or|and)\b|,|;|\band/or\b|\bor\b|\band\b|\bto\b|\bthrough\b|\bthru\b|-|\u2013|\u2014)"
# A claim number is not a quantity: "claims 1 and 2 to 3 and 90-0% by weight" lists claims 1 to 3 only.
_NUMBER = r"\d{1,4}(?!\d)(?!(?:\s*[-\u2013]\s*\d+)?\s*(?:%|percent\b|parts?\b|wt\b|mm\b|cm\b))"
_NUMBERED = re.compile(
    r"\bclaims?\s+(?P<list>" + _NUMBER + r"(?:\s*" + _SEPARATOR + r"\s*(?:claims?\s+)?" + _NUMBER + r")*)",
    re.IGNORECASE)
_PRECEDING = re.compile(
    r"\b(?P<quantifier>(?:any|one|either|each|all)\s+(?:one\s+)?(?:of\s+)?)?(?:the\s+)?"
    r"(?:preceding|previous|foregoing|prior|above|above-mentioned|aforementioned)\s+(?P<noun>claims?)\b",
    re.IGNORECASE,
)
_LIST_TOKEN = re.compile(r"\d+|and/or|to|through|thru|or|and|-|\u2013|\u2014", re.IGNORECASE)
_RANGE_WORDS = {"to", "through", "thru", "-", "\u2013", "\u2014"}


def _numbered_reference(match: re.Match, text: str) -> ClaimReference:
    numbers: list[int] = []
    pending_range = has_or = has_and = has_range = False
    for token in (t.lower() for t in _LIST_TOKEN.findall(match.group("list"))):
        if token.isdigit():
            n = int(token)
            if pending_range and numbers and numbers[-1] <= n <= numbers[-1] + MAX_RANGE:
                numbers.extend(range(numbers[-1] + 1, n + 1))
            else:
                numbers.append(n)
            pending_range = False
        elif token in _RANGE_WORDS:
            pending_range = has_range = True
        elif token in ("or", "and/or"):
            has_or = True
        elif token == "and":
            has_and = True
    before = text[max(0, match.start() - 20):match.start()].lower()
    cumulative = (len(set(numbers)) > 1 and has_and and not has_or and not has_range
                  and "any" not in before and "either" not in before)
    return ClaimReference(match.start(), match.end(), tuple(numbers), cumulative=cumulative)


def find_claim_references(text: str) -> list[ClaimReference]:
    """Every reference to other claims in the text, in order of appearance."""
    refs = [_numbered_reference(m, text) for m in _NUMBERED.finditer(text)]
    for m in _PRECEDING.finditer(text):
        singular = m.group("noun").lower() == "claim"
        previous_only = singular and not m.group("quantifier")
        refs.append(ClaimReference(m.start(), m.end(), all_preceding=not previous_only,
                                   previous_only=previous_only))
    return sorted(refs, key=lambda r: r.start)


def claim_references(text: str) -> list[int]:
    """Claim numbers referred to in text: `claim 1`, `claims 1 or 2`, `any one of claims 1 to 3` -> [1, 2, 3]."""
    return sorted({n for ref in find_claim_references(text) for n in ref.numbers})


def resolve_dependencies(claim: Claim, earlier: list[int]) -> None:
    """Fill in the claim's dependencies from its text; `earlier` lists the numbers of the claims before it."""
    refs = find_claim_references(claim.text)
    numbers = {n for ref in refs for n in ref.numbers}
    if any(ref.all_preceding for ref in refs):
        numbers.update(earlier)
    if any(ref.previous_only for ref in refs) and earlier:
        numbers.add(max(earlier))
    claim.depends_on = sorted(numbers)
    claim.refers_to_all_preceding = any(ref.all_preceding or ref.previous_only for ref in refs)
    claim.cumulative_reference = any(ref.cumulative for ref in refs)
    claim.is_multiple_dependent = len(claim.depends_on) > 1

"""Run all automatic draft checks and return a JSON-serialisable report."""
from __future__ import annotations

import re

from .antecedent import check_antecedent_basis
from .claims import Claim, DraftInputError, parse_claims
from .fees import claim_weights, compute_fees, count_claims, improper_multiple_dependents
from .numerals import check_numerals

ABSTRACT_MAX_WORDS = 150      # 37 CFR 1.72(b)
TITLE_MAX_CHARS = 500         # 37 CFR 1.72(a)

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def _finding(code, severity, item, message, claim=None, term=None, location=None) -> dict:
    return {"code": code, "severity": severity, "claim": claim, "term": term, "message": message,
            "location": location or {}, "item": item}


def _claim_loc(c: Claim, offset: int | None = None) -> dict:
    return {"field": "claims", "line": c.line, "offset": offset}


def _join(nums) -> str:
    nums = list(nums)
    if len(nums) <= 1:
        return ", ".join(map(str, nums))
    return ", ".join(map(str, nums[:-1])) + " and " + str(nums[-1])


def count_words(text: str) -> int:
    """Words as an examiner counts them: whitespace-separated tokens containing a letter or digit."""
    return sum(1 for tok in text.split() if re.search(r"\w", tok))


def _numbering(claims: list[Claim]) -> list[dict]:
    out = []
    prev = 0
    seen: dict[int, Claim] = {}
    for c in claims:
        if c.number in seen:
            out.append(_finding("CLAIM_NUMBERING", "error", "claims_numbering",
                                f"Claim number {c.number} is used more than once (line {seen[c.number].line} and "
                                f"line {c.line}). Claims must be numbered 1, 2, 3 ... with each number used once.",
                                c.number, None, _claim_loc(c)))
        elif c.number != prev + 1:
            if prev == 0:
                msg = f"The first claim is numbered {c.number}; claims must start at 1."
            elif c.number > prev + 1:
                msg = (f"Claim {c.number} follows claim {prev}; claim number(s) {_join(range(prev + 1, c.number))} "
                       f"are missing. Claims must be numbered consecutively in Arabic numerals.")
            else:
                msg = (f"Claim {c.number} comes after claim {prev}; claims must be numbered consecutively "
                       f"in increasing order.")
            out.append(_finding("CLAIM_NUMBERING", "error", "claims_numbering", msg, c.number, None, _claim_loc(c)))
        seen.setdefault(c.number, c)
        prev = max(prev, c.number)
    return out


def _dependencies(claims: list[Claim]) -> list[dict]:
    out = []
    by_num: dict[int, Claim] = {}
    for c in claims:
        if not c.canceled:
            by_num.setdefault(c.number, c)
    canceled = {c.number for c in claims if c.canceled}
    for c in claims:
        if c.canceled:
            continue
        for ref in c.depends_on:
            if ref == c.number:
                out.append(_finding("DEPENDENCY_FORWARD", "error", "claims_dependency",
                                    f"Claim {c.number} refers to itself. A dependent claim must refer to an "
                                    f"earlier claim.", c.number, None, _claim_loc(c)))
            elif ref in canceled and ref not in by_num:
                out.append(_finding("DEPENDENCY_MISSING", "error", "claims_dependency",
                                    f"Claim {c.number} refers to claim {ref}, which has been canceled.",
                                    c.number, None, _claim_loc(c)))
            elif ref not in by_num:
                out.append(_finding("DEPENDENCY_MISSING", "error", "claims_dependency",
                                    f"Claim {c.number} refers to claim {ref}, but there is no claim {ref}.",
                                    c.number, None, _claim_loc(c)))
            elif ref > c.number:
                out.append(_finding("DEPENDENCY_FORWARD", "error", "claims_dependency",
                                    f"Claim {c.number} refers to claim {ref}, which comes after it. A dependent "
                                    f"claim may only refer to an earlier claim (37 CFR 1.75(c)).",
                                    c.number, None, _claim_loc(c)))
        if c.refers_to_all_preceding and not any(n < c.number for n in by_num):
            out.append(_finding("DEPENDENCY_MISSING", "error", "claims_dependency",
                                f"Claim {c.number} refers to 'any preceding claim', but no claim comes before it.",
                                c.number, None, _claim_loc(c)))

    improper = improper_multiple_dependents(claims)
    weights = claim_weights(claims)
    for c in claims:
        if c.canceled or not c.is_multiple_dependent:
            continue
        msg = (f"Claim {c.number} is a multiple dependent claim (it refers to claims {_join(c.depends_on)}). ")
        if c.number in improper:
            msg += ("It is not in proper multiple dependent form, so it counts as 1 claim for fee purposes "
                    "and must be corrected.")
        else:
            msg += (f"It triggers the multiple dependent claim fee and counts as {weights[c.number]} claims "
                    f"for fee purposes.")
        if c.cumulative_reference:
            msg += (" It refers to the claims cumulatively ('and'); US practice requires the alternative "
                    "('or', 'any one of'), MPEP 608.01(n).")
        out.append(_finding("MULTIPLE_DEPENDENT", "note", "claim_fees", msg, c.number, None, _claim_loc(c)))
        bad = improper.get(c.number, {}).get("md_ancestors", [])
        if bad:
            direct = [b for b in bad if b in c.depends_on]
            how = "directly" if direct else "through the claims it depends on"
            out.append(_finding(
                "MULTIPLE_DEPENDENT_CHAIN", "error", "claims_dependency",
                f"Claim {c.number} is a multiple dependent claim that depends ({how}) on multiple dependent "
                f"claim(s) {_join(bad)}. A multiple dependent claim may not serve as a basis for another "
                f"multiple dependent claim (35 U.S.C. 112(e); 37 CFR 1.75(c)).",
                c.number, None, _claim_loc(c)))
    return out


def _antecedents(claims: list[Claim]) -> list[dict]:
    by_num = {}
    for c in claims:
        if not c.canceled:
            by_num.setdefault(c.number, c)
    out = []
    for issue in check_antecedent_basis(claims):
        c = by_num[issue.claim]
        out.append(_finding("ANTECEDENT_BASIS", issue.severity, "antecedent_basis", issue.message, issue.claim,
                            issue.term, _claim_loc(c, issue.offset)))
    return out


def _numeral_findings(claims: list[Claim], description: str | None) -> list[dict]:
    by_num = {c.number: c for c in claims}
    out = []
    for iss in check_numerals(claims, description):
        num = iss["numeral"]
        if iss["direction"] == "claims_only":
            c = by_num.get(iss["claim"])
            label = f" (next to '{iss['words'][0]}')" if iss["words"] else ""
            out.append(_finding("NUMERAL_UNUSED", "note", "reference_numerals",
                                f"Claim {iss['claim']} uses reference numeral {num}{label}, but numeral {num} "
                                f"does not appear in the description.", iss["claim"], None,
                                _claim_loc(c, iss["offset"]) if c else {"field": "claims"}))
        else:
            label = f" ('{iss['words'][0]} {num}')" if iss["words"] else ""
            out.append(_finding("NUMERAL_UNUSED", "note", "reference_numerals",
                                f"Reference numeral {num}{label} appears in the description but is not used in "
                                f"any claim, although the claims use reference numerals elsewhere.", None, None,
                                {"field": "description", "line": None, "offset": None}))
    return out


def check_draft(claims_text, abstract=None, title=None, description=None, entity="large", as_of=None) -> dict:
    """Check a draft and return {"claims": ..., "findings": [...], "fees": ...}.

    Raises DraftInputError for unreadable claims, an unknown entity, or a bad date.
    """
    for name, val in (("abstract", abstract), ("title", title), ("description", description)):
        if val is not None and not isinstance(val, str):
            raise DraftInputError(f"The {name} must be text.")
    claims = parse_claims(claims_text)
    counts = count_claims(claims)
    fees = compute_fees(counts, entity, as_of)

    findings: list[dict] = []
    findings += _numbering(claims)
    findings += _dependencies(claims)
    findings += _antecedents(claims)

    if abstract is not None and abstract.strip():
        words = count_words(abstract)
        if words > ABSTRACT_MAX_WORDS:
            findings.append(_finding(
                "ABSTRACT_TOO_LONG", "error", "abstract_length",
                f"The abstract has {words} words; the limit is {ABSTRACT_MAX_WORDS} words (37 CFR 1.72(b)). "
                f"Shorten it by {words - ABSTRACT_MAX_WORDS} word(s).", None, None,
                {"field": "abstract", "words": words, "limit": ABSTRACT_MAX_WORDS}))
    if title is not None and title.strip():
        length = len(title.strip())
        if length > TITLE_MAX_CHARS:
            findings.append(_finding(
                "TITLE_TOO_LONG", "error", "title_length",
                f"The title has {length} characters; the limit is {TITLE_MAX_CHARS} characters (37 CFR 1.72(a)).",
                None, None, {"field": "title", "characters": length, "limit": TITLE_MAX_CHARS}))
    findings += _numeral_findings(claims, description)

    findings.sort(key=lambda f: (SEVERITY_ORDER[f["severity"]],
                                 f["claim"] if f["claim"] is not None else 10 ** 9,
                                 (f["location"] or {}).get("offset") or 0))
    return {
        "claims": {k: counts[k] for k in ("total", "independent", "multiple_dependent", "fee_total")},
        "findings": findings,
        "fees": fees,
    }


__all__ = ["check_draft", "count_words", "DraftInputError"]

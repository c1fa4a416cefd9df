"""US claim fee counting (37 CFR 1.75(c), MPEP 607 / 608.01(n)) and fee tables.

Counting rules (MPEP 608.01(n), "Fee calculation"):
* an independent claim counts as 1;
* a claim referring to one other claim counts as whatever that claim counts as
  (so a claim depending on a multiple dependent claim counts as the number of
  claims that multiple dependent claim refers to; an ordinary dependent claim
  therefore counts 1);
* a multiple dependent claim counts as the number of claims it refers to.
An improper multiple dependent claim (depends on another multiple dependent
claim, or refers cumulatively "claims 1 and 2") counts as 1, as does any claim
depending on it, and the 1.16(j) fee is due only if at least one multiple
dependent claim is proper (MPEP 608.01(n), G.2).  Canceled claims are not counted.  References to
missing, self or later claims are ignored for counting (such a claim counts 1 and is reported separately).
"""
from __future__ import annotations

import datetime as _dt
import tomllib
from functools import lru_cache
from pathlib import Path

from .claims import Claim, DraftInputError

ENTITIES = ("large", "small", "micro")
_DATA = Path(__file__).with_name("data") / "us_claim_fees.toml"


@lru_cache(maxsize=1)
def load_fee_tables() -> tuple[dict, ...]:
    with _DATA.open("rb") as fh:
        data = tomllib.load(fh)
    tables = sorted(data["table"], key=lambda t: t["effective_from"], reverse=True)
    return tuple(tables)


def _as_date(as_of) -> _dt.date:
    if as_of is None:
        return _dt.date.today()
    if isinstance(as_of, _dt.datetime):
        return as_of.date()
    if isinstance(as_of, _dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return _dt.date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise DraftInputError(f"'as_of' must be a date or an ISO date string (YYYY-MM-DD), got {as_of!r}.")


def fee_table_for(as_of=None) -> dict:
    day = _as_date(as_of)
    for table in load_fee_tables():
        if table["effective_from"] <= day:
            return table
    earliest = load_fee_tables()[-1]["effective_from"]
    raise DraftInputError(
        f"No claim fee table is on file for {day.isoformat()}; the earliest table starts {earliest.isoformat()}."
    )


def _live(claims: list[Claim]) -> dict[int, Claim]:
    by_num: dict[int, Claim] = {}
    for c in claims:
        if not c.canceled:
            by_num.setdefault(c.number, c)
    return by_num


def improper_multiple_dependents(claims: list[Claim]) -> dict[int, dict]:
    """Multiple dependent claims that are improper, with the reason.

    {claim: {"md_ancestors": [...], "cumulative": bool}}.  Improper = it depends
    directly or indirectly on another multiple dependent claim (37 CFR 1.75(c);
    MPEP 608.01(n): "either directly or indirectly"), or it refers to the claims
    cumulatively ("claims 1 and 2") instead of in the alternative.
    """
    by_num = _live(claims)
    memo: dict[int, set[int]] = {}

    def md_ancestors(n: int) -> set[int]:
        if n not in memo:
            memo[n] = set()
            out: set[int] = set()
            for p in by_num[n].depends_on:
                if p in by_num and p < n:
                    if by_num[p].is_multiple_dependent:
                        out.add(p)
                    out |= md_ancestors(p)
            memo[n] = out
        return memo[n]

    result = {}
    for n, c in sorted(by_num.items()):
        if not c.is_multiple_dependent:
            continue
        anc = md_ancestors(n)
        if anc or c.cumulative_reference:
            result[n] = {"md_ancestors": sorted(anc), "cumulative": c.cumulative_reference}
    return result


def claim_weights(claims: list[Claim]) -> dict[int, int]:
    """Fee weight of each (non-canceled) claim, keyed by claim number.

    An improper multiple dependent claim counts as 1 (and so do claims that
    depend on it), per MPEP 608.01(n), part G.2(b).
    """
    by_num = _live(claims)
    improper = improper_multiple_dependents(claims)
    weights: dict[int, int] = {}
    for c in sorted(by_num.values(), key=lambda c: c.number):
        valid = [n for n in c.depends_on if n in by_num and n < c.number]
        if c.is_multiple_dependent:
            weights[c.number] = len(valid) if valid and c.number not in improper else 1
        elif len(valid) == 1:
            weights[c.number] = weights.get(valid[0], 1)
        else:
            weights[c.number] = 1
    return weights


def count_claims(claims: list[Claim]) -> dict:
    live = [c for c in claims if not c.canceled]
    weights = claim_weights(claims)
    improper = improper_multiple_dependents(claims)
    md = [c.number for c in live if c.is_multiple_dependent]
    return {
        "total": len(live),
        "independent": sum(1 for c in live if c.is_independent),
        "multiple_dependent": len(md),
        "proper_multiple_dependent": len([n for n in md if n not in improper]),
        "fee_total": sum(weights.get(c.number, 1) for c in live),
        "weights": weights,
    }


def compute_fees(counts: dict, entity: str = "large", as_of=None) -> dict:
    entity = (entity or "large").strip().lower() if isinstance(entity, str) else entity
    if entity not in ENTITIES:
        raise DraftInputError(f"Entity must be one of large, small or micro, got {entity!r}.")
    table = fee_table_for(as_of)
    tc, ic, md = table["total_claims"], table["independent_claims"], table["multiple_dependent"]
    excess_total = max(0, counts["fee_total"] - tc["threshold"])
    excess_indep = max(0, counts["independent"] - ic["threshold"])
    # The 1.16(j) fee is due only if at least one multiple dependent claim is proper.
    has_md = counts.get("proper_multiple_dependent", counts["multiple_dependent"]) > 0
    lines = [
        {"item": "total_claims", "label": tc["label"], "cfr": tc["cfr"], "count": counts["fee_total"],
         "threshold": tc["threshold"], "excess": excess_total, "unit_fee": tc[entity],
         "amount": excess_total * tc[entity]},
        {"item": "independent_claims", "label": ic["label"], "cfr": ic["cfr"], "count": counts["independent"],
         "threshold": ic["threshold"], "excess": excess_indep, "unit_fee": ic[entity],
         "amount": excess_indep * ic[entity]},
        {"item": "multiple_dependent", "label": md["label"], "cfr": md["cfr"],
         "count": counts["multiple_dependent"], "threshold": 0, "excess": 1 if has_md else 0,
         "unit_fee": md[entity], "amount": md[entity] if has_md else 0},
    ]
    return {
        "entity": entity,
        "excess_total_claims": excess_total,
        "excess_total_claims_fee": lines[0]["amount"],
        "excess_independent_claims": excess_indep,
        "excess_independent_claims_fee": lines[1]["amount"],
        "multiple_dependent_fee": lines[2]["amount"],
        "total": sum(line["amount"] for line in lines),
        "currency": "USD",
        "effective_date": table["effective_from"].isoformat(),
        "citation": table["citation"],
        "lines": lines,
    }

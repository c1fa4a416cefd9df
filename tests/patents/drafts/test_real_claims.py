"""The claims checker on real claims: granted US patents and EP publications (tests/data/claims/README.md).

Prints the antecedent findings per claim set, fails when the warnings grow past the accepted baseline
(``UPDATE_CLAIMS_BASELINE=1`` rewrites it), and measures precision on a sample judged by hand.
"""
import json
import os
import statistics
from functools import lru_cache

from tests.patents.drafts.real_claims import CLAIMS, claim_sets, findings

BASELINE = CLAIMS / "baseline.json"
JUDGED = CLAIMS / "judged.json"


@lru_cache(maxsize=1)
def corpus_findings():
    return {s.number: (s, findings(s)) for s in claim_sets()}


def _key(f) -> tuple:
    return f["claim"], f["term"]


def test_corpus_is_real_and_big_enough():
    sets = [s for s, _ in corpus_findings().values()]
    assert sum(s.is_us_grant for s in sets) >= 200
    assert sum(s.number.startswith("EP") for s in sets) >= 15
    assert sum(len(s.claims) for s in sets) >= 3000


def test_antecedent_warnings_per_claim_set_do_not_grow(capsys):
    results = corpus_findings()
    with capsys.disabled():
        print(f"\nAntecedent findings on {len(results)} real claim sets (warnings | notes):")
        for number, (claim_set, found) in results.items():
            terms = "; ".join(f"'{f['term']}' (claim {f['claim']})" for f in found.warnings)
            print(f"  {number:<14} {len(claim_set.claims):>3} claims {len(found.warnings):>2} | "
                  f"{len(found.notes):>3}  {terms}")
    counts = {number: len(found.warnings) for number, (_, found) in results.items()}
    total = sum(counts.values())
    if os.environ.get("UPDATE_CLAIMS_BASELINE"):
        BASELINE.write_text(json.dumps({"total_warnings": total, "warnings": counts}, indent=1) + "\n")
    baseline = json.loads(BASELINE.read_text())
    grown = {n: (baseline["warnings"].get(n, 0), c) for n, c in counts.items() if c > baseline["warnings"].get(n, 0)}
    assert total <= baseline["total_warnings"], f"warnings grew from {baseline['total_warnings']} to {total}: {grown}"


def test_granted_us_claim_sets_have_a_median_of_at_most_one_warning():
    counts = [len(found.warnings) for s, found in corpus_findings().values() if s.is_us_grant]
    assert statistics.median(counts) <= 1


def test_ep_claims_parse_without_dependency_errors():
    """'according to one of the preceding claims', 'Claims 1 and 9 or Claims 4 and 9', reference signs."""
    errors = {n: [f["message"] for f in found.dependency_errors]
              for n, (s, found) in corpus_findings().items() if n.startswith("EP") and found.dependency_errors}
    assert errors == {}


# Issue 18 asks for 85 %. The hand-judged samples 1 and 3 reach it (they were used to tune the rules);
# fresh samples 2, 4 and 5 stay below it (issue note). This floor is a ratchet: raise it, never lower it.
PRECISION_FLOOR = 0.78


def test_precision_on_the_judged_sample(capsys):
    judged = json.loads(JUDGED.read_text(encoding="utf-8"))
    results = corpus_findings()
    reported, missed = [], []
    for item in judged:
        found = results[item["number"]][1]
        # A warning, or a note that the same term was already a warning in an earlier claim.
        reported_here = {_key(f) for f in found.warnings} | {
            _key(f) for f in found.notes if "also lacks antecedent basis in claim" in f["message"]}
        (reported if (item["claim"], item["term"]) in reported_here else missed).append(item)
    true = [item for item in reported if item["true"]]
    lost = [(i["number"], i["claim"], i["term"]) for i in missed if i["true"]]
    precision = len(true) / len(reported)
    with capsys.disabled():
        print(f"\nJudged samples: {len(judged)} findings ({sum(i['true'] for i in judged)} judged true), "
              f"{len(reported)} still reported, precision {precision:.0%}; true findings no longer reported: {lost}")
        for sample in sorted({i["sample"] for i in judged}):
            mine = [i for i in reported if i["sample"] == sample]
            print(f"  sample {sample}: {sum(i['true'] for i in mine)}/{len(mine)} true")
    assert precision >= PRECISION_FLOOR
    assert len(lost) <= 0.1 * sum(i["true"] for i in judged), "the checker lost true findings it reported"

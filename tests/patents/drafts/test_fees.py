import datetime as dt

import pytest

from app.patents.drafts import DraftInputError, check_draft, parse_claims
from app.patents.drafts.fees import claim_weights, compute_fees, count_claims, fee_table_for

MPEP_EXAMPLE = """1. A widget comprising a base.
2. The widget of claim 1, wherein the base is round.
3. The widget of claim 1, wherein the base is square.
4. The widget of claim 1, wherein the base is steel.
5. The widget of claim 1, 2 or 3, wherein the base is painted.
6. The widget of claim 5, wherein the paint is red.
"""


def test_mpep_608_01_n_worked_example():
    weights = claim_weights(parse_claims(MPEP_EXAMPLE))
    assert weights == {1: 1, 2: 1, 3: 1, 4: 1, 5: 3, 6: 3}
    counts = count_claims(parse_claims(MPEP_EXAMPLE))
    assert counts["fee_total"] == 10 and counts["total"] == 6
    assert counts["independent"] == 1 and counts["multiple_dependent"] == 1


def test_claim_depending_indirectly_on_multiple_dependent_claim():
    text = MPEP_EXAMPLE + "7. The widget of claim 6, wherein the paint is glossy.\n"
    assert claim_weights(parse_claims(text))[7] == 3


def test_any_preceding_claim_counts_all_earlier_claims():
    text = "\n".join(f"{n}. The widget of claim 1." for n in range(2, 16))
    text = "1. A widget.\n" + text + "\n16. The widget of any one of claims 5-15, wherein it is red."
    weights = claim_weights(parse_claims(text))
    assert weights[16] == 11


def test_improper_multiple_dependent_counts_one_and_chain_error():
    text = MPEP_EXAMPLE + "7. The widget of claim 5 or 6, wherein the paint is matt.\n"
    result = check_draft(text, as_of="2025-03-01")
    assert claim_weights(parse_claims(text))[7] == 1
    chain = [f for f in result["findings"] if f["code"] == "MULTIPLE_DEPENDENT_CHAIN"]
    assert [f["claim"] for f in chain] == [7] and chain[0]["severity"] == "error"
    assert "112(e)" in chain[0]["message"]
    assert result["fees"]["multiple_dependent_fee"] == 925   # claim 5 is still proper


def test_2025_fee_table_all_entities():
    # 25 fee claims, 5 independent, one multiple dependent claim
    text = "\n".join(f"{n}. A widget number {n}." for n in range(1, 6))
    text += "\n6. The widget of claim 1 or 2, wherein it is red."
    text += "".join(f"\n{n}. The widget of claim 1, wherein it is blue." for n in range(7, 25))
    counts = count_claims(parse_claims(text))
    assert counts == {**counts, "total": 24, "independent": 5, "fee_total": 25, "multiple_dependent": 1}
    expected = {"large": (200, 600, 925), "small": (80, 240, 370), "micro": (40, 120, 185)}
    for entity, (per_claim, per_indep, md) in expected.items():
        fees = compute_fees(counts, entity, dt.date(2025, 1, 19))
        assert fees["excess_total_claims"] == 5 and fees["excess_independent_claims"] == 2
        assert fees["excess_total_claims_fee"] == 5 * per_claim
        assert fees["excess_independent_claims_fee"] == 2 * per_indep
        assert fees["multiple_dependent_fee"] == md
        assert fees["total"] == 5 * per_claim + 2 * per_indep + md
        assert fees["currency"] == "USD" and fees["effective_date"] == "2025-01-19"
        assert fees["citation"] == "37 CFR 1.16(h), (i), (j); 89 FR 91662"
        assert [line["cfr"] for line in fees["lines"]] == ["37 CFR 1.16(i)", "37 CFR 1.16(h)", "37 CFR 1.16(j)"]


def test_previous_table_picked_by_date():
    counts = {"fee_total": 21, "independent": 4, "multiple_dependent": 1, "proper_multiple_dependent": 1}
    fees = compute_fees(counts, "large", "2025-01-18")
    assert fees["effective_date"] == "2022-12-29"
    assert fees["total"] == 100 + 480 + 860
    assert compute_fees(counts, "small", "2023-06-01")["total"] == 40 + 192 + 344
    assert compute_fees(counts, "micro", "2023-06-01")["total"] == 20 + 96 + 172


def test_default_as_of_is_today():
    assert fee_table_for()["effective_from"] <= dt.date.today()


def test_no_fees_at_or_below_thresholds():
    text = "1. A widget.\n2. A gadget.\n3. A gizmo.\n" + "".join(
        f"{n}. The widget of claim 1, being red.\n" for n in range(4, 21))
    fees = check_draft(text, as_of="2025-02-01")["fees"]
    assert fees["total"] == 0 and fees["excess_total_claims"] == 0 and fees["excess_independent_claims"] == 0


@pytest.mark.parametrize("kwargs", [{"entity": "huge"}, {"as_of": "yesterday"}, {"as_of": "2001-01-01"}])
def test_bad_fee_parameters(kwargs):
    with pytest.raises(DraftInputError):
        check_draft("1. A widget.", **kwargs)

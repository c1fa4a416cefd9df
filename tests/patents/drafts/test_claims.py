import pytest

from app.patents.claims import find_claim_references
from app.patents.drafts.claims import DraftInputError, parse_claims


def test_heading_crlf_wrapped_lines_and_spaced_numbers():
    text = ("What is claimed is:\r\n\r\n  1. A device comprising\r\n   a housing.\r\n\r\n"
            "2 . The device of claim 1, wherein the housing\r\n is round.\r\n")
    claims = parse_claims(text)
    assert [c.number for c in claims] == [1, 2]
    assert claims[0].text == "A device comprising a housing."
    assert claims[1].text == "The device of claim 1, wherein the housing is round."
    assert claims[1].depends_on == [1]
    assert claims[0].line == 3 and claims[1].line == 6


@pytest.mark.parametrize("heading", ["Claims", "I claim:", "We claim:", "CLAIMS", "What is claimed is:"])
def test_headings_ignored(heading):
    claims = parse_claims(f"{heading}\n1. A widget.\n2. The widget of claim 1, being red.")
    assert [c.number for c in claims] == [1, 2]


def test_decimal_in_wrapped_line_is_not_a_claim():
    claims = parse_claims("1. A film having a thickness of\n2.5 mm.\n2. The film of claim 1.")
    assert [c.number for c in claims] == [1, 2]
    assert "2.5 mm" in claims[0].text


@pytest.mark.parametrize("phrase,expected,multiple", [
    ("The device of claim 1, wherein", [1], False),
    ("The device according to claim 2, wherein", [2], False),
    ("The device as claimed in claim 3, wherein", [3], False),
    ("The device of claim 1 or 2, wherein", [1, 2], True),
    ("The device of claim 1 or claim 2, wherein", [1, 2], True),
    ("The device of any one of claims 1 to 3, wherein", [1, 2, 3], True),
    ("The device of any of claims 1-3, wherein", [1, 2, 3], True),
    ("The device of any of claims 1\u20133, wherein", [1, 2, 3], True),
    ("The device of claims 1, 2 or 5, wherein", [1, 2, 5], True),
    ("The device of any one of claims 1-2 or 4, wherein", [1, 2, 4], True),
    ("The device of any preceding claim, wherein", [1, 2, 3, 4, 5], True),
    ("The device of any one of the preceding claims, wherein", [1, 2, 3, 4, 5], True),
    ("A device comprising a rod 2 mm long.", [], False),
    # EP style
    ("The device according to one of the preceding Claims, characterised in that", [1, 2, 3, 4, 5], True),
    ("The device as claimed in any one of the preceding claims (1) to (3), wherein", [1, 2, 3, 4, 5], True),
    ("The device (10) according to the preceding claim, characterized in that", [5], False),
    ("The device of Claims 1 and 3 or Claims 2 and 3, wherein", [1, 2, 3], True),
    ("The device (2) according to any one of the claims 2 to 4, wherein a rod (12)", [2, 3, 4], True),
    ("The device (2) according to claim 1 to 3, wherein", [1, 2, 3], True),
    ("A rubber of any one of claims 1 and 2 to 3 and 90-0% by weight of rubber", [1, 2, 3], True),
])
def test_dependency_extraction(phrase, expected, multiple):
    text = "\n".join(f"{n}. A device {n}." for n in range(1, 6)) + f"\n6. {phrase} it is red."
    claim = parse_claims(text)[-1]
    assert claim.depends_on == expected
    assert claim.is_multiple_dependent is multiple


def test_cumulative_reference_detected():
    [ref] = find_claim_references("The process of claims 1 and 2, wherein")
    assert ref.numbers == (1, 2) and ref.cumulative and not ref.all_preceding
    assert not find_claim_references("The process of any one of claims 1 and 2")[0].cumulative
    assert not find_claim_references("The apparatus of Claims 1 and 9 or Claims 4 and 9")[0].cumulative


def test_status_identifiers_and_canceled_claims():
    claims = parse_claims("1. (Original) A device.\n2. (Canceled)\n3. (Currently Amended) The device of claim 1.")
    assert claims[0].status == "Original" and claims[0].text == "A device."
    assert claims[1].canceled
    assert claims[2].depends_on == [1]


def test_huge_range_is_not_expanded():
    claim = parse_claims("1. A device.\n2. The device of any one of claims 1 to 99999999.")[-1]
    assert claim.depends_on == [1]


@pytest.mark.parametrize("bad", ["", "   \n\n", "A device comprising a housing.", "Claims:\nnone here", None, 42])
def test_unreadable_input_raises(bad):
    with pytest.raises(DraftInputError) as exc:
        parse_claims(bad)
    assert isinstance(exc.value, ValueError)
    assert str(exc.value)

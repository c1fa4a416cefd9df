"""Trap tests for the antecedent-basis check."""
import pytest

from app.patents.drafts import check_draft
from app.patents.drafts.terms import singularize


def ab(text, severity="warning"):
    """The antecedent findings of one severity: (claim, term)."""
    return [(f["claim"], f["term"]) for f in check_draft(text)["findings"]
            if f["code"] == "ANTECEDENT_BASIS" and f["severity"] == severity]


def notes(text):
    return ab(text, "note")


def test_missing_antecedent_message_and_location():
    text = "1. A lamp comprising a base.\n2. The lamp of claim 1, wherein the housing is metal."
    findings = [f for f in check_draft(text)["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    assert len(findings) == 1
    f = findings[0]
    assert f["claim"] == 2 and f["term"] == "housing" and f["severity"] == "warning"
    assert f["item"] == "antecedent_basis"
    assert f["message"] == ("Claim 2 refers to 'the housing', but no earlier 'a housing' introduces it "
                            "in claim 2 or the claims it depends on (1).")
    claim_text = "The lamp of claim 1, wherein the housing is metal."
    assert claim_text[f["location"]["offset"]:].startswith("the housing")


def test_head_noun_suffix_matching():
    text = ("1. A charger comprising a wireless charging coil, wherein the coil, the charging coil and "
            "the wireless charging coil are round.")
    assert ab(text) == []
    assert ab("1. A charger comprising a coil, wherein the wireless coil is round.") == [(1, "wireless coil")]


def test_said_is_checked_like_the():
    assert ab("1. A pump comprising a rotor, wherein said stator surrounds said rotor.") == [(1, "stator")]


def test_reference_before_introduction_in_same_claim():
    assert ab("1. A pump wherein the rotor is steel, the pump comprising a rotor.") == [(1, "rotor")]


def test_parent_and_grandparent_introduce():
    text = ("1. A bicycle comprising a frame.\n2. The bicycle of claim 1, further comprising a fork.\n"
            "3. The bicycle of claim 2, wherein the fork and the frame are carbon.")
    assert ab(text) == []


def test_sibling_claim_does_not_introduce():
    text = ("1. A bicycle comprising a frame.\n2. The bicycle of claim 1, further comprising a fork.\n"
            "3. The bicycle of claim 1, wherein the fork is carbon.")
    assert ab(text) == [(3, "fork")]


def test_plurality_plural_and_singular_references():
    base = "1. A vehicle comprising a plurality of sensors and a processor.\n"
    assert ab(base + "2. The vehicle of claim 1, wherein the sensors are cameras.") == []
    assert ab(base + "2. The vehicle of claim 1, wherein the plurality of sensors are cameras.") == []
    assert ab(base + "2. The vehicle of claim 1, wherein each sensor is a camera.") == []
    assert ab(base + "2. The vehicle of claim 1, wherein each of the sensors is a camera.") == []
    findings = [f for f in check_draft(base + "2. The vehicle of claim 1, wherein said sensor is a camera.")
                ["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    assert [(f["claim"], f["term"], f["severity"]) for f in findings] == [(2, "sensor", "note")]
    assert "unclear which one" in findings[0]["message"]


def test_plural_reference_to_single_introduction():
    assert notes("1. A kit comprising a tool, wherein the tools are steel.") == [(1, "tools")]
    assert ab("1. A cell comprising a first electrode and a second electrode, wherein the electrodes "
              "are platinum.") == []


def test_at_least_one_and_one_or_more():
    assert ab("1. A server comprising at least one processor, wherein the at least one processor and "
              "the processor and the processors are fast.") == []
    assert ab("1. A server comprising one or more disks, wherein the one or more disks and the disk "
              "are fast.") == []


def test_first_and_second():
    assert ab("1. A cell comprising first and second electrodes, wherein the first electrode and "
              "the second electrode and the electrodes are platinum.") == []
    assert ab("1. A cell comprising a first electrode, wherein the second electrode is platinum.") == \
        [(1, "second electrode")]


@pytest.mark.parametrize("phrase", [
    "the same", "the other", "the following", "the group consisting of A and B", "the steps of mixing",
    "the form of a tablet", "the basis of cost", "the art",
])
def test_exclusions_not_flagged(phrase):
    assert ab(f"1. A cup comprising a wall, wherein {phrase} is considered.") == []
    assert notes(f"1. A cup comprising a wall, wherein {phrase} is considered.") == []


@pytest.mark.parametrize("phrase", ["outer surface of the cup", "length of the cup", "bottom", "distal end"])
def test_inherent_parts_are_notes(phrase):
    text = f"1. A cup comprising a wall, wherein the {phrase} is considered."
    assert ab(text) == []
    assert notes(text) == [(1, phrase.split(" of ")[0])]


def test_preamble_references_not_flagged():
    text = ("1. A system comprising a pump.\n2. The method of claim 1, wherein the pump is quiet.\n"
            "3. The apparatus according to any one of claims 1-2, wherein the pump is red.\n"
            "4. The device as claimed in claim 1, wherein the pump is blue.")
    assert ab(text) == []


def test_multiple_dependent_requires_every_path():
    text = ("1. A pump comprising a rotor.\n2. The pump of claim 1, further comprising a seal.\n"
            "3. The pump of claim 1, further comprising a valve.\n"
            "4. The pump of claim 2 or 3, wherein the seal is rubber and the rotor is steel.")
    findings = [f for f in check_draft(text)["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    assert [(f["claim"], f["term"]) for f in findings] == [(4, "seal")]
    assert "not through claim(s) 3" in findings[0]["message"]


def test_user_after_a_user():
    assert ab("1. A method comprising receiving from a user a request, and sending the user a reply.") == []
    assert ab("1. A method comprising sending the user a reply.") == [(1, "user")]


def test_reported_once_per_claim():
    assert ab("1. A lamp wherein the bulb is lit and the bulb is hot.") == [(1, "bulb")]


def test_bare_plural_introduces():
    assert ab("1. A memory storing instructions, wherein the instructions are encrypted.") == []


@pytest.mark.parametrize("word,expected", [
    ("sensors", "sensor"), ("batteries", "battery"), ("processes", "process"), ("boxes", "box"),
    ("gases", "gas"), ("lens", "lens"), ("apparatus", "apparatus"), ("series", "series"),
    ("thickness", "thickness"), ("data", "data"), ("axis", "axis"),
])
def test_singularize(word, expected):
    assert singularize(word) == expected

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


# -- issue 18: findings attorneys trust on real claim language -------------------------------------

@pytest.mark.parametrize("clause", [
    "the motor operates", "the vessel boils", "the door position sensor indicates a state",
    "the mobile device communicates", "the moisture sensor input falls below a threshold",
])
def test_verbs_are_not_read_as_part_of_the_term(clause):
    text = ("1. A kitchen appliance comprising a motor, a vessel, a door position sensor, a mobile device and "
            f"a moisture sensor input, wherein {clause}.")
    assert ab(text) == [] and notes(text) == []


@pytest.mark.parametrize("reference", [
    "any one of the preceding claims", "one of the preceding claims", "any preceding claim", "the preceding claim",
    "claim 1 or claim 2", "any one of claims 1 to 2",
])
def test_claim_references_are_never_terms(reference):
    text = f"1. A lamp comprising a base.\n2. The lamp of claim 1, being red.\n3. The lamp according to {reference}."
    assert ab(text) == [] and notes(text) == []


def test_compound_word_variant_is_a_warning_that_names_the_introduction():
    text = "1. A scooter comprising a footplate.\n2. The scooter of claim 1, wherein the foot plate is rubber."
    [finding] = [f for f in check_draft(text)["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    assert (finding["claim"], finding["term"], finding["severity"]) == (2, "foot plate", "warning")
    assert "'a footplate' in claim 1" in finding["message"]


def test_a_likely_meant_introduction_is_suggested():
    text = "1. A drill comprising a projecting means.\n2. The drill of claim 1, wherein the projection means is a lens."
    [finding] = [f for f in check_draft(text)["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    assert finding["severity"] == "warning" and "Did you mean 'a projecting means' in claim 1?" in finding["message"]


def test_the_same_missing_term_is_one_warning_per_claim_set():
    text = ("1. A lamp comprising a base, wherein the shade is red.\n2. The lamp of claim 1, wherein the shade is "
            "glass.\n3. The lamp of claim 2, wherein the shade is round.")
    assert ab(text) == [(1, "shade")]
    assert notes(text) == [(2, "shade"), (3, "shade")]


def test_terms_from_any_claim_on_the_path_and_every_path_of_a_multiple_dependent_claim():
    text = ("1. A pump comprising a rotor.\n2. The pump of claim 1, further comprising a seal.\n"
            "3. The pump of claim 2, further comprising a valve.\n4. The pump of claim 3, wherein the seal and the "
            "valve and the rotor are steel.\n5. The pump of claim 3 or 4, wherein the valve is brass.")
    assert ab(text) == []


def test_claims_read_together_have_the_terms_of_each():
    text = ("1. A tape comprising a backing.\n2. The tape of claim 1, further comprising a liner.\n"
            "3. A roll of the tape of claim 1, wherein the tape of claim 2 is wound so that the liner faces out.")
    assert ab(text) == []


@pytest.mark.parametrize("introduction,reference", [
    ("at least one sensor", "the sensors"), ("one or more sensors", "the sensor"),
    ("a plurality of sensors", "the plurality of sensors"), ("first and second sensors", "the second sensor"),
    ("a first sensor and a second sensor", "the sensors"), ("upper and lower plates", "the lower plate"),
    ("a set of rollers", "the rollers"), ("each sensor", "the sensor"), ("two guide rails", "the two guide rails"),
])
def test_introductions_practitioners_use(introduction, reference):
    assert ab(f"1. A press comprising {introduction}, wherein {reference} are mounted on a frame.") == []


def test_number_mismatch_and_inherent_parts_are_notes():
    assert ab("1. A cup comprising a plurality of handles, wherein the handle is round.") == []
    assert notes("1. A cup comprising a plurality of handles, wherein the handle is round.") == [(1, "handle")]
    text = "1. A ball comprising a core, wherein the outer surface of the core is dimpled."
    assert ab(text) == [] and notes(text) == [(1, "outer surface")]


def test_a_step_named_by_its_action_is_a_note():
    text = "1. A method comprising inserting a plug into a socket, wherein the insertion takes one second."
    assert ab(text) == [] and notes(text) == [(1, "insertion")]


def test_gerund_steps_introduce_the_step():
    assert ab("1. A method comprising etching a wafer and rinsing the wafer after the etching step.") == []


def test_ep_style_claims_parse_without_dependency_findings():
    text = ("1. A container (1) comprising a lid (2) and a base (3), characterised in that the lid (2) has a "
            "seal (4).\n2. A container according to claim 1, characterised in that the seal (4) is rubber.\n"
            "3. A container according to any one of claims 1 to 2, wherein the base (3) is glass.\n"
            "4. A container according to one of the preceding claims, wherein the lid (2) is metal.")
    findings = check_draft(text)["findings"]
    assert [f for f in findings if f["code"].startswith("DEPENDENCY") or f["code"] == "ANTECEDENT_BASIS"] == []


def test_findings_quote_the_term_at_its_place():
    text = "1. A lamp comprising a base.\n2. The lamp of claim 1, wherein the base holds the bulb."
    [finding] = [f for f in check_draft(text)["findings"] if f["code"] == "ANTECEDENT_BASIS"]
    claim_text = "The lamp of claim 1, wherein the base holds the bulb."
    assert claim_text[finding["location"]["offset"]:].startswith("the bulb")

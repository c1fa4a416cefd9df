import io
import json

import docx
import pytest

from app.patents.drafts import DraftInputError, check_draft, read_text

CLEAN = "1. A widget comprising a base.\n2. The widget of claim 1, wherein the base is round."


def test_result_shape():
    result = check_draft("1. A lamp.\n3. The lamp of claim 1, wherein the bulb is lit.", as_of="2025-03-01")
    assert set(result) == {"claims", "findings", "fees"}
    assert set(result["claims"]) == {"total", "independent", "multiple_dependent", "fee_total"}
    assert result["findings"]
    for f in result["findings"]:
        assert set(f) == {"code", "severity", "claim", "term", "message", "location", "item"}
        assert f["severity"] in ("error", "warning", "note")
        assert f["message"][0].isupper()
    for key in ("entity", "excess_total_claims", "excess_independent_claims", "multiple_dependent_fee", "total",
                "currency", "effective_date", "citation", "lines"):
        assert key in result["fees"]
    json.dumps(result)
    # errors sort before warnings
    assert [f["severity"] for f in result["findings"]] == ["error", "warning"]
    assert result["findings"][0]["code"] == "CLAIM_NUMBERING"
    assert result["findings"][0]["item"] == "claims_numbering"


def test_clean_claims_have_no_findings():
    assert check_draft(CLEAN)["findings"] == []


def test_numbering_must_start_at_one():
    f = check_draft("2. A widget.\n3. The widget of claim 2.")["findings"]
    assert [(x["code"], x["claim"]) for x in f] == [("CLAIM_NUMBERING", 2)]


def test_dependency_errors():
    text = "1. A widget.\n2. The widget of claim 2.\n3. The widget of claim 4.\n4. The widget of claim 9."
    codes = [(f["code"], f["claim"]) for f in check_draft(text)["findings"]]
    assert ("DEPENDENCY_FORWARD", 2) in codes and ("DEPENDENCY_FORWARD", 3) in codes
    assert ("DEPENDENCY_MISSING", 4) in codes


def _words(n):
    return " ".join(f"word{i}" for i in range(n))


def test_abstract_150_words_ok_151_error():
    assert check_draft(CLEAN, abstract=_words(150))["findings"] == []
    f = check_draft(CLEAN, abstract=_words(151))["findings"]
    assert [(x["code"], x["severity"], x["item"]) for x in f] == [("ABSTRACT_TOO_LONG", "error", "abstract_length")]
    assert "151 words" in f[0]["message"] and "37 CFR 1.72(b)" in f[0]["message"]


def test_abstract_word_count_ignores_punctuation_tokens():
    assert check_draft(CLEAN, abstract=_words(150) + " - \u2014 .")["findings"] == []


def test_title_500_ok_501_error():
    assert check_draft(CLEAN, title="T" * 500)["findings"] == []
    f = check_draft(CLEAN, title="T" * 501)["findings"]
    assert [(x["code"], x["severity"], x["item"]) for x in f] == [("TITLE_TOO_LONG", "error", "title_length")]


def test_numerals_claims_vs_description():
    claims = "1. A pump (10) comprising a rotor (12) and a seal (40)."
    desc = "The pump 10 has a rotor 12 and a stator 14. It is 5 mm wide, see FIG. 3 and claim 1."
    f = [(x["code"], x["claim"], x["severity"]) for x in check_draft(claims, description=desc)["findings"]]
    assert f == [("NUMERAL_UNUSED", 1, "note"), ("NUMERAL_UNUSED", None, "note")]
    msgs = [x["message"] for x in check_draft(claims, description=desc)["findings"]]
    assert "numeral 40" in msgs[0] and "14" in msgs[1]


def test_us_style_claims_without_numerals_give_no_numeral_notes():
    desc = "The pump 10 has a rotor 12 and a stator 14."
    assert check_draft("1. A pump comprising a rotor.", description=desc)["findings"] == []


@pytest.mark.parametrize("bad", [{"abstract": 5}, {"title": ["x"]}])
def test_bad_field_types(bad):
    with pytest.raises(DraftInputError):
        check_draft(CLEAN, **bad)


# ---- file reading ---------------------------------------------------------

def _docx_bytes(paragraphs, numbered=False):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text, style="List Number" if numbered else None)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_read_docx_and_check():
    data = _docx_bytes(["What is claimed is:", "1. A widget comprising a base.",
                        "2. The widget of claim 1, wherein the lid is round."])
    text = read_text("claims.DOCX", data)
    result = check_draft(text)
    assert result["claims"]["total"] == 2
    assert [(f["claim"], f["term"]) for f in result["findings"]] == [(2, "lid")]


def test_read_docx_with_word_auto_numbering():
    data = _docx_bytes(["A widget comprising a base.", "The widget of claim 1, wherein the base is round."],
                       numbered=True)
    text = read_text("claims.docx", data)
    assert text.splitlines()[0].startswith("1. A widget")
    assert check_draft(text)["claims"]["total"] == 2


@pytest.mark.parametrize("data,expected", [
    ("1. A caf\u00e9 table.".encode("utf-8"), "1. A caf\u00e9 table."),
    (b"\xef\xbb\xbf1. A table.", "1. A table."),
    ("1. A caf\u00e9 table.".encode("latin-1"), "1. A caf\u00e9 table."),
])
def test_read_txt_encodings(data, expected):
    assert read_text("claims.txt", data) == expected


@pytest.mark.parametrize("name,data", [
    ("claims.pdf", b"%PDF-1.4"),
    ("claims.docx", b"not a zip file"),
    ("claims.txt", b""),
    ("claims", b"1. A widget."),
    ("claims.doc", b"\xd0\xcf\x11\xe0"),
])
def test_read_text_rejects_bad_files(name, data):
    with pytest.raises(DraftInputError):
        read_text(name, data)

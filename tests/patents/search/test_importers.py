import io
import json
from datetime import date

import pytest

from app.patents.search.importers import (
    COLUMNS,
    ImportedRecord,
    ImportFailure,
    SkippedDocument,
    claim_references,
    iter_records,
    normalise_classification,
)


def records_of(items):
    return [item.record for item in items if isinstance(item, ImportedRecord)]


def failures_of(items):
    return [item for item in items if isinstance(item, ImportFailure)]


@pytest.mark.parametrize("filename, count", [
    ("ipg050104-25-grants.xml", 25),
    ("ipg120327-196-grants.xml", 196),
    # The README says 1, but the file holds two complete applications (US20130014308A1, US20130014306A1).
    ("ipa130117-1-application.xml", 2),
    ("ep-grant-v1-5-1-B1.xml", 1),
    ("ep-application-v1-4-A1.xml", 1),
])
def test_whole_sample_files_import_without_failures(data_dir, filename, count):
    items = list(iter_records(data_dir / filename))
    assert failures_of(items) == []
    assert len(records_of(items)) == count
    assert [item.position for item in items] == list(range(1, count + 1))


def test_uspto_grant_v40(data_dir):
    items = list(iter_records(data_dir / "ipg050104-25-grants.xml"))
    first, second = items[0], items[1]
    assert (first.position, first.line, second.position, second.line) == (1, 1, 2, 917)

    napkin = first.record
    assert napkin.number == "US6836899B1"
    assert (napkin.country, napkin.doc_number, napkin.kind) == ("US", "6836899", "B1")
    assert napkin.title == "Device for detachably holding an absorbent napkin across the torso"
    assert napkin.abstract.startswith("A napkin holder formed of two pairs of magnetic securing devices")
    assert len(napkin.claims) == 23
    assert napkin.claims[0].text.startswith("A holding device for removably holding a napkin")
    assert napkin.claims[3].text.startswith("The holding device as in claim 3 wherein")
    assert napkin.claims[3].depends_on == [3]
    assert napkin.claims[15].depends_on == []  # claim 16 is independent
    assert napkin.ipc == ["A45F5/04"]
    assert napkin.cpc == []
    assert napkin.publication_date == date(2005, 1, 4)
    assert napkin.filing_date == date(2003, 1, 9)
    assert napkin.priority_date == date(2003, 1, 9)
    assert napkin.application_number == "US10339710"
    assert napkin.inventors == ["Glasmire, Samuel G."]
    assert len(napkin.citations) == 39
    assert napkin.citations[0].number == "US675108A" and napkin.citations[0].category == "examiner"
    assert napkin.description.startswith("BACKGROUND OF THE INVENTION 1. Field of the Invention")
    assert napkin.source_format == "uspto-grant v40"

    shoe = second.record
    assert shoe.number == "US6836979B2"
    assert shoe.title == "Shoe structure"
    assert shoe.claims[0].text.startswith("Shoe structure comprising a first subset (10)")
    assert shoe.claims[6].depends_on == [6]
    assert shoe.ipc == ["A43B13/14", "A43B23/00"]
    assert shoe.priority_date == date(2002, 11, 27)  # Italian priority
    assert {"relation": "priority", "country": "IT", "doc_number": "BG2002A000039", "kind": None,
            "date": "2002-11-27"} in shoe.related_documents
    assert shoe.inventors == ["Flavio, Bacchiega", "Romano, Calvani"]
    assert len(shoe.citations) == 17
    assert sum(c.category == "applicant" for c in shoe.citations) == 7  # "cited by other"


def test_uspto_grant_v40_non_patent_citation(data_dir):
    record = records_of(iter_records(data_dir / "ipg050104-25-grants.xml"))[2]
    literature = [c for c in record.citations if c.number is None]
    assert literature[0].text == "Lee Bruno, “Coooool!,” Red Herring, pp. 34-37."


def test_uspto_design_grant_v42(data_dir):
    first, second = records_of(iter_records(data_dir / "ipg120327-196-grants.xml"))[:2]
    assert first.number == "USD656296S1" and first.doc_number == "D656296" and first.kind == "S1"
    assert first.title == "Ready to eat snack piece"
    assert [c.text for c in first.claims] == [
        "The ornamental design for a ready to eat snack piece, as shown and described."]
    assert first.inventors == ["Cavin, Nicole", "Paruchuri, Divya", "Zbuchalski, Michael"]
    assert first.assignees == ["Frito-Lay North America, Inc."]
    assert first.publication_date == date(2012, 3, 27) and first.filing_date == date(2010, 12, 16)
    assert len(first.citations) == 42 and first.citations[0].number == "USD38206S"
    assert first.abstract == "" and first.ipc == []

    assert second.number == "USD656297S1"
    assert second.title == "Fashion belt"
    assert second.inventors == ["Christian, Michaela M."]
    assert len(second.citations) == 24
    assert second.related_documents == [{"relation": "continuation-in-part", "country": "US",
                                         "doc_number": "29285560", "kind": None, "date": "2007-04-02"}]


def test_uspto_application_v43(data_dir):
    typing_mate, glove = records_of(iter_records(data_dir / "ipa130117-1-application.xml"))
    assert typing_mate.number == "US20130014308A1"
    assert typing_mate.title == "TYPING-MATE"
    assert typing_mate.claims[0].text.startswith("A finger nail tip cover appliance")  # "1." prefix removed
    assert [c.depends_on for c in typing_mate.claims[6:10]] == [[1], [7], [1], [9]]  # from claim-ref idref
    assert typing_mate.ipc == ["A41D13/08"]
    assert typing_mate.applicants == typing_mate.inventors == ["Feliciano, Yennifer"]
    assert typing_mate.publication_date == date(2013, 1, 17) and typing_mate.filing_date == date(2011, 7, 13)
    assert typing_mate.citations == []

    assert glove.number == "US20130014306A1"
    assert glove.title == "TACTICAL MIXED MARTIAL ARTS GLOVE"
    assert glove.claims[0].text.startswith("An improved glove employable by a user for mixed martial arts")
    assert glove.ipc == ["A41D13/08", "A41D19/02"]
    assert glove.inventors == ["Mechling, Christopher", "Mechling, Nicholas"]
    assert glove.priority_date == date(2011, 1, 18)  # earliest provisional
    assert len([r for r in glove.related_documents if r["relation"] == "us-provisional-application"]) == 3


def test_epo_grant_v151(data_dir):
    (item,) = iter_records(data_dir / "ep-grant-v1-5-1-B1.xml")
    record = item.record
    assert record.number == "EP3383757B1"
    assert record.title == "SCREW-TYPE CLOSURE SYSTEMS WITH MAGNETIC FEATURE"  # English of de/en/fr
    assert len(record.claims) == 8  # English claims only
    assert record.claims[0].text.startswith("A container-closure system comprising: a container (1)")
    assert [c.depends_on for c in record.claims] == [[], [1], [2], [2], [4], [2], [5], [2]]
    assert record.ipc == ["B65D51/18", "B65D43/02", "B65D51/32", "A45D34/00", "A45D40/00"]
    assert record.inventors == ["JACOB, Christophe", "BOUIX, Herve"]
    assert record.assignees == ["ELC Management LLC"]
    assert record.publication_date == date(2021, 7, 7)
    assert record.filing_date == date(2016, 8, 29)
    assert record.priority_date == date(2015, 9, 25)
    assert record.application_number == "EP16849316.1"
    # 7 search-report citations with one duplicate, plus 2 cited in the description
    assert len(record.citations) == 8
    assert {c.number for c in record.citations if c.category == "examiner"} == {
        "WO2014114885A1", "CN202128028U", "FR2973005A1", "US20070204872A1", "US20120279876A1", "US6382450B1"}
    assert {c.number for c in record.citations if c.category == "applicant"} == {"US20070204872A1", "FR2973005A1"}


def test_epo_application_v14_with_bare_ampersand(data_dir):
    (item,) = iter_records(data_dir / "ep-application-v1-4-A1.xml")
    record = item.record
    assert record.number == "EP2055205A1"
    assert record.title == "Bobby pin"
    assert record.abstract.startswith("A bobby pin includes a clamping ribs unit (2)")
    assert record.claims[0].text.startswith("A bobby pin comprising: A clamping rib unit")
    assert record.claims[1].depends_on == [1]  # "as claimed in Claim 1"
    assert record.claims[5].depends_on == []
    assert record.ipc == ["A45D8/20", "A45D8/34"]
    assert record.applicants == ["Tsorng TA Enterprise Co., Ltd."]
    assert record.inventors == ["Tu, Jui-Ming"]
    assert record.priority_date == date(2007, 11, 1)
    assert record.citations == []


def test_broken_document_in_concatenated_file_is_reported_and_skipped(data_dir):
    documents = (data_dir / "ipg050104-25-grants.xml").read_text(encoding="utf-8").split('<?xml version="1.0"')
    documents = ['<?xml version="1.0"' + document for document in documents if document]
    documents[12] = documents[12].replace("</invention-title>", "</invention-titel>", 1)
    broken_line = 1 + sum(document.count("\n") for document in documents[:12])
    items = list(iter_records(io.BytesIO("".join(documents).encode("utf-8")), "bulk.xml"))
    (failure,) = failures_of(items)
    assert (failure.file, failure.position, failure.line) == ("bulk.xml", 13, broken_line)
    assert "mismatched tag" in failure.error and f"line {broken_line}" not in failure.error
    assert len(records_of(items)) == 24
    assert [item.position for item in items if isinstance(item, ImportedRecord)][12] == 14


def test_entities_doctype_and_entity_declarations():
    document = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>\n'
                '<us-patent-grant><us-bibliographic-data-grant><publication-reference><document-id>'
                '<country>US</country><doc-number>09000001</doc-number><kind>B2</kind><date>20150407</date>'
                '</document-id></publication-reference>'
                '<classifications-cpc><main-cpc><classification-cpc><section>H</section><class>04</class>'
                '<subclass>L</subclass><main-group>9</main-group><subgroup>0861</subgroup>'
                '</classification-cpc></main-cpc></classifications-cpc>'
                '<invention-title>&lsquo;Smart&rsquo; caf&eacute; &amp; bar&bogus;</invention-title>'
                '</us-bibliographic-data-grant></us-patent-grant>\n')
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
            '<us-patent-grant>&lol2;</us-patent-grant>\n')
    items = list(iter_records(io.BytesIO((document + bomb).encode("utf-8")), "mixed.xml"))
    record_item, failure = items
    assert record_item.record.title == "‘Smart’ café & bar\ufffd"
    assert record_item.record.cpc == ["H04L9/0861"]
    assert record_item.warnings == ["unknown entity &bogus; replaced by U+FFFD"]
    assert (failure.position, failure.line) == (2, 4) and "entity declarations" in failure.error


def test_unsupported_xml_document_is_a_failure():
    (failure,) = iter_records(io.BytesIO(b"<PATDOC><SDOBI/></PATDOC>"), "old.xml")
    assert isinstance(failure, ImportFailure) and "unsupported document type <PATDOC>" in failure.error


def jsonl_line(**fields) -> str:
    return json.dumps(fields) + "\n"


def test_jsonl_import_with_a_bad_line():
    content = (
        jsonl_line(number="US 7,314,354 B2", title="Wireless charging pad",
                   claims=["1. A pad comprising a coil.", "2. The pad of claim 1, wherein the coil is flat.",
                           "3. The pad according to any one of claims 1 to 2."],
                   cpc=["H02J 50/10", "H04B 5/0037"], inventors="Smith, Jane; Doe, John",
                   publication_date="2008-01-01",
                   citations=["US6000001A", {"number": "EP1000000B1", "category": "examiner"}])
        + "{not json\n"
        + "\n"
        + jsonl_line(number="EP3383757B1", publication_date="2021-02-30")
        + jsonl_line(number="EP 3 383 757", kind="B1", title="Closure", claims="A closure.\n\nThe closure of claim 1.")
    )
    items = list(iter_records(io.StringIO(content), "upload.jsonl"))
    pad, closure = records_of(items)
    assert [(f.position, f.line) for f in failures_of(items)] == [(2, 2), (4, 4)]
    assert "invalid date" in failures_of(items)[1].error
    assert pad.number == "US7314354B2" and pad.source_format == "jsonl"
    assert [(c.number, c.text, c.depends_on) for c in pad.claims] == [
        (1, "A pad comprising a coil.", []),
        (2, "The pad of claim 1, wherein the coil is flat.", [1]),
        (3, "The pad according to any one of claims 1 to 2.", [1, 2]),
    ]
    assert pad.cpc == ["H02J50/10", "H04B5/0037"]
    assert pad.inventors == ["Smith, Jane", "Doe, John"]
    assert pad.publication_date == date(2008, 1, 1)
    assert [(c.number, c.category) for c in pad.citations] == [("US6000001A", None), ("EP1000000B1", "examiner")]
    assert closure.number == "EP3383757B1"
    assert [c.depends_on for c in closure.claims] == [[], [1]]
    assert [item.position for item in items if isinstance(item, ImportedRecord)] == [1, 5]


def test_csv_import_with_bad_rows(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        "number,title,claims,cpc,applicants,publication_date,citations\n"
        '"US 8,147,483 B2","Key derivation","1. A method of deriving a key.\n\n'
        '2. The method of claims 1 or 3.",H04L 9/0861,Cipher Corp; Other Ltd,20120327,US7314354B2;EP3383757B1\n'
        "US9000001B2,Too,many,fields,here,2015-01-01,,extra\n"
        ",No number,,,,,\n"
        "EP3383757B1,Closure,,,,2021-07-07,\n",
        encoding="utf-8",
    )
    items = list(iter_records(path))
    key, closure = records_of(items)
    failures = failures_of(items)
    assert [(f.position, f.error) for f in failures] == [
        (5, "row has 8 fields, the header has 7"), (6, "missing number")]
    assert all(f.file == str(path) for f in failures)
    assert key.number == "US8147483B2" and key.source_format == "csv"
    assert key.claims[1].text == "The method of claims 1 or 3." and key.claims[1].depends_on == [1]
    assert key.cpc == ["H04L9/0861"]
    assert key.applicants == ["Cipher Corp", "Other Ltd"]
    assert key.publication_date == date(2012, 3, 27)
    assert [c.number for c in key.citations] == ["US7314354B2", "EP3383757B1"]
    assert closure.number == "EP3383757B1"
    # the first row spans 3 lines
    assert [item.position for item in items if isinstance(item, ImportedRecord)] == [2, 7]


def test_csv_header_problems_fail_once():
    items = list(iter_records(io.BytesIO(b"title,abstract\nA,B\n"), "bad.csv"))
    assert [(f.position, f.error) for f in items] == [(1, "CSV header has no 'number' column")]
    items = list(iter_records(io.BytesIO(b"number,pub date\nUS1B1,x\nUS2B1,y\n"), "typo.csv"))
    assert [(f.position, f.error) for f in items] == [(1, "unknown CSV columns: pub date")]


def test_jsonl_unknown_key_fails_that_line():
    (failure,) = iter_records(io.BytesIO(b'{"number": "US1B1", "titel": "x"}\n'), "typo.jsonl")
    assert (failure.position, failure.error) == (1, "unknown columns: titel")


def test_columns_are_documented():
    import app.patents.search.importers as importers
    for column in COLUMNS:
        assert column in importers.__doc__


@pytest.mark.parametrize("text, numbers", [
    ("The device of claim 1", [1]),
    ("The device of claims 1 or 2", [1, 2]),
    ("according to any one of claims 1 to 3", [1, 2, 3]),
    ("as claimed in claims 2-4 and claim 7", [2, 3, 4, 7]),
    ("a claimed invention with 5 parts", []),
])
def test_claim_references(text, numbers):
    assert claim_references(text) == numbers


@pytest.mark.parametrize("text, symbol", [
    ("H04L 9/0861 (2013.01)", "H04L9/0861"),
    ("B65D  51/18        20060101AFI20191003BHEP", "B65D51/18"),
    ("nonsense", None),
])
def test_normalise_classification(text, symbol):
    assert normalise_classification(text) == symbol


# Real-world breakage. None of the real sample files has it, so each test breaks a real sample the way the
# issue's files are broken (issue 16, item 4) and checks the document is imported with a warning.

def _grant_documents(data_dir) -> list[str]:
    text = (data_dir / "ipg050104-25-grants.xml").read_text(encoding="utf-8")
    return ['<?xml version="1.0"' + document for document in text.split('<?xml version="1.0"') if document]


def _import_text(text: str, name: str = "repaired.xml") -> list:
    return list(iter_records(io.BytesIO(text.encode("utf-8")), name))


def test_bare_less_than_in_an_ep_heading_is_escaped_with_a_warning(data_dir):
    # As in a real EP application: <heading id="h0011"><First Embodiment</heading>
    text = (data_dir / "ep-application-v1-4-A1.xml").read_text(encoding="utf-8").replace(
        '<heading id="h0004">SUMMARY OF THE INVENTION</heading>',
        '<heading id="h0004">SUMMARY OF THE INVENTION</heading><heading id="h0011"><First Embodiment</heading>', 1)
    (item,) = _import_text(text)
    assert isinstance(item, ImportedRecord), item
    assert item.record.number == "EP2055205A1"
    assert "SUMMARY OF THE INVENTION <First Embodiment" in item.record.description
    assert item.warnings == ["repaired: 1 bare '<' escaped"]


def test_maths_wrapper_without_opener_is_repaired_with_a_warning(data_dir):
    # As in a real US grant: a <math> element whose <maths> opener is missing (the </maths> closer is there).
    documents = _grant_documents(data_dir)
    (index,) = [i for i, document in enumerate(documents) if 'id="MATH-US-00001"' in document]
    documents[index] = documents[index].replace('<maths id="MATH-US-00001" num="00001">', "", 1)
    documents[index] = documents[index].replace('<maths id="MATH-US-00002" num="00002">',
                                                '<maths id="MATH-US-00002" num="00002"><maths>', 1)
    items = _import_text("".join(documents), "ipg-broken-maths.xml")
    assert failures_of(items) == [] and len(records_of(items)) == 25
    repaired = items[index]
    assert repaired.warnings == ["repaired: 2 unbalanced <maths> wrapper(s)"]
    original = records_of(iter_records(data_dir / "ipg050104-25-grants.xml"))[index]
    assert repaired.record.description == original.description
    assert all(not item.warnings for item in items if item is not repaired)


def test_breakage_the_repairs_cannot_mend_is_still_a_failure_at_its_position(data_dir):
    documents = _grant_documents(data_dir)
    documents[1] = documents[1].replace("</invention-title>", "<First</invention-titel>", 1)
    items = _import_text("".join(documents))
    (failure,) = failures_of(items)
    assert failure.position == 2 and failure.error.startswith("XML error at line 956")  # its own first error


SEQUENCE_LISTING = (  # shape of the sequence listings in USPTO weekly grant files (us-sequence-listing DTD)
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE sequence-cwu SYSTEM "us-sequence-listing-2004-03-09.dtd" [ ]>\n'
    '<sequence-cwu id="SEQLST-0" file="US06838265-20050104-S00001.XML" status="n" lang="EN">\n'
    '<publication-reference><document-id><country>US</country><doc-number>06838265</doc-number>'
    '<kind>B2</kind><date>20050104</date></document-id></publication-reference>\n'
    '<s400>ACGTACGT</s400>\n</sequence-cwu>\n')


def test_sequence_listings_in_a_bulk_file_are_skipped_and_counted(data_dir):
    documents = _grant_documents(data_dir)[:3]
    items = _import_text(documents[0] + SEQUENCE_LISTING + documents[1] + SEQUENCE_LISTING + documents[2])
    assert failures_of(items) == []
    assert [r.number for r in records_of(items)] == ["US6836899B1", "US6836979B2", "US6837063B1"]
    skipped = [item for item in items if isinstance(item, SkippedDocument)]
    assert [(s.position, s.kind) for s in skipped] == [(2, "sequence listing"), (4, "sequence listing")]


def test_ice_v40_ipc_with_a_slash_is_parsed(data_dir):
    # Some ICE v4.0 files write the IPC main classification as `G06F015/00` instead of fixed-width `G06F 1500`.
    document = _grant_documents(data_dir)[0].replace(
        "<main-classification>A45F  504</main-classification>",
        "<main-classification>G06F015/00</main-classification>"
        "<further-classification>H04L 12/28</further-classification>", 1)
    (item,) = _import_text(document)
    assert item.record.ipc == ["G06F15/00", "H04L12/28"]

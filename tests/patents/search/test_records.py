import pytest

from app.patents.search.records import PatentRecord, normalise_number, number_variants, split_number


@pytest.mark.parametrize("raw, canonical", [
    ("US 7,314,354 B2", "US7314354B2"),
    ("US07314354B2", "US7314354B2"),
    ("US08147483B2", "US8147483B2"),
    ("us7314354", "US7314354"),
    ("US2013/0014212 A1", "US20130014212A1"),
    ("US 2013/14212 A1", "US20130014212A1"),
    ("US20130014212A1", "US20130014212A1"),
    ("US2007204872A1", "US20070204872A1"),  # EPO style, 6-digit serial
    ("US-A1- 2007 204 872", "US20070204872A1"),  # EPO search report style
    ("EP3383757B1", "EP3383757B1"),
    ("EP 3 383 757 B1", "EP3383757B1"),
    ("WO-A1-2014/114885", "WO2014114885A1"),
    ("USD0656296S1", "USD656296S1"),
    ("US RE43,456 E", "USRE43456E"),
])
def test_normalise_number(raw, canonical):
    assert normalise_number(raw) == canonical


@pytest.mark.parametrize("raw", ["", "wireless", "US", "12-ab-34"])
def test_normalise_number_rejects_non_numbers(raw):
    with pytest.raises(ValueError):
        normalise_number(raw)


def test_split_number_takes_a_separate_kind():
    assert split_number("US07314354", "B2") == ("US", "7314354", "B2")


def test_number_variants_cover_kind_country_and_leading_zeros():
    variants = set(number_variants("US07314354B2"))
    assert {"US7314354B2", "US7314354", "US07314354", "US07314354B2", "7314354", "7314354B2"} <= variants
    assert normalise_number("US 7314354") in variants  # what a pn: query looks up
    assert "USD0656296" in number_variants("USD656296S1")


def test_record_from_number_fills_identity_fields():
    record = PatentRecord.from_number("US 2013/0014212", "A1")
    assert (record.number, record.country, record.doc_number, record.kind) == (
        "US20130014212A1", "US", "20130014212", "A1")

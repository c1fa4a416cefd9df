from datetime import date

import pytest

from app.patents.search.engine import key_terms, similar

from .conftest import make_record
from .test_search import index_records

PASTED_CLAIM = (
    "1. A wireless charging pad comprising a plurality of inductive coils, wherein said coils are "
    "arranged in a planar spiral (12), and a controller configured to transfer power to a phone, "
    "according to claim 1."
)


@pytest.fixture
def index_dir(tmp_path, corpus, indexes_for):
    indexes = indexes_for(tmp_path / "index")
    index_records(indexes, corpus, "public")
    return indexes


def test_key_terms_drop_stopwords_boilerplate_and_numerals(index_dir):
    words = [term.word for term in key_terms(index_dir, PASTED_CLAIM, ["public"])]
    assert {"inductive", "spiral", "coils", "phone"} <= set(words)
    for boilerplate in ("said", "wherein", "comprising", "plurality", "claim", "configured", "according", "12", "1"):
        assert boilerplate not in words
    assert "zebra" not in [t.word for t in key_terms(index_dir, "zebra spiral", ["public"])]  # unknown to the index


def test_similar_ranks_the_matching_patent_first_and_names_its_terms(index_dir):
    result = similar(index_dir, PASTED_CLAIM, None, ["public"], 10)
    best = result.hits[0]
    assert best.number == "US7314354B2"
    assert {"inductive", "spiral", "coils", "wireless", "charging"} <= set(best.terms)
    assert result.total == len(result.hits)
    assert all(hit.terms for hit in result.hits)


def test_similar_respects_before_and_collections(index_dir):
    index_records(index_dir, [make_record("US9999999B1", "Inductive spiral coil charging pad",
                                          published=date(2000, 1, 1))], "tenant:1")
    found = similar(index_dir, PASTED_CLAIM, date(2008, 1, 1), ["public", "tenant:2"], 10)
    numbers = {hit.number for hit in found.hits}
    assert "US7314354B2" not in numbers and "US9999999B1" not in numbers
    found = similar(index_dir, PASTED_CLAIM, date(2008, 1, 1), ["public", "tenant:1"], 10)
    numbers = {hit.number for hit in found.hits}
    assert numbers == {"US9999999B1"}
    with pytest.raises(ValueError):
        similar(index_dir, PASTED_CLAIM, None, [], 10)


def test_similar_with_nothing_to_match(index_dir):
    result = similar(index_dir, "said wherein comprising", None, ["public"], 10)
    assert (result.total, result.hits) == (0, [])


def test_a_long_description_gets_more_key_terms_than_a_short_claim(tmp_path, indexes_for):
    """Issue 20 item 4: 25 key terms for a short text, up to 50 for a long one."""
    from app.patents.search.engine import KEY_TERM_LIMIT, MAX_KEY_TERMS, key_term_limit
    vocabulary = [f"term{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(300)]
    indexes = indexes_for(tmp_path / "index")
    index_records(indexes, [make_record(f"US{2000000 + n}A", " ".join(vocabulary[n::7])) for n in range(7)],
                  "public")
    short = key_terms(indexes, " ".join(vocabulary[:40]), ["public"])
    long = key_terms(indexes, " ".join(vocabulary), ["public"])
    assert len(short) == KEY_TERM_LIMIT and len(long) == MAX_KEY_TERMS
    assert [key_term_limit(n) for n in (10, 125, 200, 400)] == [25, 25, 40, 50]


def test_generic_words_of_a_large_collection_are_not_key_terms(tmp_path, indexes_for):
    """A word in most documents of a large collection ("through", "into") says nothing about the invention."""
    from app.patents.search.engine import GENERIC_MIN_DOCUMENTS
    indexes = indexes_for(tmp_path / "index")
    index_records(indexes, [make_record(f"US{3000000 + n}A", f"Passing through the housing into unit{n}",
                                        abstract="A rotor seal." if n % 50 == 0 else "")
                            for n in range(GENERIC_MIN_DOCUMENTS)], "public")
    words = [term.word for term in key_terms(indexes, "A rotor seal passing through into the housing", ["public"])]
    assert "rotor" in words and "seal" in words
    assert not {"through", "into", "passing", "housing"} & set(words)


def test_a_plain_word_finds_the_patents_word_through_the_thesaurus(tmp_path, indexes_for):
    """Similarity weighs the thesaurus's words for each key term below the term itself."""
    indexes = indexes_for(tmp_path / "index")
    index_records(indexes, [make_record("US4000001A", "Plastic housing with a hinged lid for a router"),
                            make_record("US4000002A", "Router with a folding antenna")], "public")
    result = similar(indexes, "a plastic box for a router", None, ["public"], 10)
    assert result.hits[0].number == "US4000001A"

"""Issue 11, item 3: everything a searcher can observe is a function of the collections that searcher may read.

Two indexes differ only in firm A's private collection. Firm B's searcher (public + firm B) must get
byte-for-byte the same answers from both: hits, order, scores, totals, snippets, matched claims,
similarity hits and their key terms, key-term weights, wildcard expansions and refusals. On a single
shared index the scores of `coil OR zorbulator` moved with firm A's documents, which told an outsider
whether firm A's secret filings use the word.
"""
from datetime import date

import pytest

from app.patents.search.backends import SearchIndexes
from app.patents.search.engine import key_terms, search, similar
from app.patents.search.query import QuerySyntaxError

from .conftest import add_records, make_record

FIRM_B = ["public", "tenant:2"]
QUERIES = [
    "coil OR zorbulator", "coil zorbulator", "coil OR qwzxnotaword", "charging", "zorb*", "coi*", "wireless NOT key",
    '"inductive coil"', '"coil controller"~5', "ti:(pad OR zorbulator)", "NOT wireless", "cl:coil OR ab:coil",
]
SIMILAR_TEXT = "A zorbulator coil winding with an inductive charging pad and a secret flux zorbulator controller."


def firm_a_secrets():
    return [make_record(f"US{9900000 + n}B1", f"Zorbulator coil {n}", abstract="A zorbulator with a coil.",
                        claims=("A zorbulator comprising an inductive coil.",), description="zorbulator " * n,
                        published=date(2005, 1, 1), family_id="F1") for n in range(1, 40)]


def observe(indexes) -> list:
    seen = []
    for query in QUERIES:
        for collapse in (False, True):
            try:
                result = search(indexes, query, None, FIRM_B, limit=50, collapse_family=collapse)
            except QuerySyntaxError as refused:
                seen.append(("refused", query, str(refused)))
                continue
            seen.append((query, collapse, result.total, result.exact, [
                (hit.number, hit.score, hit.snippets, hit.matched_claim, hit.collection) for hit in result.hits]))
    found = similar(indexes, SIMILAR_TEXT, None, FIRM_B, 50)
    seen.append(("similar", found.total, [(hit.number, hit.score, hit.terms, hit.snippets) for hit in found.hits]))
    terms = key_terms(indexes, SIMILAR_TEXT, FIRM_B)
    seen.append(("key terms", [(term.stem, term.word, term.weight) for term in terms]))
    return seen


def test_firm_b_sees_the_same_numbers_whatever_firm_a_keeps_privately(tmp_path, corpus, indexes_for):
    firm_b_notes = [make_record("US8800001B1", "Coil notes of firm B", abstract="A coil and a pad.",
                                claims=("A pad comprising a coil.",))]
    without = indexes_for(tmp_path / "without")
    add_records(without, "public", corpus)
    add_records(without, "tenant:2", firm_b_notes)
    with_secrets = indexes_for(tmp_path / "with")
    add_records(with_secrets, "public", corpus)
    add_records(with_secrets, "tenant:2", firm_b_notes)
    add_records(with_secrets, "tenant:1", firm_a_secrets())

    assert observe(with_secrets) == observe(without)
    # ...and firm A's own searcher does see its documents, so the two indexes really differ.
    assert search(with_secrets, "zorbulator", None, ["public", "tenant:1"]).total == 39
    assert search(without, "zorbulator", None, ["public", "tenant:1"]).total == 0


def test_statistics_change_with_the_collections_searched(tmp_path, corpus):
    """The converse: a searcher who may read firm A's collection gets scores computed with it.

    Whoosh only: tantivy keeps the statistics of each collection's index apart (see tantivy_engine.py).
    """
    indexes = SearchIndexes(root=str(tmp_path / "index"), engines={"*": "whoosh"})
    add_records(indexes, "public", corpus)
    add_records(indexes, "tenant:1", firm_a_secrets())
    public_only = search(indexes, "coil", None, ["public"]).hits[0]
    with_firm_a = [hit for hit in search(indexes, "coil", None, ["public", "tenant:1"], limit=50).hits
                   if hit.number == public_only.number][0]
    assert public_only.score != pytest.approx(with_firm_a.score)

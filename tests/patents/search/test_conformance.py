"""Both engines answer alike (issue 16, item 2): the same corpus in Whoosh and in tantivy gives, for every kind of
query of the language, the same count and the same top results up to ties; also with the date cut-off, the
filters, family collapse, several collections and similarity.

The other half of the conformance suite is every test that takes the `engine` fixture (conftest.ENGINES): the
query-language, syntax, cut-off, isolation, filter, pagination, collapse, snippet, similarity, statistics-isolation,
recovery and attack-query tests run once per engine.

Ties: both engines score with tantivy's BM25 and the same exact field-length codes, so one document scores
the same on both up to tantivy's 32-bit floats (TIE); documents that tie may come in either order.
"""
from datetime import date

import pytest

from app.patents.search.backends import SearchIndexes
from app.patents.search.engine import search, similar

from .conftest import RESULTS_NOT_TIMING, add_records
from .generated import records, vocabulary

TIE = 1e-5
TOP = 10


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict[str, SearchIndexes]:
    public, private = records(1200), records(60, seed=2, first_number=7_300_000)
    engines = {}
    for engine in ("whoosh", "tantivy"):
        indexes = SearchIndexes(root=str(tmp_path_factory.mktemp(engine)), engines={"*": engine},
                                time_budget=RESULTS_NOT_TIMING)
        add_records(indexes, "public", public)
        add_records(indexes, "tenant:1", private)
        engines[engine] = indexes
    return engines


def queries() -> list[str]:
    words, _ = vocabulary()
    w = [word for word in words if len(word) > 4][:40]
    return [
        w[0], f"{w[1]} {w[2]}", f"{w[3]} OR {w[4]}", f"{w[5]} AND NOT {w[6]}", f"NOT {w[7]}", f"{w[8]} OR NOT {w[9]}",
        f"({w[10]} OR {w[11]}) AND {w[12]}", f"ti:{w[13]}", f"ab:{w[14]} OR cl:{w[15]}", f"desc:({w[16]} OR {w[17]})",
        f'"{w[0]} {w[1]}"', f'"{w[2]} {w[3]}" OR "{w[4]} {w[0]}"', f'"{w[5]} {w[6]}"~6', f'"{w[7]} {w[8]} {w[9]}"~9',
        f"{w[18][:4]}*", f"{w[19][:3]}?{w[19][4:6]}*", "cpc:H04", "cpc:B12*", "pn:US9000010", "pn:US900001*",
        "ct:US9000005B2", f"pa:{w[20]}", "cited OR examiner",
    ]


def assert_same_up_to_ties(query: str, whoosh, tantivy) -> None:
    assert (tantivy.total, tantivy.exact) == (whoosh.total, whoosh.exact), query
    scores = {engine: {hit.number: hit.score for hit in result.hits}
              for engine, result in (("whoosh", whoosh), ("tantivy", tantivy))}
    for engine, other in (("whoosh", "tantivy"), ("tantivy", "whoosh")):
        ranked = list(scores[engine].items())
        lowest_other = min(scores[other].values(), default=0.0)
        for rank, (number, score) in enumerate(ranked[:TOP]):
            if number in scores[other]:
                assert scores[other][number] == pytest.approx(score, rel=TIE), (query, number)
            else:  # only in one engine's top results: it must be tied with the other's last one shown
                assert score == pytest.approx(lowest_other, rel=TIE), (query, engine, rank, number)
    ranks = {number: rank for rank, number in enumerate(scores["tantivy"])}
    shown = [(number, score) for number, score in scores["whoosh"].items() if number in ranks][:TOP]
    for (first, first_score), (second, second_score) in zip(shown, shown[1:]):
        if first_score > second_score * (1 + 2 * TIE):
            assert ranks[first] < ranks[second], (query, first, second)


@pytest.mark.parametrize("collection", ["public", "tenant:1"])
def test_every_kind_of_query_ranks_alike(both, collection):
    for query in queries():
        whoosh, tantivy = (search(both[engine], query, None, [collection], limit=3 * TOP)
                           for engine in ("whoosh", "tantivy"))
        assert_same_up_to_ties(query, whoosh, tantivy)


def test_several_collections_find_the_same_documents(both):
    """Scores differ here by design: Whoosh scores over the collections together, tantivy over each one."""
    for query in queries():
        for collapse in (False, True):
            whoosh, tantivy = (search(both[engine], query, None, ["public", "tenant:1"], limit=1000,
                                      collapse_family=collapse) for engine in ("whoosh", "tantivy"))
            assert (tantivy.total, tantivy.exact) == (whoosh.total, whoosh.exact), query
            if not collapse and whoosh.total <= 1000:  # collapsed, the best of a family may differ with the scores
                assert {hit.number for hit in tantivy.hits} == {hit.number for hit in whoosh.hits}, query


def test_cut_off_filters_collapse_and_count_limit_alike(both):
    symbol = records(1)[0].cpc[0]  # e.g. A12B34/567: filter by its group prefix `A12B34/5`
    options = [dict(before=date(2005, 1, 1)), dict(before=date(1990, 1, 2)), dict(country="US", kind="B2"),
               dict(cpc_prefix="H04"), dict(cpc_prefix=symbol[:symbol.index("/") + 2]), dict(collapse_family=True),
               dict(collapse_family=True, before=date(2010, 6, 1)), dict(count_limit=50),
               dict(collapse_family=True, count_limit=20)]
    for query in queries()[:12] + ["NOT zzzz"]:
        for option in options:
            rest = {key: value for key, value in option.items() if key != "before"}
            whoosh, tantivy = (search(both[engine], query, option.get("before"), ["public"], limit=3 * TOP, **rest)
                               for engine in ("whoosh", "tantivy"))
            assert_same_up_to_ties(f"{query} {option}", whoosh, tantivy)


def test_similarity_ranks_alike(both):
    words, _ = vocabulary()
    for start in range(0, 400, 80):
        text = " ".join(words[start:start + 60])
        whoosh, tantivy = (similar(both[engine], text, None, ["public"], limit=3 * TOP)
                           for engine in ("whoosh", "tantivy"))
        assert_same_up_to_ties(text[:40], whoosh, tantivy)
        terms = {hit.number: hit.terms for hit in tantivy.hits}
        assert all(hit.terms == terms[hit.number] for hit in whoosh.hits if hit.number in terms)


def test_pages_show_the_same_stored_text(both):
    whoosh, tantivy = (search(both[engine], "pn:US9000010", None, ["public"]).hits[0]
                       for engine in ("whoosh", "tantivy"))
    assert (whoosh.title, whoosh.publication_date, whoosh.snippets, whoosh.collection) == (
        tantivy.title, tantivy.publication_date, tantivy.snippets, tantivy.collection)

import re
from datetime import date

import pytest

from app.patents.search.engine import search
from app.patents.search.query import QuerySyntaxError, parse_query

from .conftest import make_record

# Every test here that takes `index_dir` runs once per engine (conftest.ENGINES): with the similarity,
# isolation, attack-query and recovery tests it is the conformance suite both engines pass.


def index_records(indexes, records, collection):
    indexes.backend_for(collection).add(collection, records)


@pytest.fixture
def index_dir(tmp_path, corpus, indexes_for):
    """The sample corpus in the public collection, served by this test's engine."""
    indexes = indexes_for(tmp_path / "index")
    index_records(indexes, corpus, "public")
    return indexes


def numbers(index_dir, query, before=None, collections=("public",), **options):
    result = search(index_dir, query, before, list(collections), **options)
    assert result.total == len(result.hits)  # every test page is large enough
    return {hit.number for hit in result.hits}


PAD, CLOSURE, STATION, KEYS = "US7314354B2", "EP3383757B1", "US20130014212A1", "US8147483B2"


@pytest.mark.parametrize("query, expected", [
    ("wireless", {PAD, STATION, KEYS}),  # title, description, description
    ("wireless charging", {PAD, STATION}),  # implicit AND, across fields
    ("wireless AND charging", {PAD, STATION}),
    ("magnets OR cryptographic", {CLOSURE, KEYS}),
    ("wireless NOT key", {PAD, STATION}),
    ("NOT wireless", {CLOSURE}),
    ("(magnet OR key) AND NOT closure", {KEYS}),
    ("key OR magnet closure", {KEYS, CLOSURE}),  # AND binds tighter than OR
    ("(key OR magnet) closure", {CLOSURE}),
    ('"wireless charging"', {PAD}),
    ('"pad wireless"', set()),
    ('"wireless pad"~1', set()),
    ('"wireless pad"~2', {PAD}),
    ('"pad wireless"~2', {PAD}),  # proximity ignores order
    ("charg*", {PAD, STATION}),
    ("battery*", {PAD}),  # the truncated word is stemmed too ("batteri")
    ("magn?ts", {CLOSURE}),
    ("ti:charging", {PAD, STATION}),
    ("ti:inductive", set()),
    ("ab:inductive", {PAD}),
    ("cl:spiral", {PAD}),
    ("desc:spiral", set()),
    ("desc:battery", {PAD}),
    ("ti:(key OR closure)", {KEYS, CLOSURE}),
    ("cpc:H02J", {PAD, STATION}),
    ("cpc:H04", {PAD, KEYS}),
    ("cpc:H02J50*", {PAD}),
    ("cpc:H04L9", {KEYS}),
    ("cpc:H04L9/0861", {KEYS}),
    ('cpc:"H04L 9/0861"', {KEYS}),
    ("cpc:h04l9/08*", {KEYS}),
    ("ipc:H02J7*", {PAD}),
    ("ipc:B65D", {CLOSURE}),
    ("pa:acme", {PAD}),
    ("as:cipher", {KEYS}),  # assignee
    ('pa:"management llc"', {CLOSURE}),
    ("in:smith", {PAD, KEYS}),
    ('in:"smith jane"', {PAD, KEYS}),
    ("in:muller", {STATION}),
    ("pn:US7314354", {PAD}),
    ('pn:"US 7,314,354 B2"', {PAD}),
    ("pn:US07314354B2", {PAD}),
    ("pn:7314354", {PAD}),
    ("pn:US7314354B1", set()),  # a different kind code is a different document
    ("pn:US2013/0014212", {STATION}),
    ("pn:EP3383757", {CLOSURE}),
    ("pn:US73*", {PAD}),
    ("ct:US7314354", {CLOSURE}),
    ("ct:US2007/0204872", {CLOSURE}),
    ("ct:US6000001", {PAD}),
    ("wireless pn:US8147483", {KEYS}),
])
def test_query_language(index_dir, query, expected):
    assert numbers(index_dir, query) == expected


@pytest.mark.parametrize("query, message", [
    ("(wireless OR charging", "unbalanced parenthesis at position 0"),
    ("wireless OR charging)", "unbalanced parenthesis at position 20"),
    ("wireless AND (charging OR (pad)", "unbalanced parenthesis at position 13"),
    ("wireless AND", "expected a term after 'AND' at position 12"),
    ("NOT", "expected a term after 'NOT' at position 3"),
    ("wireless OR OR pad", "expected a term before 'OR' at position 12"),
    ('ti:"wireless charging', "unterminated phrase at position 3"),
    ('"wireless pad"~x', "expected a number after '~' at position 15"),
    ("foo:bar", "unknown field 'foo' at position 0"),
    ("pad ti: wireless", "missing value for field 'ti:' at position 7"),
    ("", "empty query at position 0"),
    ("the of", "no searchable terms (only stopwords) at position 0"),
    ("pad *", "'*' is too broad: a wildcard needs at least 3 characters before the first '*' or '?' at position 4"),
    ('pa:"acme po*"', "wildcards are not supported inside a phrase of names at position 3"),
    ('"wireless charging"~2*', "'*' is too broad: a wildcard needs at least 3 characters before the first '*' "
                               "or '?' at position 21"),
    ('cpc:"H04L 9/08"~2', "proximity '~' only applies to text fields at position 4"),
])
def test_syntax_errors_name_their_position(query, message):
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert str(caught.value) == message
    assert caught.value.position == int(message.rsplit(" ", 1)[1])
    assert isinstance(caught.value, ValueError)


def test_lowercase_operators_are_words(index_dir):
    assert numbers(index_dir, "magnets or cryptographic") == set()  # "or" is a stopword: magnets AND cryptographic


def test_before_excludes_documents_published_on_or_after_the_date(index_dir):
    assert numbers(index_dir, "charging", before=date(2013, 1, 10)) == {PAD}
    assert numbers(index_dir, "charging", before=date(2013, 1, 11)) == {PAD, STATION}
    assert numbers(index_dir, "charging") == {PAD, STATION}
    index_records(index_dir, [make_record("US1234567B1", "Charging undated", published=None)], "public")
    assert numbers(index_dir, "charging", before=date(2100, 1, 1)) == {PAD, STATION}  # undated is never prior art
    assert numbers(index_dir, "charging") == {PAD, STATION, "US1234567B1"}


def test_collections_isolate_tenants(index_dir):
    secret = make_record("US9999999B1", "Clandestine charging invention", claims=("A clandestine charger.",),
                         citations=[], family_id="F1")
    index_records(index_dir, [secret], "tenant:1")
    index_records(index_dir, [make_record("US8888888B1", "Tenant two charging notes")], "tenant:2")

    for query in ("charging", "clandestine", "pn:US9999999", "cl:charger", "charg*", "NOT wireless"):
        result = search(index_dir, query, None, ["public", "tenant:2"], limit=50)
        assert "US9999999B1" not in {hit.number for hit in result.hits}
        assert result.total == len(result.hits)
    assert search(index_dir, "clandestine", None, ["public", "tenant:2"]).total == 0
    assert search(index_dir, "charging", None, ["public", "tenant:2"], collapse_family=True).total == 2  # F1 + tenant 2
    assert numbers(index_dir, "charging", collections=["public", "tenant:2"]) == {PAD, STATION, "US8888888B1"}
    assert numbers(index_dir, "charging", collections=["tenant:1"]) == {"US9999999B1"}
    assert numbers(index_dir, "charging", collections=["public", "tenant:1"]) == {PAD, STATION, "US9999999B1"}


@pytest.mark.parametrize("collections", [[], "public", None, [""]])
def test_collections_must_be_named(index_dir, collections):
    with pytest.raises(ValueError):
        search(index_dir, "charging", None, collections)


def test_collections_has_no_default(index_dir):
    with pytest.raises(TypeError):
        search(index_dir, "charging", None)  # type: ignore[call-arg]


def test_filters_country_kind_and_cpc_prefix(index_dir):
    assert numbers(index_dir, "NOT zzz", country="EP") == {CLOSURE}
    assert numbers(index_dir, "NOT zzz", kind="a1") == {STATION}
    assert numbers(index_dir, "NOT zzz", cpc_prefix="H02J") == {PAD, STATION}
    assert numbers(index_dir, "NOT zzz", cpc_prefix="H04L9/08") == {KEYS}
    assert numbers(index_dir, "wireless", cpc_prefix="H04L", country="US") == {KEYS}


def test_pagination_totals_count_every_filtered_hit(index_dir):
    first = search(index_dir, "wireless", None, ["public"], limit=2, offset=0)
    second = search(index_dir, "wireless", None, ["public"], limit=2, offset=2)
    assert first.total == second.total == 3
    assert len(first.hits) == 2 and len(second.hits) == 1
    assert {h.number for h in first.hits + second.hits} == {PAD, STATION, KEYS}


def test_collapse_family_keeps_the_best_of_each_family(index_dir):
    result = search(index_dir, "charging", None, ["public"], collapse_family=True)
    assert result.total == 1 and len(result.hits) == 1  # PAD and STATION are both family F1


def test_hits_carry_snippets_matched_claim_and_metadata(index_dir):
    (hit,) = search(index_dir, "spiral OR ab:inductive", None, ["public"]).hits
    assert hit.number == PAD and hit.title == "Wireless charging pad for portable devices"
    assert hit.publication_date == date(2008, 1, 1) and hit.collection == "public"
    assert hit.matched_claim == 2
    assert re.search(r'<mark class="match term\d+">spiral</mark>', hit.snippets["claims"])
    assert "inductive</mark>" in hit.snippets["abstract"]
    assert "description" not in hit.snippets


def test_claims_and_abstract_outweigh_description(tmp_path, indexes_for):
    directory = indexes_for(tmp_path / "index")
    filler = "Some neutral filler words about general engineering practice."
    flange = "A gizmo with a flange."

    def record(number, field_with_flange):
        texts = {name: filler for name in ("abstract", "claim", "description")}
        texts[field_with_flange] = flange
        return make_record(number, "Gizmo", abstract=texts["abstract"], claims=(texts["claim"],),
                           description=texts["description"])

    index_records(directory, [record("US1000001B1", "description"), record("US1000002B1", "claim"),
                              record("US1000003B1", "abstract")], "public")
    ranked = [hit.number for hit in search(directory, "flange", None, ["public"]).hits]
    assert ranked[-1] == "US1000001B1"


def test_readding_a_number_updates_it_and_delete_collection(index_dir):
    index_records(index_dir, [make_record("US 7,314,354 B2", "Renamed resonant coupler")], "public")
    assert numbers(index_dir, "ti:renamed") == {PAD}
    assert numbers(index_dir, "ti:pad") == set()
    backend = index_dir.backend_for("public")
    assert backend.stats("public")["documents"] == 4
    index_records(index_dir, [make_record("US7314354B2", "Tenant copy")], "tenant:5")
    assert backend.stats("tenant:5")["documents"] == 1
    assert search(index_dir, "pn:US7314354", None, ["public", "tenant:5"]).total == 2
    backend.drop("tenant:5")
    assert backend.stats("tenant:5")["documents"] == 0
    assert numbers(index_dir, "pn:US7314354", collections=["public", "tenant:5"]) == {PAD}


@pytest.fixture
def truncation_index(tmp_path, indexes_for):
    indexes = indexes_for(tmp_path / "truncation")
    index_records(indexes, [
        make_record("US1000001A", "Optical fibers drawn from a preform", abstract="The fiber is heat-treated."),
        make_record("US1000002A", "Fiber optic connector", abstract="A co-extruded sleeve holds the optical cable."),
        make_record("US1000003A", "Coextruded film", abstract="Heat treatment of a coextruded multilayer film."),
        make_record("US1000004A", "Pre-charging circuit", abstract="Pre-charged capacitors; optical sensor of fibre."),
    ], "public")
    return indexes


@pytest.mark.parametrize("query, expected", [
    ('"optical fiber*"', {"US1000001A"}),               # truncation inside a phrase (issue 20)
    ('"fiber* optic"', {"US1000002A"}),
    ("heat-treat*", {"US1000001A", "US1000003A"}),      # "heat-treated"; "heat treatment" also reads heat treat…
    ("co-extru*", {"US1000002A", "US1000003A"}),        # the hyphenated and the closed form
    ("pre-charg*", {"US1000004A"}),
    ('"optical fiber*" OR coextru*', {"US1000001A", "US1000003A"}),
    ('ab:"optical cab*"', {"US1000002A"}),
])
def test_truncation_inside_phrases_and_hyphenated_words(truncation_index, query, expected):
    assert numbers(truncation_index, query) == expected


@pytest.mark.parametrize("query, message, position", [
    ('"optical f*"', "'f*' in 'optical f*' is too broad", 0),
    ("ti:x-ra*", "'ra*' in 'x-ra*' is too broad", 3),
])
def test_a_truncated_phrase_word_needs_its_three_letters(truncation_index, query, message, position):
    with pytest.raises(QuerySyntaxError) as refused:
        search(truncation_index, query, None, ["public"])
    assert message in str(refused.value) and refused.value.position == position


def test_syn_finds_the_words_the_patent_thesaurus_groups(truncation_index, tmp_path, indexes_for):
    """Issue 20 item 2: a searcher's "box" finds the claim's "housing"; syn: takes one word."""
    indexes = indexes_for(tmp_path / "syn")
    index_records(indexes, [make_record("US1100001A", "Enclosure for a router"),
                            make_record("US1100002A", "Cardboard box"),
                            make_record("US1100003A", "Router antenna")], "public")
    assert numbers(indexes, "syn:housing") == {"US1100001A", "US1100002A"}
    assert numbers(indexes, "syn:box AND router") == {"US1100001A"}
    for bad in ("syn:\"two words\"", "syn:hous*"):
        with pytest.raises(QuerySyntaxError, match="syn: takes one word"):
            search(indexes, bad, None, ["public"])

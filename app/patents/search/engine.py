"""Searching: the query language and similarity over the collections a searcher may read, on the engines serving them.

Each call opens one view per engine over exactly the named collections (so every statistic comes
from them alone), resolves wildcards against those views within the cost limits, runs the query under
a time budget, merges the engines' best matches, and builds the page: stored text, snippets, the
matched claim and, for similarity, the key terms each hit contains.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .analysis import STOP_WORDS, stem, words
from .backends import Budget, Filters, Match, Matches, SearchIndexes
from .documents import number_date
from .highlight import HIGHLIGHT_FIELDS, Highlighter
from .query import Or, Term, parse_query, resolve_wildcards
from .thesaurus import SYNONYMS_PER_TERM, synonym_stems

MAX_RESULT_WINDOW = 1000  # deep pagination stops here: narrow the query instead
MAX_SIMILAR_TEXT = 50_000
# Key terms of a similarity search: a short text gives 25, a long description up to 50 (one per five distinct
# candidate words); measured in issue 20, 25 left long descriptions short of rank 1 and about 40 brought them there.
KEY_TERM_LIMIT = 25
MAX_KEY_TERMS = 50
CANDIDATES_PER_KEY_TERM = 5
# In a collection this large, a word in more than half of the documents is generic ("through", "into", "made")
# and is not a key term, whatever the text (a smaller collection's shares say too little to judge).
GENERIC_MIN_DOCUMENTS = 500
GENERIC_DOCUMENT_SHARE = 0.5
# Nearly every document shares a word with a pasted claim: counting them all exactly is most of a similarity
# search's time on Whoosh, and says little. Beyond this many, the count is "more than".
SIMILAR_COUNT_LIMIT = 1_000

# Words every claim uses: they say nothing about the invention.
PATENT_BOILERPLATE = frozenset("""
    said wherein whereby wherefrom thereof therein thereon thereto therefrom thereby herein hereinafter
    comprising comprises comprise comprised including includes include consisting consists
    plurality claim claims claimed according least one two first second third fourth further
    configured adapted operable arranged having has wherein embodiment embodiments invention present
    disclosure disclosed method system apparatus device means step steps provided providing
    substantially respective respectively each portion member element associated based via
    such same other another predetermined thereafter whereas also within
""".split())
# The boilerplate list holds words; this also drops their other forms ('elements', 'claiming').
_BOILERPLATE_STEMS = frozenset(stem(word) for word in PATENT_BOILERPLATE)


@dataclass
class Hit:
    number: str
    score: float
    title: str
    publication_date: date | None
    collection: str
    snippets: dict[str, str] = field(default_factory=dict)  # field -> HTML with <mark> around matches
    matched_claim: int | None = None  # the claim containing most of the matched claim terms
    terms: list[str] = field(default_factory=list)  # similar(): the key terms this hit contains


@dataclass
class SearchResult:
    total: int  # every hit (or family) that passes the filters, not just this page
    hits: list[Hit]
    exact: bool = True  # False: more than `total`


@dataclass
class KeyTerm:
    stem: str  # the indexed form
    word: str  # the commonest word of the text that produced it, for display
    weight: float


def as_indexes(where) -> SearchIndexes:
    """A SearchIndexes, or an index root directory (tests, the benchmark) meaning Whoosh for everything."""
    return where if isinstance(where, SearchIndexes) else SearchIndexes(root=str(where))


def _check_window(limit: int, offset: int) -> None:
    if limit < 1 or offset < 0:
        raise ValueError("limit must be positive and offset not negative")
    if offset + limit > MAX_RESULT_WINDOW:
        raise ValueError(f"only the first {MAX_RESULT_WINDOW:,} results can be paged through; narrow the query")


def search(where, query_string: str, before: date | None, collections: list[str], limit: int = 20,
           offset: int = 0, *, cpc_prefix: str | None = None, country: str | None = None,
           kind: str | None = None, collapse_family: bool = False, count_limit: int | None = None,
           budget: Budget | None = None) -> SearchResult:
    """Search the collections for query_string, keeping only documents published before `before`.

    Raises QuerySyntaxError (with a position) for a query that cannot run, SearchStopped when the time
    budget runs out or the search is cancelled.
    """
    _check_window(limit, offset)
    indexes = as_indexes(where)
    tree = parse_query(query_string)
    filters = Filters(before, cpc_prefix or None, country or None, kind or None)
    budget = budget or indexes.budget()
    with indexes.open_views(collections) as views:
        resolved = [resolve_wildcards(tree, view.expand) for view in views]
        found = [view.search(query, filters, limit=offset + limit, collapse_family=collapse_family,
                             count_limit=count_limit, budget=budget) for view, query in zip(views, resolved)]
        merged = merge(found, offset + limit, collapse_family, count_limit)
        page = _load_page(views, found, merged.hits[offset:offset + limit])
        highlighter = Highlighter(Or(tuple(resolved)) if len(resolved) > 1 else resolved[0])
        hits = [_hit(match, highlighter, budget) for match in page]
    return SearchResult(merged.total, hits, merged.exact)


def merge(found: list[Matches], limit: int, collapse_family: bool, count_limit: int | None) -> Matches:
    """The best `limit` of several engines' matches (score, then engine order, then each engine's order)."""
    if len(found) == 1:
        return found[0]
    ranked = sorted(((match.score, -engine, -rank, match) for engine, matches in enumerate(found)
                     for rank, match in enumerate(matches.hits)), key=lambda item: item[:3], reverse=True)
    exact = all(matches.exact for matches in found)
    if not collapse_family:
        return Matches([item[3] for item in ranked[:limit]], sum(m.total for m in found), exact)
    families = set().union(*(matches.families or set() for matches in found))
    seen, hits = set(), []
    for *_, match in ranked:
        if match.family not in seen:
            seen.add(match.family)
            hits.append(match)
    total = len(families)
    if count_limit is not None and total > count_limit:
        total, exact = count_limit, False
    return Matches(hits[:limit], total, exact, families)


def _load_page(views, found: list[Matches], page: list[Match]) -> list[Match]:
    for view, matches in zip(views, found):
        mine = {id(match) for match in matches.hits}
        view.load([match for match in page if id(match) in mine])
    return page


def _hit(match: Match, highlighter: Highlighter, budget: Budget | None) -> Hit:
    if budget is not None:
        budget.check()
    stored = match.stored
    snippets = {name: highlighter.snippet(name, stored.get(name) or "") for name in HIGHLIGHT_FIELDS}
    return Hit(number=match.number, score=match.score, title=stored.get("title") or "",
               publication_date=number_date(stored.get("publication_date")), collection=match.collection,
               snippets={name: html for name, html in snippets.items() if html},
               matched_claim=highlighter.matched_claim(stored.get("claims") or ""))


# Similarity ----------------------------------------------------------------------------------------


def key_term_limit(candidates: int) -> int:
    """How many key terms a text of this many distinct candidate words gets: 25 to 50, growing with its length."""
    return max(KEY_TERM_LIMIT, min(MAX_KEY_TERMS, candidates // CANDIDATES_PER_KEY_TERM))


def key_terms(where, text: str, collections: list[str], limit: int | None = None) -> list[KeyTerm]:
    """The most distinctive terms: tf in the text times idf in the searched collections, rarest first among equals.

    Without a limit, as many as key_term_limit gives for the text; generic words of a large collection are left out.
    """
    indexes = as_indexes(where)
    stems: Counter[str] = Counter()
    originals: dict[str, Counter[str]] = {}
    for _start, _end, word in words(text[:MAX_SIMILAR_TEXT]):
        if len(word) < 3 or word in STOP_WORDS or word in PATENT_BOILERPLATE or re.fullmatch(r"[\d.]+", word):
            continue  # reference numerals, values, stop words and boilerplate
        term = stem(word)
        if term in _BOILERPLATE_STEMS:
            continue
        stems[term] += 1
        originals.setdefault(term, Counter())[word] += 1
    with indexes.open_views(collections) as views:
        documents = max(sum(view.doc_count() for view in views), 1)
        judge_generic = documents >= GENERIC_MIN_DOCUMENTS
        weighted = []
        for term, frequency in stems.items():
            document_frequency = sum(view.doc_frequency("body", term) for view in views)
            if document_frequency == 0:
                continue  # matches nothing
            if judge_generic and document_frequency > GENERIC_DOCUMENT_SHARE * documents:
                continue  # a generic word of this collection
            weighted.append(KeyTerm(term, originals[term].most_common(1)[0][0],
                                    frequency * math.log(1 + documents / document_frequency)))
    weighted.sort(key=lambda term: (-term.weight, term.stem))
    return weighted[:limit if limit is not None else key_term_limit(len(stems))]


SYNONYM_WEIGHT = 0.3  # a word the thesaurus groups with a key term counts this much of the key term


def _synonym_terms(terms: list[KeyTerm]) -> tuple[Term, ...]:
    """The patent thesaurus's words for each key term, weighted below it (a claim's "housing" for a searcher's
    "box"); not the key terms themselves, each synonym once."""
    own = {term.stem for term in terms}
    added: dict[str, float] = {}
    top_weight = terms[0].weight
    for term in terms:
        for synonym in synonym_stems(term.stem)[:SYNONYMS_PER_TERM]:
            if synonym not in own and synonym not in added:
                added[synonym] = SYNONYM_WEIGHT * term.weight / top_weight
    return tuple(Term("body", synonym, weight) for synonym, weight in added.items())


def similar(where, text: str, before: date | None, collections: list[str], limit: int = 20, *,
            offset: int = 0, count_limit: int | None = None, budget: Budget | None = None) -> SearchResult:
    """Documents sharing the most distinctive terms of text (25 to 50 of them, by its length; over all text fields).

    The count is exact up to SIMILAR_COUNT_LIMIT (or a lower count_limit), then "more than".
    """
    _check_window(limit, offset)
    if len(text) > MAX_SIMILAR_TEXT:
        raise ValueError(f"the text may be at most {MAX_SIMILAR_TEXT:,} characters long")
    indexes = as_indexes(where)
    budget = budget or indexes.budget()
    count_limit = min(count_limit if count_limit is not None else SIMILAR_COUNT_LIMIT, SIMILAR_COUNT_LIMIT)
    terms = key_terms(indexes, text, collections)
    if not terms:
        return SearchResult(0, [])
    top_weight = terms[0].weight
    tree = Or(tuple(Term("body", term.stem, term.weight / top_weight) for term in terms) + _synonym_terms(terms))
    key_stems = frozenset(term.stem for term in terms)
    highlighter = Highlighter(tree, extra={name: set(key_stems) for name in HIGHLIGHT_FIELDS})
    with indexes.open_views(collections) as views:
        found = [view.search(tree, Filters(before), limit=offset + limit, count_limit=count_limit, budget=budget)
                 for view in views]
        merged = merge(found, offset + limit, False, count_limit)
        hits = []
        for match in _load_page(views, found, merged.hits[offset:offset + limit]):
            hit = _hit(match, highlighter, budget)
            contained = set().union(*(highlighter.present(name, match.stored.get(name) or "", key_stems)
                                      for name in HIGHLIGHT_FIELDS))
            hit.terms = [term.word for term in terms if term.stem in contained]
            hits.append(hit)
    return SearchResult(merged.total, hits, merged.exact)

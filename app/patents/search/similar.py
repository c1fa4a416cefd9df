"""More-like-this search: finds prior art for a pasted claim or disclosure by its weighted key terms."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from whoosh import query as q
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.lang.porter import stem

from .index import TEXT_FIELDS, open_or_create
from .query import Hit, SearchResult, build_filter, run_search

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

KEY_TERM_LIMIT = 25
_KEY_TERM_ANALYZER = StemmingAnalyzer(stoplist=STOP_WORDS | PATENT_BOILERPLATE, minsize=3)
# The stop list sees words before stemming; this also drops their other forms ('elements', 'claiming').
_BOILERPLATE_STEMS = frozenset(stem(word) for word in PATENT_BOILERPLATE)


@dataclass
class KeyTerm:
    stem: str  # the indexed (stemmed) form
    word: str  # the commonest word of the text that produced it, for display
    weight: float


def key_terms(index_dir: str, text: str, limit: int = KEY_TERM_LIMIT) -> list[KeyTerm]:
    """The text's most distinctive terms: tf in the text times idf in the index, rarest first among equals."""
    stems: Counter[str] = Counter()
    words: dict[str, Counter[str]] = {}
    for token in _KEY_TERM_ANALYZER(text, keeporiginal=True):
        if re.fullmatch(r"[\d.]+", token.text) or token.text in _BOILERPLATE_STEMS:
            continue  # reference numerals, values and boilerplate
        stems[token.text] += 1
        words.setdefault(token.text, Counter())[token.original.lower()] += 1
    index = open_or_create(index_dir)
    with index.reader() as reader:
        documents = max(reader.doc_count(), 1)
        weighted = []
        for term, frequency in stems.items():
            document_frequency = max(reader.doc_frequency(name, term) for name in TEXT_FIELDS)
            if document_frequency == 0:
                continue  # matches nothing
            idf = math.log(1 + documents / document_frequency)
            weighted.append(KeyTerm(term, words[term].most_common(1)[0][0], frequency * idf))
    weighted.sort(key=lambda term: (-term.weight, term.stem))
    return weighted[:limit]


def similar(index_dir: str, text: str, before: date | None, collections: list[str], limit: int = 20,
            *, offset: int = 0) -> SearchResult:
    """Documents sharing the most distinctive terms of text; each hit lists the key terms it matched."""
    result_filter = build_filter(before, collections)
    terms = key_terms(index_dir, text)
    if not terms:
        return SearchResult(0, [])
    top_weight = terms[0].weight
    similar_query = q.Or([
        q.Term(name, term.stem, boost=term.weight / top_weight) for term in terms for name in TEXT_FIELDS
    ])
    total, page = run_search(index_dir, similar_query, result_filter, limit, offset)
    hits: list[Hit] = []
    for hit, matched in page:
        matched_stems = {value for name, value in matched if name in TEXT_FIELDS}
        hit.terms = [term.word for term in terms if term.stem in matched_stems]
        hits.append(hit)
    return SearchResult(total, hits)

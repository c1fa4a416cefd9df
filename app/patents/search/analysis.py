"""Text analysis shared by every engine, the query compiler, the highlighter and key terms: one definition of a term.

A text field is split with TOKEN_PATTERN (a word, dots allowed inside: `3.5`, `u.s.a`; at least two
characters), lowercased, stripped of STOP_WORDS, and stemmed with the Snowball English stemmer
(Porter2). Whoosh gets the same chain as Python objects; tantivy gets it as its own regex tokenizer,
stop-word filter and `english` stemmer, so both engines index and query the same terms. Stop words
leave a gap in the positions (they are not renumbered away), as tantivy does: a phrase that contains
a stop word is matched with that gap, and "wireless charging" does not match "wireless of charging".

Names (applicants, inventors) are split the same way but keep every word and are not stemmed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import STOP_WORDS as _WHOOSH_STOP_WORDS
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.snowball.english import EnglishStemmer

# A word of at least two characters; single dots may join word characters
# (Whoosh's default pattern, minus 1-letter words).
TOKEN_PATTERN = r"\w(?:\.?\w)+"
# Names keep one-letter words (initials).
NAME_TOKEN_PATTERN = r"\w+(?:\.?\w+)*"
STOP_WORDS = frozenset(_WHOOSH_STOP_WORDS)
STEMMER_LANGUAGE = "english"  # Snowball; tantivy's Filter.stemmer("english") is the same algorithm

_TOKEN_RE = re.compile(TOKEN_PATTERN)
_english = EnglishStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The indexed form of one lowercased word."""
    return _english.stem(word)


def text_analyzer():
    """The Whoosh analyzer of text fields (title, abstract, claims, description, body)."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=1, renumber=False)
            | StemFilter(stemfn=stem, cachesize=None))


def name_analyzer():
    """The Whoosh analyzer of applicant, assignee and inventor names."""
    return RegexTokenizer(NAME_TOKEN_PATTERN) | LowercaseFilter()


def analysed_terms(text: str) -> list[tuple[int, str]]:
    """(position, stem) of every indexed term of a text, positions counting stop words as the engines do."""
    terms = []
    for position, word in enumerate(_TOKEN_RE.findall(text)):
        word = word.lower()
        if word not in STOP_WORDS:
            terms.append((position, stem(word)))
    return terms


def token_count(text: str) -> int:
    """How many positions a text takes in the index: its words, stop words included."""
    return len(_TOKEN_RE.findall(text))


def term_count(text: str) -> int:
    """How many terms a text field indexes (its length for scoring): the words that are not stop words."""
    return sum(1 for match in _TOKEN_RE.finditer(text) if match.group(0).lower() not in STOP_WORDS)


def analysed_names(text: str) -> list[str]:
    return [match.group(0).lower() for match in re.finditer(NAME_TOKEN_PATTERN, text)]


def words(text: str):
    """(start, end, lowercased word) of every token, stop words included: for highlighting and key terms."""
    for match in _TOKEN_RE.finditer(text):
        yield match.start(), match.end(), match.group(0).lower()

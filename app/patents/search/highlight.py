"""Snippets with the query's terms marked, the best-matching claim, and which terms a hit contains, from stored text.

Engine-neutral and fast: one compiled regular expression per query finds the words that could stem to
a query term (a Snowball stem is the word's own beginning, minus at most its last letter, except for a
few irregular words), and only those words are stemmed (with a cache). Only the fields the query
targets are highlighted, and only for the page shown.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

from .analysis import STOP_WORDS, stem
from .query import NAME_FIELDS, Near, Phrase, Term, Terms, positive_leaves

SNIPPET_CHARS = 240
SURROUND = 60
SNIPPETS_PER_FIELD = 2
HIGHLIGHT_FIELDS = ("title", "abstract", "claims", "description")


def terms_by_field(tree) -> dict[str, set[str]]:
    """The indexed terms a match may contain, per field, from the parts of the query that are not negated."""
    found: dict[str, set[str]] = {}
    for leaf in positive_leaves(tree):
        if leaf.field in NAME_FIELDS or leaf.field not in HIGHLIGHT_FIELDS:
            continue
        if isinstance(leaf, Term):
            terms = {leaf.text}
        elif isinstance(leaf, Terms):
            terms = set(leaf.terms)
        elif isinstance(leaf, Phrase):
            terms = {term for _, term in leaf.terms}
        elif isinstance(leaf, Near):
            terms = set(leaf.terms)
        else:
            continue
        found.setdefault(leaf.field, set()).update(terms)
    return found


def _trie_pattern(words: list[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        if not node:
            return ""
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        optional = "" in node
        if len(branches) == 1 and not optional:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if optional else "")

    return render(trie)


@lru_cache(maxsize=256)
def _candidates(stems: frozenset[str]) -> re.Pattern:
    prefixes = sorted({term[:max(2, len(term) - 1)] for term in stems})
    # A whole token (analysis.TOKEN_PATTERN) that starts with a prefix: not preceded by a word character,
    # nor by a word character and a dot (that dot would join the two into one token).
    return re.compile(r"(?<!\w)(?<!\w\.)(?:" + _trie_pattern(prefixes) + r")(?:\.?\w)*", re.IGNORECASE)


def find_terms(text: str, stems: frozenset[str]):
    """(start, end, stem) of every word in text whose indexed form is one of stems."""
    if not stems or not text:
        return
    for match in _candidates(stems).finditer(text):
        word = match.group(0).lower()
        if len(word) > 1 and word not in STOP_WORDS:
            term = stem(word)
            if term in stems:
                yield match.start(), match.end(), term


class Highlighter:
    def __init__(self, tree, extra: dict[str, set[str]] | None = None):
        wanted = terms_by_field(tree)
        for field_name, terms in (extra or {}).items():
            wanted.setdefault(field_name, set()).update(terms)
        self.terms = {field_name: frozenset(terms) for field_name, terms in wanted.items()}
        order = sorted({term for terms in self.terms.values() for term in terms})
        self.classes = {term: index for index, term in enumerate(order)}

    def snippet(self, field_name: str, text: str) -> str:
        """HTML: up to two passages around the densest matches, escaped, matches in <mark class="match termN">."""
        found = list(find_terms(text, self.terms.get(field_name, frozenset())))
        if not found:
            return ""
        fragments = []
        index = 0
        while index < len(found):
            start = max(0, found[index][0] - SURROUND)
            end, last = found[index][1], index
            while last + 1 < len(found) and found[last + 1][1] - start <= SNIPPET_CHARS:
                last += 1
                end = found[last][1]
            members = found[index:last + 1]
            fragments.append((len({term for _, _, term in members}), len(members), -start, start,
                              min(len(text), end + SURROUND), members))
            index = last + 1
        chosen = sorted(sorted(fragments, reverse=True)[:SNIPPETS_PER_FIELD], key=lambda fragment: fragment[3])
        return "…".join(self._render(text, start, end, members) for *_, start, end, members in chosen)

    def _render(self, text: str, start: int, end: int, members) -> str:
        start = _word_start(text, start)
        end = _word_end(text, end)
        parts, cursor = [], start
        for match_start, match_end, term in members:
            parts.append(html.escape(text[cursor:match_start]))
            parts.append(f'<mark class="match term{self.classes[term]}">'
                         f'{html.escape(text[match_start:match_end])}</mark>')
            cursor = match_end
        parts.append(html.escape(text[cursor:end]))
        return "".join(parts).strip()

    def present(self, field_name: str, text: str, stems: frozenset[str] | None = None) -> set[str]:
        """Which of the terms (the field's query terms by default) occur in text."""
        return {term for _, _, term in find_terms(text, stems if stems is not None else
                                                    self.terms.get(field_name, frozenset()))}

    def matched_claim(self, claims: str) -> int | None:
        """The claim containing most of the claims terms of the query (the first of equals)."""
        stems = self.terms.get("claims", frozenset())
        if not stems:
            return None
        best, best_count = None, 0
        for line in claims.splitlines():
            number, _, text = line.partition(". ")
            if not number.isdigit():
                continue
            count = len(self.present("claims", text))
            if count > best_count:
                best, best_count = int(number), count
        return best


def _word_start(text: str, position: int) -> int:
    while 0 < position < len(text) and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text: str, position: int) -> int:
    while position < len(text) and not text[position].isspace():
        position += 1
    return position

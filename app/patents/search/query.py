"""The prior-art query language (parsed here, with error positions) and the filtered, tenant-scoped search over the index.

Syntax:
    wireless charging               implicit AND; unfielded terms search title, abstract, claims, description
    a AND b, a OR b, NOT a          operators in capitals; precedence NOT > AND > OR; parentheses group
    "wireless charging"             phrase
    "wireless charging"~5           both words within 5 positions of each other, in either order
    charg*  magn?ts                 truncation and wildcards, matched against the stemmed index terms
                                    (the pattern is stemmed too, so `battery*` finds "batteries")
    ti: ab: cl: desc:               title, abstract, claims, description
    cpc: ipc:                       classification; `cpc:H04L` and `cpc:H04L9/0861` match a level,
                                    `cpc:H04L9*` is a prefix; `cpc:"H04L 9/08"` may contain spaces
    pa: as:                         applicant or assignee
    in:                             inventor
    pn: ct:                         publication number, cited number (any form: US7314354, US 7,314,354 B2)
    field:(a OR b)                  a field applies to a whole group
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as q
from whoosh import sorting
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.lang.porter import stem
from whoosh.query.spans import SpanNear2

from .index import TEXT_FIELDS, build_schema, date_number, number_date, open_or_create, weighting
from .records import normalise_number

FIELD_ALIASES = {
    "ti": "title", "ab": "abstract", "cl": "claims", "desc": "description",
    "cpc": "cpc", "ipc": "ipc", "pa": "pa", "as": "pa", "in": "inventor", "pn": "pn", "ct": "ct",
}
_NAME_FIELDS = {"pa", "inventor"}
_CLASSIFICATION_FIELDS = {"cpc", "ipc"}
_NUMBER_FIELDS = {"pn", "ct"}
_OPERATORS = {"AND", "OR", "NOT"}
_SCHEMA = build_schema()


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} at position {position}")
        self.position = position


@dataclass
class _Token:
    kind: str  # WORD, PHRASE, FIELD, LPAREN, RPAREN, AND, OR, NOT, EOF
    text: str
    start: int
    end: int
    slop: int | None = None


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char in "()":
            tokens.append(_Token("LPAREN" if char == "(" else "RPAREN", char, position, position + 1))
            position += 1
        elif char == '"':
            closing = text.find('"', position + 1)
            if closing < 0:
                raise QuerySyntaxError("unterminated phrase", position)
            token = _Token("PHRASE", text[position + 1:closing], position, closing + 1)
            if text.startswith("~", closing + 1):
                distance = re.match(r"\d+", text[closing + 2:])
                if not distance:
                    raise QuerySyntaxError("expected a number after '~'", closing + 2)
                token.slop = int(distance.group())
                token.end = closing + 2 + distance.end()
            tokens.append(token)
            position = token.end
        else:
            end = position
            while end < len(text) and not text[end].isspace() and text[end] not in '()"':
                end += 1
            word = text[position:end]
            fielded = re.match(r"([A-Za-z]+):", word)
            if word in _OPERATORS:
                tokens.append(_Token(word, word, position, end))
            elif fielded:
                name = fielded.group(1).lower()
                if name not in FIELD_ALIASES:
                    raise QuerySyntaxError(f"unknown field '{fielded.group(1)}'", position)
                colon_end = position + fielded.end()
                tokens.append(_Token("FIELD", name, position, colon_end))
                if colon_end < end:
                    tokens.append(_Token("WORD", text[colon_end:end], colon_end, end))
            else:
                tokens.append(_Token("WORD", word, position, end))
            position = end
    tokens.append(_Token("EOF", "", len(text), len(text)))
    return tokens


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ([AND] unary)*; unary := NOT unary | primary."""

    def __init__(self, text: str):
        self.tokens = _tokenise(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> q.Query:
        if self.peek().kind == "EOF":
            raise QuerySyntaxError("empty query", 0)
        result = self.parse_or(None)
        token = self.peek()
        if token.kind == "RPAREN":
            raise QuerySyntaxError("unbalanced parenthesis", token.start)
        if token.kind != "EOF":
            raise QuerySyntaxError(f"unexpected '{token.text}'", token.start)
        if result is None:
            raise QuerySyntaxError("no searchable terms (only stopwords)", 0)
        return result

    def parse_or(self, field_name: str | None) -> q.Query | None:
        parts = [self.parse_and(field_name)]
        while self.peek().kind == "OR":
            self.take()
            parts.append(self.parse_and(field_name))
        return _combine(q.Or, parts)

    def parse_and(self, field_name: str | None) -> q.Query | None:
        parts = [self.parse_unary(field_name)]
        while self.peek().kind in ("AND", "NOT", "WORD", "PHRASE", "FIELD", "LPAREN"):
            if self.peek().kind == "AND":
                self.take()
            parts.append(self.parse_unary(field_name))
        return _combine(q.And, parts)

    def parse_unary(self, field_name: str | None) -> q.Query | None:
        if self.peek().kind == "NOT":
            self.take()
            operand = self.parse_unary(field_name)
            return q.Not(operand) if operand is not None else None
        return self.parse_primary(field_name)

    def parse_primary(self, field_name: str | None) -> q.Query | None:
        token = self.take()
        if token.kind == "LPAREN":
            inner = self.parse_or(field_name)
            if self.peek().kind != "RPAREN":
                raise QuerySyntaxError("unbalanced parenthesis", token.start)
            self.take()
            return inner
        if token.kind == "FIELD":
            value = self.peek()
            if value.start != token.end or value.kind not in ("WORD", "PHRASE", "LPAREN"):
                raise QuerySyntaxError(f"missing value for field '{token.text}:'", token.end)
            return self.parse_primary(FIELD_ALIASES[token.text])
        if token.kind in ("WORD", "PHRASE"):
            return _leaf(token, field_name)
        if token.kind == "RPAREN":
            raise QuerySyntaxError("unbalanced parenthesis", token.start)
        if token.kind == "EOF":
            previous = self.tokens[self.index - 2] if self.index >= 2 else None
            after = f" after '{previous.text}'" if previous is not None and previous.kind in _OPERATORS else ""
            raise QuerySyntaxError(f"expected a term{after}", token.start)
        raise QuerySyntaxError(f"expected a term before '{token.text}'", token.start)


def _combine(kind, parts: list) -> q.Query | None:
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(parts)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _wildcard_query(field_name: str, pattern: str, token: _Token) -> q.Query:
    if not pattern.strip("*?"):
        raise QuerySyntaxError("a wildcard needs at least one other character", token.start)
    if pattern.endswith("*") and not _has_wildcard(pattern[:-1]):
        return q.Prefix(field_name, pattern[:-1])
    return q.Wildcard(field_name, pattern)


def _text_wildcard_query(field_name: str, pattern: str, token: _Token) -> q.Query:
    """Text fields hold stems, so the pattern is tried as typed and stemmed: `battery*` must find 'batteri'."""
    literal = pattern.rstrip("*")
    stemmed = stem(literal) + pattern[len(literal):]
    return _combine(q.Or, [_wildcard_query(field_name, p, token) for p in dict.fromkeys((pattern, stemmed))])


def _analysed(field_name: str, text: str) -> list[str]:
    return list(_SCHEMA[field_name].process_text(text, mode="query"))


def _leaf(token: _Token, field_name: str | None) -> q.Query | None:
    if field_name is None:
        return _combine(q.Or, [_leaf(token, name) for name in TEXT_FIELDS])
    value = token.text.strip()
    if not value:
        raise QuerySyntaxError("empty phrase", token.start)
    if token.slop is not None and (field_name not in TEXT_FIELDS and field_name not in _NAME_FIELDS):
        raise QuerySyntaxError("proximity '~' only applies to text fields", token.start)

    if field_name in _CLASSIFICATION_FIELDS:
        symbol = re.sub(r"\s+", "", value).upper()
        return _wildcard_query(field_name, symbol, token) if _has_wildcard(symbol) else q.Term(field_name, symbol)
    if field_name in _NUMBER_FIELDS:
        compact = re.sub(r"[\s,]", "", value).upper()
        if _has_wildcard(compact):
            return _wildcard_query(field_name, compact, token)
        try:
            return q.Term(field_name, normalise_number(value))
        except ValueError:
            return q.Term(field_name, compact)

    if _has_wildcard(value):
        if token.kind == "PHRASE" and " " in value:
            raise QuerySyntaxError("wildcards are not supported inside phrases", token.start)
        return _text_wildcard_query(field_name, value.lower(), token)
    words = _analysed(field_name, value)
    if not words:
        return None
    if len(words) == 1:
        return q.Term(field_name, words[0])
    if token.slop is not None:
        return SpanNear2([q.Term(field_name, word) for word in words], slop=token.slop, ordered=False)
    return q.Phrase(field_name, words)


def parse_query(text: str) -> q.Query:
    """Parse the query language into a Whoosh query; raises QuerySyntaxError with the position of the problem."""
    return _Parser(text).parse()


# Search -----------------------------------------------------------------------------------


@dataclass
class Hit:
    number: str
    score: float
    title: str
    publication_date: date | None
    collection: str
    snippets: dict[str, str] = field(default_factory=dict)  # field -> HTML with <mark> around matches
    matched_claim: int | None = None  # the claim containing most of the matched claim terms
    terms: list[str] = field(default_factory=list)  # similar(): the key terms this hit matched


@dataclass
class SearchResult:
    total: int  # every hit that passes the filters, not just this page
    hits: list[Hit]


def validate_collections(collections: list[str]) -> list[str]:
    """Tenant isolation depends on an explicit, non-empty list: there is no 'all collections' value."""
    if isinstance(collections, str) or not collections or not all(
            isinstance(name, str) and name for name in collections):
        raise ValueError("collections must be a non-empty list of collection names, e.g. ['public', 'tenant:7']")
    return list(collections)


def build_filter(before: date | None, collections: list[str], cpc_prefix: str | None = None,
                 country: str | None = None, kind: str | None = None) -> q.Query:
    conditions: list[q.Query] = [q.Or([q.Term("collection", name) for name in validate_collections(collections)])]
    if before is not None:
        # Anything published on or after the cut-off is not prior art; undated documents never are.
        # (An open or zero lower bound makes Whoosh 2.7.5 match every value of this unsigned field.)
        conditions.append(q.NumericRange("publication_date", 1, date_number(before), endexcl=True))
    if cpc_prefix:
        symbol = re.sub(r"\s+", "", cpc_prefix).upper()
        conditions.append(q.Prefix("cpc", symbol) if "/" in symbol else q.Term("cpc", symbol))
    if country:
        conditions.append(q.Term("country", country.strip().upper()))
    if kind:
        conditions.append(q.Term("kind", kind.strip().upper()))
    return q.And(conditions)


def run_search(index_dir: str, whoosh_query: q.Query, result_filter: q.Query, limit: int, offset: int,
               collapse_family: bool = False) -> tuple[int, list[tuple[Hit, set[tuple[str, str]]]]]:
    """Run a parsed query; returns the total and, for the requested page, each hit with its matched (field, term)s."""
    if limit < 1 or offset < 0:
        raise ValueError("limit must be positive and offset not negative")
    index = open_or_create(index_dir)
    with index.searcher(weighting=weighting()) as searcher:
        if collapse_family:
            # Whoosh drops collapsing when filter= is used, so the filter joins the query, scoring nothing.
            results = searcher.search(q.And([whoosh_query, q.ConstantScoreQuery(result_filter, 0.0)]),
                                      limit=offset + limit, terms=True, collapse="family", collapse_limit=1)
            families = searcher.search(whoosh_query, filter=result_filter, limit=1, groupedby="family",
                                       maptype=sorting.Count)
            total = len(families.groups("family"))
        else:
            results = searcher.search(whoosh_query, filter=result_filter, limit=offset + limit, terms=True)
            # len(results) can count documents the filter removed (Whoosh re-counts without the filter
            # when block-quality skipping is on), so count the filtered matches directly.
            total = sum(1 for _ in searcher.docs_for_query(q.And([whoosh_query, result_filter])))
        results.fragmenter = ContextFragmenter(maxchars=240, surround=60)
        results.formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
        page = []
        for hit in results[offset:offset + limit]:
            matched = {(name, value.decode("utf-8") if isinstance(value, bytes) else str(value))
                       for name, value in (hit.matched_terms() or [])}
            snippets = {name: hit.highlights(name, top=2) for name in TEXT_FIELDS}
            page.append((Hit(
                number=hit["number"],
                score=hit.score,
                title=hit.get("title", ""),
                publication_date=number_date(hit.get("publication_date")),
                collection=hit["collection"],
                snippets={name: html for name, html in snippets.items() if html},
                matched_claim=_matched_claim(hit.get("claims", ""), {t for name, t in matched if name == "claims"}),
            ), matched))
    return total, page


def _matched_claim(claims: str, claim_terms: set[str]) -> int | None:
    if not claim_terms:
        return None
    best, best_count = None, 0
    for line in claims.splitlines():
        number, _, text = line.partition(". ")
        count = len(claim_terms.intersection(_analysed("claims", text)))
        if count > best_count and number.isdigit():
            best, best_count = int(number), count
    return best


def search(index_dir: str, query_string: str, before: date | None, collections: list[str],
           limit: int = 20, offset: int = 0, *, cpc_prefix: str | None = None, country: str | None = None,
           kind: str | None = None, collapse_family: bool = False) -> SearchResult:
    """Search the collections for query_string, keeping only documents published before `before`."""
    result_filter = build_filter(before, collections, cpc_prefix, country, kind)
    total, page = run_search(index_dir, parse_query(query_string), result_filter, limit, offset, collapse_family)
    return SearchResult(total, [hit for hit, _ in page])

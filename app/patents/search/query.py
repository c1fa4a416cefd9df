"""The prior-art query language: parsed here into an engine-neutral query tree, with error positions and cost limits.

Syntax:
    wireless charging               implicit AND; unfielded terms search title, abstract, claims, description
    a AND b, a OR b, NOT a          operators in capitals; precedence NOT > AND > OR; parentheses group
    "wireless charging"             phrase (a stop word inside it must be there too: "plurality of coils")
    "wireless charging"~5           proximity: the words in any order, at most 4 (= 5 - 1) other words
                                    between the first and the last of them; 2 to 4 words
    charg*  magn?ts                 truncation and wildcards, matched against the stemmed index terms
                                    (the pattern is stemmed too, so `battery*` finds "batteries");
                                    at least 3 characters before the first wildcard (4 for numbers)
    "optical fiber*"  heat-treat*   truncation inside a phrase, and in a hyphenated word: the words
                                    must follow one another (`heat-treat*` is "heat treat*"; a hyphenated
                                    word also finds its closed form, so `co-extru*` finds "coextruded")
    ti: ab: cl: desc:               title, abstract, claims, description
    cpc: ipc:                       classification; `cpc:H04L` and `cpc:H04L9/0861` match a level,
                                    `cpc:H04L9*` is a prefix; `cpc:"H04L 9/08"` may contain spaces
    pa: as:                         applicant or assignee
    in:                             inventor
    pn: ct:                         publication number, cited number (any form: US7314354, US 7,314,354 B2)
    field:(a OR b)                  a field applies to a whole group
    syn:housing                     the word or any word the patent thesaurus groups with it
                                    (casing, enclosure, box, …; app/patents/search/thesaurus.toml)

Cost limits (issue 11, item 6): a query of at most MAX_QUERY_LENGTH characters, MAX_TERMS terms and
MAX_DEPTH levels of parentheses and NOTs; the engines refuse a wildcard that expands to more than
MAX_EXPANSION index terms (MAX_TOTAL_EXPANSION for the whole query). Every refusal is a
QuerySyntaxError naming the position of the problem, raised before anything expensive runs.

The tree (Term, Phrase, Near, Wildcard, Terms, And, Or, Not) is what every SearchBackend compiles to
its own engine: the language is defined once, here.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .analysis import analysed_names, analysed_terms, stem, token_count
from .records import normalise_number

TEXT_FIELDS = ("title", "abstract", "claims", "description")
NAME_FIELDS = ("pa", "inventor")
CLASSIFICATION_FIELDS = ("cpc", "ipc")
NUMBER_FIELDS = ("pn", "ct")
FIELD_ALIASES = {
    "ti": "title", "ab": "abstract", "cl": "claims", "desc": "description",
    "cpc": "cpc", "ipc": "ipc", "pa": "pa", "as": "pa", "in": "inventor", "pn": "pn", "ct": "ct",
    "syn": "syn",
}
_OPERATORS = {"AND", "OR", "NOT"}

MAX_QUERY_LENGTH = 2000
MAX_TERMS = 200
MAX_DEPTH = 20
MAX_NEAR_WORDS = 4
MAX_EXPANSION = 1000
MAX_TOTAL_EXPANSION = 2000
MIN_WILDCARD_PREFIX = 3
MIN_NUMBER_WILDCARD_PREFIX = 4
MAX_PHRASE_VARIANTS = 100  # the phrases a truncated phrase may stand for


class QuerySyntaxError(ValueError):
    """A query that cannot be run as written; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


# The query tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0  # similarity weighs its key terms


@dataclass(frozen=True)
class Phrase:
    """Terms at fixed offsets from the first one (a stop word leaves a gap)."""

    field: str
    terms: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Near:
    """Every term, in any order, with the last at most `distance + len(terms) - 2` positions after the first."""

    field: str
    terms: tuple[str, ...]
    distance: int

    @property
    def window(self) -> int:
        return self.distance + len(self.terms) - 2


@dataclass(frozen=True)
class Wildcard:
    """Index terms matching any of the patterns (`*` any run, `?` one character); resolved per engine into Terms."""

    field: str
    patterns: tuple[str, ...]
    position: int = field(compare=False)
    typed: str = field(compare=False)


@dataclass(frozen=True)
class WildPhrase:
    """A phrase with truncated words (`"optical fiber*"`, `heat-treat*`): each slot, at its offset, is an index
    term or the patterns of a wildcard. Resolved per engine into the phrases it stands for."""

    field: str
    slots: tuple[tuple[int, str | tuple[str, ...]], ...]
    position: int = field(compare=False)
    typed: str = field(compare=False)


@dataclass(frozen=True)
class Terms:
    """Any of these terms, every match scoring 1: a wildcard after expansion."""

    field: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


Node = Term | Phrase | Near | Wildcard | WildPhrase | Terms | And | Or | Not


def leaves(node) -> list:
    """Every leaf of the tree (terms, phrases, wildcards), in query order."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in leaves(child)]
    if isinstance(node, Not):
        return leaves(node.child)
    return [node]


def positive_leaves(node, negated: bool = False) -> list:
    """The leaves that must or may match (not under a NOT): what the highlighter marks."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in positive_leaves(child, negated)]
    if isinstance(node, Not):
        return positive_leaves(node.child, not negated)
    return [] if negated else [node]


def resolve_wildcards(node, expand) -> object:
    """The tree with every Wildcard replaced by the Terms `expand(field, pattern, limit)` finds, and every
    WildPhrase by the phrases it stands for, within the limits.

    `expand` returns up to `limit` matching index terms (more than MAX_EXPANSION means too many);
    the engine supplies it, from the term dictionaries of exactly the collections being searched.
    """
    budget = [MAX_TOTAL_EXPANSION]

    def expanded(field_name: str, patterns: tuple[str, ...], typed: str, position: int) -> list[str]:
        found: dict[str, None] = {}
        for pattern in patterns:
            for term in expand(field_name, pattern, MAX_EXPANSION + 1):
                found[term] = None
            if len(found) > MAX_EXPANSION:
                raise QuerySyntaxError(f"'{typed}' matches more than {MAX_EXPANSION:,} index terms; "
                                       "make it longer", position)
        budget[0] -= len(found)
        if budget[0] < 0:
            raise QuerySyntaxError(f"the wildcards up to '{typed}' match more than "
                                   f"{MAX_TOTAL_EXPANSION:,} index terms together; use fewer or longer ones",
                                   position)
        return sorted(found)

    def phrases(current: WildPhrase):
        choices = [[slot] if isinstance(slot, str) else expanded(current.field, slot, current.typed, current.position)
                   for _, slot in current.slots]
        variants = 1
        for choice in choices:
            variants *= len(choice)
        if variants == 0:
            return Terms(current.field, ())
        if variants > MAX_PHRASE_VARIANTS:
            raise QuerySyntaxError(f"'{current.typed}' stands for more than {MAX_PHRASE_VARIANTS} phrases; "
                                   "make the truncated word longer", current.position)
        first = current.slots[0][0]
        offsets = [offset - first for offset, _ in current.slots]
        found = [Phrase(current.field, tuple(zip(offsets, combination, strict=True)))
                 for combination in itertools.product(*choices)]
        return found[0] if len(found) == 1 else Or(tuple(found))

    def visit(current):
        if isinstance(current, And):
            return And(tuple(visit(child) for child in current.children))
        if isinstance(current, Or):
            return Or(tuple(visit(child) for child in current.children))
        if isinstance(current, Not):
            return Not(visit(current.child))
        if isinstance(current, WildPhrase):
            return phrases(current)
        if not isinstance(current, Wildcard):
            return current
        return Terms(current.field, tuple(expanded(current.field, current.patterns, current.typed,
                                                   current.position)))

    return visit(node)


def wildcard_regex(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z",
                      re.DOTALL)


def literal_prefix(pattern: str) -> str:
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


# Tokens ---------------------------------------------------------------------------------------


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
                distance = re.match(r"\d{1,4}", text[closing + 2:])
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


# Parser ---------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ([AND] unary)*; unary := NOT unary | primary.

    Depth (parentheses, NOT, field groups) is counted on the way down, so a deeply nested query is
    refused at its first offending token instead of exhausting the stack.
    """

    def __init__(self, text: str):
        self.tokens = _tokenise(text)
        self.index = 0
        self.depth = 0
        terms = sum(1 for token in self.tokens if token.kind in ("WORD", "PHRASE"))
        if terms > MAX_TERMS:
            extra = [token for token in self.tokens if token.kind in ("WORD", "PHRASE")][MAX_TERMS]
            raise QuerySyntaxError(f"a query may have at most {MAX_TERMS} terms", extra.start)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def descend(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(f"parentheses and NOTs may nest at most {MAX_DEPTH} levels deep", token.start)

    def parse(self):
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

    def parse_or(self, field_name: str | None):
        parts = [self.parse_and(field_name)]
        while self.peek().kind == "OR":
            self.take()
            parts.append(self.parse_and(field_name))
        return _combine(Or, parts)

    def parse_and(self, field_name: str | None):
        parts = [self.parse_unary(field_name)]
        while self.peek().kind in ("AND", "NOT", "WORD", "PHRASE", "FIELD", "LPAREN"):
            if self.peek().kind == "AND":
                self.take()
            parts.append(self.parse_unary(field_name))
        return _combine(And, parts)

    def parse_unary(self, field_name: str | None):
        if self.peek().kind == "NOT":
            self.descend(self.take())
            operand = self.parse_unary(field_name)
            self.depth -= 1
            return Not(operand) if operand is not None else None
        return self.parse_primary(field_name)

    def parse_primary(self, field_name: str | None):
        token = self.take()
        if token.kind == "LPAREN":
            self.descend(token)
            inner = self.parse_or(field_name)
            if self.peek().kind != "RPAREN":
                raise QuerySyntaxError("unbalanced parenthesis", token.start)
            self.take()
            self.depth -= 1
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


def _combine(kind, parts: list):
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _wildcard(field_name: str, patterns: list[str], token: _Token, minimum: int) -> Wildcard:
    typed = token.text.strip()
    if len(literal_prefix(patterns[0])) < minimum:
        raise QuerySyntaxError(f"'{typed}' is too broad: a wildcard needs at least {minimum} characters "
                               "before the first '*' or '?'", token.start)
    return Wildcard(field_name, tuple(dict.fromkeys(patterns)), token.start, typed)


# What separates the words of a phrase or of a hyphenated word ("heat-treat*", "A/C"); `*`, `?` and `.` stay.
_WORD_SEPARATOR = re.compile(r"[^\w*?.]+")


def _text_patterns(pattern: str) -> list[str]:
    """A truncated word of a text field as typed and stemmed: text fields hold stems (`battery*` → 'batteri*')."""
    literal = pattern.rstrip("*")
    return list(dict.fromkeys([pattern, stem(literal) + pattern[len(literal):]]))


def _truncated_phrase(field_name: str, value: str, token: _Token):
    """`"optical fiber*"` or `heat-treat*`: the words in a row, the truncated ones standing for what they match.

    A hyphenated word typed without quotes also finds its closed form (`co-extru*` finds "coextruded" too)."""
    slots: list[tuple[int, str | tuple[str, ...]]] = []
    position = 0
    for piece in _WORD_SEPARATOR.split(value.lower()):
        if not piece:
            continue
        if _has_wildcard(piece):
            if len(literal_prefix(piece)) < MIN_WILDCARD_PREFIX:
                raise QuerySyntaxError(f"'{piece}' in '{value.strip()}' is too broad: a wildcard needs at least "
                                       f"{MIN_WILDCARD_PREFIX} characters before the first '*' or '?'", token.start)
            slots.append((position, tuple(_text_patterns(piece))))
            position += 1
        else:
            slots += [(position + offset, term) for offset, term in analysed_terms(piece)]
            position += token_count(piece)
    if not any(isinstance(slot, tuple) for _, slot in slots):
        return None
    phrase = WildPhrase(field_name, tuple(slots), token.start, value.strip()) if len(slots) > 1 else \
        Wildcard(field_name, slots[0][1], token.start, value.strip())
    closed = _WORD_SEPARATOR.sub("", value.lower())
    if token.kind == "PHRASE" or " " in value.strip() or len(literal_prefix(closed)) < MIN_WILDCARD_PREFIX:
        return phrase
    return Or((phrase, Wildcard(field_name, tuple(_text_patterns(closed)), token.start, value.strip())))


def _synonyms(token: _Token, field_names) -> object:
    """`syn:housing`: the word or any word grouped with it, in the text fields (or the field given around it)."""
    from .thesaurus import synonym_stems
    terms = analysed_terms(token.text)
    if token.kind != "WORD" or len(terms) != 1 or _has_wildcard(token.text):
        raise QuerySyntaxError("syn: takes one word, e.g. syn:housing", token.start)
    term = terms[0][1]
    return _combine(Or, [Term(name, variant) for name in field_names for variant in (term, *synonym_stems(term))])


def _leaf(token: _Token, field_name: str | None):
    if field_name == "syn":
        return _synonyms(token, TEXT_FIELDS)
    if field_name is None:
        return _combine(Or, [_leaf(token, name) for name in TEXT_FIELDS])
    value = token.text.strip()
    if not value:
        raise QuerySyntaxError("empty phrase", token.start)
    if token.slop is not None and field_name not in TEXT_FIELDS and field_name not in NAME_FIELDS:
        raise QuerySyntaxError("proximity '~' only applies to text fields", token.start)

    if field_name in CLASSIFICATION_FIELDS:
        symbol = re.sub(r"\s+", "", value).upper()
        if _has_wildcard(symbol):
            return _wildcard(field_name, [symbol], token, MIN_WILDCARD_PREFIX)
        return Term(field_name, symbol)
    if field_name in NUMBER_FIELDS:
        compact = re.sub(r"[\s,]", "", value).upper()
        if _has_wildcard(compact):
            return _wildcard(field_name, [compact], token, MIN_NUMBER_WILDCARD_PREFIX)
        try:
            return Term(field_name, normalise_number(value))
        except ValueError:
            return Term(field_name, compact)

    if _has_wildcard(value):
        if field_name in NAME_FIELDS:
            if token.kind == "PHRASE" and " " in value:
                raise QuerySyntaxError("wildcards are not supported inside a phrase of names", token.start)
            return _wildcard(field_name, [value.lower()], token, MIN_WILDCARD_PREFIX)
        if _WORD_SEPARATOR.search(value.strip()):
            return _truncated_phrase(field_name, value, token)
        return _wildcard(field_name, _text_patterns(value.lower()), token, MIN_WILDCARD_PREFIX)

    if field_name in NAME_FIELDS:
        positioned = list(enumerate(analysed_names(value)))
    else:
        positioned = analysed_terms(value)
    if not positioned:
        return None
    if len(positioned) == 1:
        return Term(field_name, positioned[0][1])
    if token.slop is not None:
        unique = tuple(dict.fromkeys(term for _, term in positioned))
        if len(unique) == 1:
            return Term(field_name, unique[0])
        if len(unique) > MAX_NEAR_WORDS:
            raise QuerySyntaxError(f"proximity '~' takes 2 to {MAX_NEAR_WORDS} words", token.start)
        if token.slop < 1:
            raise QuerySyntaxError("proximity '~' needs a distance of at least 1", token.start)
        return Near(field_name, unique, token.slop)
    first = positioned[0][0]
    return Phrase(field_name, tuple((position - first, term) for position, term in positioned))


def parse_query(text: str):
    """Parse the query language into a query tree; raises QuerySyntaxError with the position of the problem."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"a query may be at most {MAX_QUERY_LENGTH:,} characters long", MAX_QUERY_LENGTH)
    return _Parser(text).parse()

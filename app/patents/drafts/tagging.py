"""Part-of-speech tags for claim text: TextBlob's packaged Brill tagger, corrected for claim language.

The tagger is Eric Brill's transformation-based tagger as shipped inside the ``textblob`` package
(MIT; lexicon from Brill's tagger v1.14, trained on the Brown corpus and the Penn Treebank, MIT licence):
a lexicon of 94,000 words with their most frequent tag and 290 contextual rules. Everything is in the
wheel, nothing is downloaded. We use its lexicon lookup with TextBlob's default suffix rules for unknown
words; the contextual rules are applied by :func:`_apply_context`, which gives the same tags as
TextBlob's own loop (tests/patents/drafts/test_tagging.py compares them) but looks only at the rules
for a token's tag, which makes it about ten times faster.

Claim language is its own register, so :func:`tag_tokens` then corrects the tags the general
tagger gets wrong in claims (``said`` is a determiner, ``means`` a noun, ``wherein`` a clause
opener ...), from the ``[register]`` lists in ``data/antecedent_terms.toml``.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from .terms import is_plural, word_lists

# Words (letters, digits, inner hyphens and slashes), a possessive "'s", or one punctuation mark.
_TOKEN = re.compile(r"[^\W_][\w\-/]*|['\u2019]s\b|[^\w\s]")
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})


@dataclass
class Token:
    text: str
    lower: str
    tag: str
    start: int
    end: int
    lexical: str = ""           # the tag before the contextual rules
    known: bool = True          # whether the lexicon has the word
    maybe_verb: bool = False    # a plural noun that may be the verb ("the unit displays", "the device sets")


@lru_cache(maxsize=1)
def _tagger():
    """TextBlob's English lexicon (loaded once per process) and its contextual rules indexed by tag."""
    from textblob._text import find_tags
    from textblob.en import lexicon

    # (FROM, TO, predicate, x, y) in file order; tried last to first, the first match wins (see below)
    compiled = [(r[0], r[1], _COMMANDS.get(r[2].lower(), _never), r[3], r[4] if len(r) > 4 else "")
                for r in lexicon.context]
    tags = {rule[0] for rule in compiled} | set(lexicon.values()) | {"NN", "NNS", "NNP", "CD", "JJ"}
    rules_by_tag = {tag: [r for r in compiled if r[0] in (tag, "*")][::-1] for tag in tags}
    star = [r for r in compiled if r[0] == "*"][::-1]
    return find_tags, dict(lexicon.items()), rules_by_tag, star     # a plain dict: TextBlob's lazy one is slow


# Brill's contextual-rule commands as predicates over the padded token list t at position i
# (t[i][0] is the word, t[i][1] the tag); x and y are the rule's arguments.
_COMMANDS = {
    "prevtag": lambda t, i, x, y: x == t[i - 1][1],
    "nexttag": lambda t, i, x, y: x == t[i + 1][1],
    "prev2tag": lambda t, i, x, y: x == t[i - 2][1],
    "next2tag": lambda t, i, x, y: x == t[i + 2][1],
    "prev1or2tag": lambda t, i, x, y: x in (t[i - 1][1], t[i - 2][1]),
    "next1or2tag": lambda t, i, x, y: x in (t[i + 1][1], t[i + 2][1]),
    "prev1or2or3tag": lambda t, i, x, y: x in (t[i - 1][1], t[i - 2][1], t[i - 3][1]),
    "next1or2or3tag": lambda t, i, x, y: x in (t[i + 1][1], t[i + 2][1], t[i + 3][1]),
    "surroundtag": lambda t, i, x, y: x == t[i - 1][1] and y == t[i + 1][1],
    "curwd": lambda t, i, x, y: x == t[i][0],
    "prevwd": lambda t, i, x, y: x == t[i - 1][0],
    "nextwd": lambda t, i, x, y: x == t[i + 1][0],
    "prev1or2wd": lambda t, i, x, y: x in (t[i - 1][0], t[i - 2][0]),
    "next1or2wd": lambda t, i, x, y: x in (t[i + 1][0], t[i + 2][0]),
    "prevwdtag": lambda t, i, x, y: x == t[i - 1][0] and y == t[i - 1][1],
    "nextwdtag": lambda t, i, x, y: x == t[i + 1][0] and y == t[i + 1][1],
    "wdprevtag": lambda t, i, x, y: x == t[i - 1][1] and y == t[i][0],
    "wdnexttag": lambda t, i, x, y: x == t[i][0] and y == t[i + 1][1],
    "wdand2aft": lambda t, i, x, y: x == t[i][0] and y == t[i + 2][0],
    "wdand2tagbfr": lambda t, i, x, y: x == t[i - 2][1] and y == t[i][0],
    "wdand2tagaft": lambda t, i, x, y: x == t[i][0] and y == t[i + 2][1],
    "lbigram": lambda t, i, x, y: x == t[i - 1][0] and y == t[i][0],
    "rbigram": lambda t, i, x, y: x == t[i][0] and y == t[i + 1][0],
    "prevbigram": lambda t, i, x, y: x == t[i - 2][1] and y == t[i - 1][1],
    "nextbigram": lambda t, i, x, y: x == t[i + 1][1] and y == t[i + 2][1],
}


def _never(t, i, x, y) -> bool:
    """An unknown command never matches, as in TextBlob."""
    return False


def _apply_context(tagged: list[list[str]]) -> list[list[str]]:
    """Brill's contextual rules, left to right, as TextBlob applies them.

    For each token every rule whose FROM tag is the token's tag (as it came from the lexicon) or ``*``
    is tried in file order, and each one that matches sets the tag; so the last matching rule wins.
    """
    _, _, rules_by_tag, star = _tagger()
    pad = [["STAART", "STAART"]] * 3
    t = pad + tagged + pad
    for i in range(3, len(t) - 3):
        for _, to_tag, matches, x, y in rules_by_tag.get(t[i][1], star):
            if matches(t, i, x, y):
                t[i] = [t[i][0], to_tag]
                break
    return t[3:-3]


def tokenize(text: str, hidden: list[tuple[int, int]] = ()) -> list[tuple[str, int, int]]:
    """(token, start, end) for the text, leaving out the tokens inside the `hidden` spans (sorted)."""
    starts = [s for s, _ in hidden]
    out = []
    for m in _TOKEN.finditer(text):
        k = bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < hidden[k][1]:
            continue
        out.append((m.group(0), m.start(), m.end()))
    return out


def tag_tokens(tokens: list[tuple[str, int, int]]) -> list[Token]:
    """Tag (token, start, end) triples; claim-register corrections applied."""
    find_tags, lexicon, _, _ = _tagger()
    words = [w for w, _, _ in tokens]
    # Unknown words get TextBlob's default suffix rules (-ing, -ly, -s, -ed ...), not Brill's 150 lexical rules:
    # those cost half the time on technical claims and the corrections below decide unknown words anyway.
    lexical = find_tags(words, lexicon=lexicon, morphology=None, context=None,
                        default=("NN", "NNP", "CD"), language="en")
    known = []
    for pair in lexical:
        known.append(pair[0] in lexicon or pair[0].lower() in lexicon)
        if not known[-1]:
            pair[1] = _inflected_tag(pair[0].lower(), lexicon) or pair[1]
    before_context = [tag for _, tag in lexical]
    tagged = _apply_context([list(pair) for pair in lexical])
    out = [Token(w, w.lower().replace("\u2019", "'"), tag, s, e, lex, ok)
           for (w, s, e), (_, tag), lex, ok in zip(tokens, tagged, before_context, known)]
    _correct_for_claims(out)
    for k, tok in enumerate(out):
        if k and out[k - 1].tag in NOUN_TAGS:
            if tok.tag == "NNS" and tok.lower.endswith("s") and not tok.maybe_verb:
                after = out[k + 1] if k + 1 < len(out) else None
                tok.maybe_verb = (tok.lexical == "VBZ" or _inflected_tag(tok.lower, lexicon, stem_only=True) == "VBZ"
                                  or (after is not None and after.tag in _CLAUSE_GOES_ON and after.lower != "of"))
            elif tok.lexical in ("VB", "VBP") and tok.tag in NOUN_TAGS and k + 1 < len(out) \
                    and out[k + 1].tag in ("DT", "JJ", "PRP$", "CD"):
                tok.tag = "VBP"     # "the outer sections of the wing create aerodynamic forces"
    return out


# What may follow a verb that ends a subject: "the module estimates that", "the gradient moves across".
_CLAUSE_GOES_ON = frozenset({"IN", "DT", "TO", "RB", "WDT", "PRP", "PRP$", "WRB", "CD"})


def _inflected_tag(word: str, lexicon, stem_only: bool = False) -> str | None:
    """The tag of an unknown inflected word from its stem's: "communicates" is a verb, "footplates" a noun."""
    for suffix, stems, as_verb, as_noun in _INFLECTIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            for stem in (word[:-len(suffix)] + extra for extra in stems):
                tag = lexicon.get(stem)
                if tag in ("VB", "VBP"):
                    return as_verb
                if tag == "NN" and as_noun:
                    return as_noun
    if stem_only:
        return None
    if word.endswith("ing"):
        return "VBG"        # "overlying": an unknown -ing word is a participle (the nouns are in the lexicon)
    if word.endswith("ed"):
        return "VBN"
    return None


# suffix, what the stem may end in, the tag if the stem is a verb, the tag if it is a noun
_INFLECTIONS = (
    ("ies", ("y",), "VBZ", "NNS"),
    ("es", ("", "e"), "VBZ", "NNS"),
    ("s", ("",), "VBZ", "NNS"),
    ("ied", ("y",), "VBN", None),
    ("ed", ("", "e"), "VBN", None),
    ("ing", ("", "e"), "VBG", None),
)


def _correct_for_claims(tokens: list[Token]) -> None:
    lists = word_lists()
    register, stop = lists["register"], lists["stop"]
    fixed, nouns = register["tags"], register["nouns"]
    for tok in tokens:
        if tok.lower in fixed:
            tok.tag = fixed[tok.lower]
    for k, tok in enumerate(tokens):
        prev = tokens[k - 1].tag if k else ""
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if tok.lower in fixed:
            continue
        elif tok.tag in ("NN", "JJ") and tok.lower.endswith("ing") and prev in NOUN_TAGS and nxt and (
                nxt.tag in ("DT", "PRP$") or (nxt.tag == "IN" and nxt.lower != "of")):
            tok.tag = "VBG"                 # "the fitting holding the sections", "a ball fitting between"
        elif tok.lower == "means" or (tok.lower in nouns and (prev in _NOUN_CONTEXT or (
                prev in NOUN_TAGS and (tok.tag in ("JJ", "JJR") or not nxt or not nxt.lower[:1].isalnum())))):
            # "the first and second bin supports," after a noun and before punctuation: a noun
            tok.tag = "NNS" if is_plural(tok.lower) else "NN"  # "a display", "said drive", "fastening means"
        elif tok.lower == "'s":
            tok.tag = "POS"
        elif len(tok.text) > 1 and tok.text.isupper() and tok.text.isalpha():
            tok.tag = "NNP"                 # an abbreviation ("the source AN", "said PCD"), never an article
        elif not tok.known and tok.tag in ("VBN", "VBD") and not tok.lower.endswith("ed"):
            tok.tag = "NN"                  # an unknown "-en" word is a noun ("allergen"); participles are known
        elif tok.tag == "VBP" and tok.lexical == "NN" and prev in NOUN_TAGS and not (
                nxt and nxt.tag in ("DT", "PRP$", "JJ", "CD")):
            tok.tag = "NN"                  # "the delayed data signal in": no object, so no verb
        elif not tok.known and tok.lower.isalpha() and tok.tag in ("NN", "JJ", "JJS", "JJR", "NNP"):
            # An unknown word is a noun ("footplate") unless it looks like an adjective ("indicative").
            tok.tag = "JJ" if tok.lower.endswith(_ADJECTIVE_ENDINGS) else "NN"
        elif tok.lexical in ("VB", "VBP") and prev == "IN" and tokens[k - 1].lower != "to":
            tok.tag = "NN"                  # no verb follows a preposition: "a layer of solder"
        elif tok.tag == "RB" and tok.lexical == "JJ" and not tok.lower.endswith("ly"):
            tok.tag = "JJ"                  # "the loose curved filaments"
        elif tok.tag == "VBG" and not tok.lower.endswith("ing"):
            tok.tag = tok.lexical           # a contextual rule made "a first case a second" a participle
        elif tok.tag == "NN" and prev in NOUN_TAGS and nxt and nxt.lower == "by" and tok.lexical in ("VB", "VBD"):
            tok.tag = "VBN"                 # "the original read by the scanner": a participle
        elif tok.tag == "NNS" and tok.lexical == "VBZ" and _ends_definite_phrase(tokens, k):
            tok.tag = "VBZ"     # "wherein the mobile device communicates."
        elif tok.tag == "VBZ" and prev in ("IN", "DT", "JJ", "CD", "PRP$") and tokens[k - 1].lower != "that":
            tok.tag = "NNS"     # no verb follows "of", "the" or an adjective: "a plurality of handles"
        elif tok.tag == "VBZ" and tok.lexical == "NNS" and prev not in ("PRP", "WDT", "EX"):
            # "the support rods each have", "a plurality of clusters each": a contextual rule made the noun a
            # verb; after a noun keep both readings
            tok.tag, tok.maybe_verb = "NNS", prev in NOUN_TAGS
    for k, tok in enumerate(tokens[1:-1], start=1):
        after_determiner = tokens[k - 1].tag in ("DT", "PRP$")
        if tok.lower in fixed:
            continue
        if (after_determiner or (tokens[k - 1].tag in ("JJ", "VBN") and k > 1
                                 and tokens[k - 2].tag in ("DT", "PRP$", "JJ"))) and tok.lexical in ("VB", "VBP"):
            tok.tag = "NN"      # no verb follows "a" or "the" (and an adjective): "a shackle", "the circular track"
        elif (tok.tag == "JJ" and (after_determiner or tokens[k - 1].tag in ("JJ", "CD"))
              and (tokens[k + 1].tag not in _NOUN_PHRASE_GOES_ON or tokens[k + 1].lower in stop
                   or (tokens[k + 1].tag in ("VBG", "VBN") and k + 2 < len(tokens)
                       and tokens[k + 2].tag in ("DT", "IN", "PRP$")))):
            tok.tag = "NN"      # the head of "an acceptable excipient;" is a noun whatever the lexicon says
        elif (tok.tag == "JJ" and tokens[k - 1].tag in NOUN_TAGS
              and tokens[k + 1].lower in register["postpositive"]):
            tok.tag = "NN"      # "the performance metric operable to": "metric" is the head


_NOUN_PHRASE_GOES_ON = NOUN_TAGS | {"JJ", "JJR", "JJS", "VBG", "VBN", "CD", "CC", "POS", "HYPH"}
# After these a verb-or-noun word is a noun ("the display"); after a noun it is the verb ("the valve controls").
_NOUN_CONTEXT = frozenset({"DT", "JJ", "JJR", "JJS", "PRP$", "CD", "VBG", "VBN", "POS"})
_ADJECTIVE_ENDINGS = ("ive", "ous", "able", "ible", "ful", "less", "ic", "al", "ary", "oid", "ish", "like")


def _ends_definite_phrase(tokens: list[Token], k: int) -> bool:
    """Whether tokens[k] follows "the/said <modifiers> <noun>": then it is the verb of that subject."""
    j = k - 1
    if j < 0 or tokens[j].tag not in NOUN_TAGS:
        return False
    while j >= 0 and (tokens[j].tag in NOUN_TAGS or tokens[j].tag in ("JJ", "VBN", "VBG", "CD")):
        j -= 1
    return j >= 0 and tokens[j].lower in ("the", "said")

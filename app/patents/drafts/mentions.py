"""Find the terms a claim introduces and the terms it refers back to.

The claim is tagged with parts of speech (:mod:`.tagging`); a noun phrase is a run of modifiers
(adjectives, participles, nouns, an ``-ly`` adverb before an adjective) ending in a noun, at most
six words. Verbs end it: in "the motor operates" the phrase is "motor". A participle after a noun
("a controller receiving data", "an image forming apparatus") may end it or continue it, so both
readings are kept and the check accepts either.

What comes before the phrase decides what it is (one method of :class:`_Scanner` per case):

* a *reference*: ``the``/``said`` X, also ``the at least one X``, ``the one or more X``,
  ``the plurality of X``, ``the first and second X``;
* an *introduction*: ``a``/``an``/``another`` X, ``at least one``/``one or more`` X (either number),
  ``a plurality of``/``two or more``/``multiple``/``several`` X (plural), ``a set/pair/... of X``
  (the container and the Xs), ``[a] first and second X``, ``each``/``every`` X, a possessive
  (``its X``, ``the device's X``), and a bare phrase with no determiner ("storing instructions").

Claim references ("claim 1", "any one of the preceding claims") and reference signs ("(12)",
"(16A-H)") are taken out before tagging, so they are never terms. A reference directly followed by
"of claim N" ("The method of claim 1") is the preamble of a dependent claim and is not checked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from ..claims import find_claim_references
from .tagging import NOUN_TAGS, Token, tag_tokens, tokenize
from .terms import is_plural, singular_phrase, singularize, word_lists

MAX_PHRASE_WORDS = 6
_MODIFIER_TAGS = frozenset({"JJ", "JJR", "JJS", "VBN", "VBG", "CD", "FW"})
_LABEL = re.compile(r"[A-Z][a-z]?\d*'*|[A-Za-z]{0,3}\d+[A-Za-z]?'*|[\u0370-\u03ff]")
_ABBREVIATION = re.compile(r"\(\s*[\"\u201c\u2018']?([A-Z][A-Z0-9\-]{1,9})s?[\"\u201d\u2019']?\s*\)")
_REFERENCE_SIGN = re.compile(r"\(\s*(?=[^()]*\d)[\w'\u2032\u2019.]{1,8}"
                             r"(?:\s*[,;\-\u2013/]\s*[\w'\u2032\u2019.]{1,8})*\s*\)"
                             r"|\(\s*[\"\u201c\u2018']?[A-Z][A-Z0-9\-]{1,9}s?[\"\u201d\u2019']?\s*\)")
_PREAMBLE_LINK = {"of", "in", "according", "to", "as", "claimed", "recited", "defined", "set", "forth",
                  "described", "specified", "with", "accordance", "by", "any", "one", "either", "the", ","}
_REF = "REF"    # the tag of the stand-in token for a claim reference
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
_FORMULA_LABEL = re.compile(r"[A-Z]\d{1,2}[a-z]?'?")
# "the pain associated with osteoarthritis", "the torque occurring at the wheel": defined by where it comes from
_ORIGIN_PARTICIPLES = frozenset({"associated", "occurring", "arising", "resulting", "caused", "attributable"})
_GENERIC_HEADS = ("reactant", "reagent", "compound", "material", "substance", "agent", "component", "product")
_PLURAL_QUANTIFIERS = ("multiple", "several", "plural", "various", "numerous")
_NOT_BEFORE_A_PHRASE = frozenset({"JJ", "JJR", "VB", "VBZ", "VBP", "VBD", "RB", "MD"})
_AFTER_A_VERB = frozenset({"IN", "DT", "RB", "TO", "NNS", "JJ", "PRP$", "CD"})
# A clause that starts with one of these has a finite verb; clauses end at these.
_VERB_DEMANDING_OPENERS = frozenset({"wherein", "whereby", "when", "whenever", "that", "if", "until", "while",
                                     "whilst", "where", "which", "whereas", "because", "once", "unless"})
_CLAUSE_BOUNDARIES = frozenset({";", ".", ":", ",", *_VERB_DEMANDING_OPENERS})
_CLAUSE_REACH = 40     # tokens looked at either side of a phrase for its clause (bounds the work on odd input)
# What may stand between a clause opener and the end of its subject: "wherein the ring land (8) of the ring".
_SUBJECT_TAGS = frozenset({"DT", "JJ", "JJR", "VBN", "CD", "IN", "NN", "NNS", "NNP", "NNPS", "POS", "CC", "PRP$"})
_FINITE_VERBS = frozenset({"is", "are", "was", "were", "has", "have", "had", "can", "may", "will", "shall", "must",
                           "does", "do", "did", "could", "would", "should", "comprises", "includes", "contains"})
# Before the subject of a clause: "wherein the lens group move along ...", "..., the gas forms bubbles"
_CLAUSE_OPENERS = frozenset({"wherein", "whereby", "when", "whenever", "while", "whilst", "that", "and", "or", ",",
                             ";", ":", "as", "if", "until", "because", "since", "so", "where", "which", "then",
                             "once", "after", "before"})
_OBJECT_START = frozenset({"DT", "JJ", "NN", "NNS", "CD", "PRP$"})
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "both", "2", "3", "4")
_QUANTITY_STARTS = frozenset({"at", "one", "plurality", *_PLURAL_QUANTIFIERS, *_NUMBER_WORDS})


@dataclass
class Phrase:
    words: tuple[str, ...]      # normalised: lower case, head singularised
    number: str                 # singular | plural | either
    offset: int                 # char offset of the determiner (or first word) in the claim text
    text: str                   # the phrase as written (without determiner)
    determiner: str = ""
    readings: tuple[tuple[str, ...], ...] = ()  # other normalised readings that may be meant
    followed_by_of: bool = False                # "the surface of ...", "the gap between": part or property
    defined_by: str = ""                        # "as the light source", "obtained in step (c)": defined in place
    step: bool = False                          # introduced by a step's verb ("etching"), not named as a thing

    @cached_property
    def joined(self) -> str:
        """The phrase without spaces and hyphens: "foot plate", "foot-plate" and "footplate" are one."""
        return "".join(self.words).replace("-", "")


@dataclass
class _Chunk:
    idx: list[int]                  # token indexes of the preferred reading
    others: list[list[int]]         # other readings
    resume: int                     # where scanning goes on


@dataclass
class ClaimMentions:
    introductions: list[Phrase] = field(default_factory=list)
    references: list[Phrase] = field(default_factory=list)
    actions: list[tuple[str, int]] = field(default_factory=list)    # verbs (lower case) and their offsets


def normalise(words: list[str]) -> tuple[str, ...]:
    """Lower case, hyphenated words split ("man-machine interface" ends in "machine interface"), the head
    singular."""
    parts = [part for word in words for part in word.lower().split("-") if part]
    return tuple(parts[:-1]) + (singularize(parts[-1]),)


def _hidden_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(claim-reference spans, reference-sign spans) of the text."""
    claim_refs = [(r.start, r.end) for r in find_claim_references(text)]
    signs = [(m.start(), m.end()) for m in _REFERENCE_SIGN.finditer(text)]
    return claim_refs, signs


def _tokens(text: str) -> list[Token]:
    claim_refs, signs = _hidden_spans(text)
    triples = tokenize(text, sorted(claim_refs + signs))
    tokens = tag_tokens(triples)
    # One stand-in token per claim reference keeps "The method of claim 1" apart from what follows.
    for start, end in claim_refs:
        tokens.append(Token(text[start:end], "claim", _REF, start, end))
    tokens.sort(key=lambda t: t.start)
    return tokens


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.low = [t.lower for t in self.toks]
        self.n = len(self.toks)
        self.lists = word_lists()
        self.found = ClaimMentions()

    # -- helpers ---------------------------------------------------------------------------------

    def seq(self, k: int, words: tuple[str, ...]) -> bool:
        return k + len(words) <= self.n and all(self.low[k + i] == w for i, w in enumerate(words))

    def tag(self, k: int) -> str:
        return self.toks[k].tag if 0 <= k < self.n else ""

    def is_word(self, k: int) -> bool:
        return 0 <= k < self.n and self.low[k][:1].isalnum() and self.tag(k) != _REF

    def skip_leading(self, j: int) -> int:
        while j < self.n and self.low[j] in self.lists["leading"]:
            j += 1
        return j

    def noun_phrase(self, j: int, subject: bool = False, clause_start: bool = False) -> _Chunk | None:
        """The noun phrase starting at j, with its other possible readings, or None.

        A `subject` ("wherein the unit displays ...") may end in its verb, when the verb looks like a plural noun;
        at a `clause_start` also when the lexicon knows the last word as a verb ("wherein the lens group move").
        """
        stop = self.lists["stop"]
        idx: list[int] = []
        last_noun = 0
        breaks: list[int] = []
        k = j
        while k < self.n and len(idx) < MAX_PHRASE_WORDS:
            w, tag = self.low[k], self.tag(k)
            capitals = len(w) > 1 and self.toks[k].text.isupper()     # "the source AN" is no article
            if (not self.is_word(k) or (w in stop and not capitals) or w.startswith(("there", "where"))
                    or (last_noun and _LABEL.fullmatch(self.toks[k].text))):
                break       # a label ("pump P3", "tension T", "depth Rv") is not part of the term
            if tag in NOUN_TAGS:
                idx.append(k)
                last_noun = len(idx)
            elif tag in _MODIFIER_TAGS or (tag == "RB" and w.endswith("ly") and not last_noun
                                            and self.tag(k + 1) in ("JJ", "VBN", "VBG")):
                if last_noun:
                    # After a noun only a participle or adjective that is followed by a noun may go on
                    # ("image forming apparatus", "reference resonant frequency"); the phrase may also end
                    # here ("controller receiving data").
                    if tag not in ("VBG", "VBN", "JJ") or self.tag(k + 1) not in NOUN_TAGS or self.low[k + 1] in stop:
                        break
                    breaks.append(last_noun)
                idx.append(k)
            else:
                break
            k += 1
        if not last_noun:
            return None
        idx = idx[:last_noun]
        if len(idx) > 1 and self.toks[idx[-1]].text.isupper() and self.tag(idx[-2]) in NOUN_TAGS:
            breaks.append(len(idx) - 1)     # "the control system EPGS": the capitals may be a label
        if clause_start:
            # "wherein the lens group move along", "the second PCD receive signals": a word the lexicon knows
            # as a verb, after a noun, at the start of a clause
            for m in range(1, len(idx)):
                if (self.toks[idx[m]].lexical in ("VB", "VBP") and self.tag(idx[m - 1]) in NOUN_TAGS
                        and self.low[idx[m]] not in self.lists["register"]["nouns"]
                        and not self.is_finite_verb(idx[-1] + 1)      # "the reverse withstand voltage overlaps"
                        and (m < len(idx) - 1 or self.tag(idx[m] + 1) in _AFTER_A_VERB)):
                    return _Chunk(idx[:m], [idx], idx[m])
        tail = self.toks[idx[-1]]
        if (clause_start and len(idx) > 1 and tail.tag == "NN" and self.low[j - 2:j - 1] == ["and"]
                and self.tag(idx[-1] + 1) in ("DT", "RB", "IN") and self.low[idx[-1] + 1] != "of"):
            # "said basis and said grid form a single body": a plural subject and its verb
            return _Chunk(idx[:-1], [idx], idx[-1])
        if subject and len(idx) > 1 and self.tag(idx[-2]) in NOUN_TAGS:
            if tail.maybe_verb:
                # "wherein the processing unit displays ...": the last word is most likely the verb, so the
                # phrase is read without it; the longer reading is kept as an alternative.
                return _Chunk(idx[:-1], [idx] + [idx[:n] for n in breaks if n < len(idx) - 1], idx[-1])
            nxt, before = self.tag(idx[-1] + 1), self.tag(idx[-2])
            if (nxt in _OBJECT_START or (nxt == "IN" and self.low[idx[-1] + 1] != "of")) and (
                    (tail.tag == "NNS" and before == "NN")              # "the gas forms bubbles"
                    or (tail.tag == "NN" and before == "NNS")):         # "the interfaces share an", "the arms form at"
                return _Chunk(idx[:-1], [idx], idx[-1])
            if tail.tag == "NNS" or tail.lexical.startswith("VB"):
                breaks.append(len(idx) - 1)     # "the gas forms bubbles": "forms" may be the verb
        others = [idx[:n] for n in sorted(set(breaks))]
        return _Chunk(idx, others, others[0][-1] + 1 if others else idx[-1] + 1)

    def phrase(self, chunk: _Chunk | list[int], number: str | None, det_k: int,
               prefix: tuple[str, ...] = ()) -> Phrase:
        if isinstance(chunk, list):
            chunk = _Chunk(chunk, [], chunk[-1] + 1)
        idx = chunk.idx
        words = [self.low[k] for k in idx]
        if number is None:
            number = "plural" if is_plural(words[-1]) else ("either" if words[-1] in self.lists["mass"] else "singular")
        norm = self.normalise(idx, prefix)
        text = self.text[self.toks[idx[0]].start:self.toks[idx[-1]].end]
        if prefix:
            text = " ".join(prefix) + " " + (singular_phrase(text) if number == "singular" else text)
        readings = [self.normalise(other, prefix) for other in chunk.others]
        after = idx[-1] + 1
        if self.low[after:after + 1] in (["and"], ["or"]):
            # "said illumination and detection devices": "illumination device"
            following = self.noun_phrase(after + 1)
            if following and is_plural(self.low[following.idx[-1]]) and len(following.idx) > 1:
                readings.append(norm + (singularize(self.low[following.idx[-1]]),))
        if len(idx) > 2 and self.low[idx[0]] in _ORDINALS and self.tag(idx[1]) == "VBN":
            readings.append(self.normalise([idx[0]] + idx[2:], prefix))     # "the second inversely-quantized X"
        first = normalise([self.low[idx[0]]])
        if len(idx) > 1 and (first[0] in self.lists["state"] or self.tag(idx[0]) == "VBN"):
            # "the received message" after "receiving a message"
            skip = len(prefix) + len(first)
            readings += [r[skip:] for r in [norm] + readings if len(r) > skip and r[:skip] == norm[:skip]]
        if "/" in words[-1]:
            readings.append(norm[:-1] + (singularize(words[-1].split("/")[0]),))     # "the LED die/dice"
        defined_by = ""
        if det_k > 0 and self.low[det_k - 1] in ("as", "being", "is", "are", "be", "becomes") and (
                after >= self.n or not self.is_word(after) or self.low[after] in ("and", "or")):
            defined_by = f"{self.toks[det_k - 1].text} {self.low[det_k]} {text}"     # a role: "as the light source"
        elif words[-1] == "range" and after < self.n and self.low[after] in ("from", "between", "of"):
            defined_by = self.text[self.toks[idx[0]].start:self.toks[min(after + 3, self.n - 1)].end]  # "range from"
        elif after < self.n and self.restrictive_modifier(after):
            defined_by = self.text[self.toks[idx[0]].start:self.toks[min(after + 2, self.n - 1)].end]
        elif after < self.n and self.low[after] in _ORIGIN_PARTICIPLES:
            # "associated with .."
            defined_by = self.text[self.toks[after].start:self.toks[min(after + 3, self.n - 1)].end]
        elif self.tag(after) == "VBN" and self.low[after + 1:after + 2] in (["in"], ["from"], ["of"], ["by"]) \
                and self.low[after + 2:after + 3] == ["step"]:
            # "obtained in step (c)"
            defined_by = self.text[self.toks[after].start:self.toks[min(after + 3, self.n - 1)].end]
        if len(norm) > 1 and norm[-1] == "step":
            readings.append(norm[:-1])      # "the monitoring step": the step of monitoring
        if any(_FORMULA_LABEL.fullmatch(self.toks[x].text) for x in idx):
            defined_by = defined_by or f"formula variable in '{text}'"    # "the geminal R6 groups"
        if len(idx) > 1 and self.low[idx[-1]] in _GENERIC_HEADS:
            readings.append(norm[:-1])      # "the C3-C8-alkanol reactant" after "a C3-C8-alkanol"
        if det_k == idx[0]:
            determiner = ""
        elif prefix:
            determiner = self.low[det_k]        # "the" of "the first and second arms"
        else:
            determiner = self.text[self.toks[det_k].start:self.toks[idx[0]].start].strip().lower()
        return Phrase(norm, number, self.toks[det_k].start, text, determiner,
                      tuple(readings), self.part_of_something(after), defined_by)

    def restrictive_modifier(self, k: int) -> bool:
        """What follows a definite phrase and says which one is meant: "the choice made by subscriber A", "the light
        which emits from the element", "the right to declare trump", "the atoms within each layer"."""
        word, tag = self.low[k], self.tag(k)
        if word in ("which", "whose") or word in ("within", "near"):
            return True
        if tag == "TO" and self.toks[k + 1].lexical in ("VB", "VBP") if k + 1 < self.n else False:
            return True
        return tag == "VBN" and self.low[k + 1:k + 2] in (["by"], ["in"], ["from"], ["at"], ["during"], ["with"])

    def part_of_something(self, k: int) -> bool:
        """Whether "of"/"between" follows, also after a second noun: "the proximity or overlap of the regions"."""
        for step in range(k, min(k + 15, self.n)):
            if self.low[step] in (";", ".", "wherein", "whereby"):
                break
            if self.low[step] == "thereof":
                return True     # "the somatic cell count, fat content ... thereof"
        if self.low[k:k + 1] in (["therein"], ["thereon"]):
            k += 1      # "the receipt therein of a fastener"
        if self.low[k:k + 1] == ["in"]:
            # "the difference in thermal contraction coefficient between A and B"
            for step in range(k + 1, min(k + 6, self.n)):
                if self.low[step] == "between":
                    return True
                if not self.is_word(step):
                    break
        if self.low[k:k + 1] in (["and"], ["or"]):
            k += 1
            if self.tag(k) == "IN" and self.low[k] not in ("of", "between"):
                k += 1      # "the neck and over the shoulders of a human body"
            if self.low[k:k + 1] in (["the"], ["said"]):
                k += 1
            while k < self.n and self.tag(k) in NOUN_TAGS | {"JJ"}:
                k += 1
        return k < self.n and self.low[k] in ("of", "between")

    def normalise(self, idx: list[int], prefix: tuple[str, ...] = ()) -> tuple[str, ...]:
        return tuple(prefix) + normalise([self.low[k] for k in idx])

    def coordinated(self, j: int, articles: tuple[str, ...] = (), adjectives: bool = True) -> tuple[list[str], int]:
        """'first and second X', 'upper and lower X', 'first, second and third X' at j: (modifiers, index of X).

        `articles` may repeat after "and" ("a first and a second vessel"); without `adjectives` only ordinals
        coordinate (a bare "replaceable and quick ..." is no phrase).
        """
        mods: list[str] = []
        k = j
        joined = False
        while k < self.n and self.is_modifier(k, adjectives) and not joined:
            mods.append(self.low[k])
            k += 1
            if k < self.n and self.low[k] == ",":
                k += 1
            if k < self.n and self.low[k] in ("and", "or"):
                joined = True
                k += 1
                if k < self.n and self.low[k] in articles:
                    k += 1      # "a first and a second vessel"
                if k < self.n and self.is_modifier(k, adjectives):
                    mods.append(self.low[k])
                    k += 1
            elif self.low[k - 1] != ",":
                break
        if joined and len(mods) >= 2 and self.is_word(k) and self.noun_phrase(k):
            return mods, k
        return [], j

    def is_modifier(self, k: int, adjectives: bool = True) -> bool:
        if self.low[k] in _ORDINALS:
            return True
        return (adjectives and (self.tag(k) in ("JJ", "JJR") or self.toks[k].lexical == "JJ")
                and self.low[k] not in self.lists["stop"])

    def is_preamble_reference(self, k: int, at_start: bool = False) -> bool:
        """Whether the phrase ending before k is followed by "of claim 1", "according to any one of claims".

        At the start of a claim a few more words may come first ("The swing rod, device ... as claimed in claim 1").
        """
        if at_start and any(self.tag(step) == _REF for step in range(k, min(k + 10, self.n))):
            return True
        for step in range(k, min(k + 6, self.n)):
            if self.tag(step) == _REF:
                return True
            if self.low[step] not in _PREAMBLE_LINK:
                return False
        return False

    # -- grammar steps: each returns where scanning goes on, or None when it does not apply at i ---

    def scan(self) -> ClaimMentions:
        steps = (self.definite_reference, self.indefinite_introduction, self.quantified_introduction,
                 self.coordinated_introduction, self.distributive_introduction, self.possessive_introduction,
                 self.bare_introduction)
        self.gerund_introductions()
        self.abbreviation_introductions()
        i = 0
        while i < self.n:
            for step in steps:
                nxt = step(i)
                if nxt is not None:
                    i = max(nxt, i + 1)
                    break
            else:
                i += 1
        return self.found

    def gerund_introductions(self) -> None:
        """A step "doping the layer" introduces "the doping" and "the doping step"."""
        stop = self.lists["stop"]
        for k, tok in enumerate(self.toks):
            if tok.tag.startswith("VB") and tok.lower not in stop:
                self.found.actions.append((tok.lower, tok.start))
            if tok.tag == "VBG" and tok.lower not in stop:
                forms = [(tok.lower,), (tok.lower, "step")]
                if k and self.tag(k - 1) == "RB" and self.low[k - 1].endswith("ly"):
                    forms.append((self.low[k - 1], tok.lower, "step"))  # "sequentially processing"
                if k > 1 and self.low[k - 2:k] == ["means", "for"]:
                    forms.append((tok.lower, "means"))      # "means for exerting" -> "the exerting means"
                for words in forms:
                    self.found.introductions.append(Phrase(normalise(list(words)), "either", tok.start, tok.text,
                                                           step=True))

    def abbreviation_introductions(self) -> None:
        """"a non-volatile memory (NVM) cell" also introduces "the NVM cell" and "the NVM"; "a source Access
        Network (AN)" introduces "the source AN"."""
        starts = [t.start for t in self.toks]
        stop = self.lists["stop"]
        for m in _ABBREVIATION.finditer(self.text):
            abbreviation = m.group(1)
            k = next((x for x, start in enumerate(starts) if start >= m.end()), self.n)
            following = []
            while k < self.n and self.is_word(k) and self.low[k] not in stop and len(following) < 4 and (
                    self.tag(k) in NOUN_TAGS or self.toks[k].lexical in ("VB", "VBP", "NN")):
                following.append(self.toks[k].text)      # "(SIP) invite message": "invite" is no verb here
                k += 1
            before = next((x for x in range(len(starts) - 1, -1, -1) if starts[x] < m.start()), None)
            for prefix in ([], self.expanded_prefix(before, abbreviation)):
                words = prefix + [abbreviation]
                self.found.introductions.append(Phrase(normalise(words), "either", m.start(), " ".join(words)))
                if following:
                    words += following
                    self.found.introductions.append(Phrase(normalise(words), "either", m.start(), " ".join(words)))

    def expanded_prefix(self, last: int | None, abbreviation: str) -> list[str]:
        """The words before the expansion of an abbreviation: ["source"] for "source Access Network (AN)"."""
        letters = abbreviation.lower().replace("-", "")
        k = last
        initials = ""
        while k is not None and k >= 0 and self.is_word(k) and len(initials) < len(letters):
            initials = "".join(part[0] for part in self.low[k].split("-") if part) + initials
            k -= 1
        if initials != letters or k is None:
            return []
        prefix = []
        while (k >= 0 and self.tag(k) in NOUN_TAGS | {"JJ"} and self.low[k] not in self.lists["stop"]
               and len(prefix) < 2):
            prefix.insert(0, self.low[k])
            k -= 1
        return prefix

    def definite_reference(self, i: int) -> int | None:
        """``the X`` / ``said X`` (and ``the at least one X``, ``the plurality of X``, ``the first and second X``)."""
        if self.low[i] not in ("the", "said"):
            return None
        j, number = self.quantity(i + 1)
        j = self.skip_leading(j)
        if j < self.n and (self.low[j] == "of" or any(self.seq(j, words)
                                                      for words in self.lists["not_checked"].get(self.low[j], ()))):
            return j
        if j < self.n and self.tag(j) == "CD":
            return j + 1        # "the 800 MHz to 2500 MHz frequency range": a value, not a term
        mods, k2 = self.coordinated(j, ("the", "said"))
        if mods:
            chunk = self.verbless_clause(self.noun_phrase(k2))
            if not self.is_preamble_reference(chunk.idx[-1] + 1):
                self.found.references.extend(self.phrase(chunk.idx, "singular", i, (m,)) for m in mods)
            return chunk.idx[-1] + 1
        chunk = self.noun_phrase(j, subject=True, clause_start=i == 0 or self.low[i - 1] in _CLAUSE_OPENERS)
        if not chunk:
            return j
        chunk = self.verbless_clause(chunk)
        if self.is_preamble_reference(chunk.idx[-1] + 1, at_start=i == 0):
            # "culturing the host cell of claim 8": the claim brings the term in
            self.found.introductions.append(self.phrase(chunk, "either", i))
        else:
            self.found.references.append(self.phrase(chunk, number, i))
        # "the controller receiving data": what follows the shortest reading is read again
        return chunk.resume

    def verbless_clause(self, chunk: _Chunk) -> _Chunk:
        """A clause that must have a verb ("wherein ...", "such that ...") and has none: the phrase's last word is it.

        "such that the gas forms bubbles", "wherein the ring land of the friction ring exhibits slots", "wherein
        the first and second arms form a region": the tagger read the verb as a noun.
        """
        idx = chunk.idx
        if len(idx) < 2:
            return chunk
        k = idx[0] - 1
        while k >= max(0, idx[0] - _CLAUSE_REACH) and self.low[k] not in _CLAUSE_BOUNDARIES:
            if self.tag(k) not in _SUBJECT_TAGS or (self.tag(k) == "IN" and self.low[k] != "of"):
                return chunk        # not the clause's subject ("between the electron affinity", "holding the X")
            k -= 1
        if k < 0 or k < idx[0] - _CLAUSE_REACH or self.low[k] not in _VERB_DEMANDING_OPENERS:
            return chunk
        k = idx[-1] + 1
        while k < min(self.n, idx[-1] + _CLAUSE_REACH) and self.low[k] not in _CLAUSE_BOUNDARIES:
            if self.is_finite_verb(k):
                return chunk
            k += 1
        # The verb is the first word that can be one: "the pools transfer contact records", else the last word.
        for m in range(1, len(idx)):
            tok, before = self.toks[idx[m]], self.tag(idx[m - 1])
            if tok.lexical.startswith("VB") or (tok.tag == "NN" and before == "NNS") or (
                    tok.tag == "NNS" and before == "NN" and tok.lower.endswith("s")):
                return _Chunk(idx[:m], [idx] + chunk.others, idx[m])
        if self.tag(idx[-2]) in NOUN_TAGS and self.tag(idx[-1]) in NOUN_TAGS:
            return _Chunk(idx[:-1], [idx] + chunk.others, idx[-1])
        return chunk

    def is_finite_verb(self, k: int) -> bool:
        return self.tag(k) in ("VBZ", "VBP", "VBD", "MD") or self.low[k] in _FINITE_VERBS

    def quantity(self, j: int) -> tuple[int, str | None]:
        """Skip 'at least one' / 'one or more' / 'plurality of' / 'multiple' after 'the'; return (index, number)."""
        if self.seq(j, ("at", "least", "one")) or self.seq(j, ("one", "or", "more")):
            return (j + 4 if self.seq(j + 3, ("of",)) else j + 3), "either"
        if self.seq(j, ("plurality", "of")):
            return j + 2, "plural"
        if j < self.n and (self.low[j] in _PLURAL_QUANTIFIERS or self.low[j] in _NUMBER_WORDS) and self.is_word(j + 1):
            return j + 1, "plural"      # "the two circuit blocks", "the multiple fields"
        return j, None

    def indefinite_introduction(self, i: int) -> int | None:
        """``a``/``an``/``another`` X, ``a plurality of X``, ``a set of X``, ``a first and a second X``."""
        if self.low[i] not in ("a", "an", "another"):
            return None
        j = self.skip_leading(i + 1)
        if j + 1 < self.n and self.low[j] in self.lists["containers"] and self.low[j + 1] == "of":
            if self.low[j] != "plurality":
                self.found.introductions.append(self.phrase([j], "singular", i))
            return self.introduce(i, j + 2, "plural")
        return self.introduce(i, j, "singular")

    def quantified_introduction(self, i: int) -> int | None:
        """``at least one X``, ``one or more X``, ``two or more X``, ``plurality of X``, ``multiple X``."""
        if self.low[i] not in _QUANTITY_STARTS:
            return None
        if self.seq(i, ("at", "least", "one")) or self.seq(i, ("one", "or", "more")):
            return self.introduce(i, i + 3, "either")
        if self.seq(i, ("two", "or", "more")):
            return self.introduce(i, i + 3, "plural")
        if self.seq(i, ("plurality", "of")):
            return self.introduce(i, i + 2, "plural")
        if (self.low[i] in _PLURAL_QUANTIFIERS or self.low[i] in _NUMBER_WORDS) and self.is_word(i + 1):
            return self.introduce(i, i + 1, "plural")       # "several pins", "two steel rods"
        return None

    def introduce(self, i: int, j: int, number: str, articles: tuple[str, ...] = ("a", "an")) -> int:
        if j < self.n and self.low[j] == "of":     # "at least one of A, B and C": the list decides
            return j + 1
        j = self.skip_leading(j)
        mods, k2 = self.coordinated(j, articles, adjectives=bool(articles))
        if mods:
            return self.introduce_coordinated(i, mods, k2)
        chunk = self.noun_phrase(j)
        if not chunk:
            return j
        # "a controller receiving data" introduces "controller receiving data", "controller" and,
        # read again from chunk.resume, "receiving data"
        self.found.introductions.append(self.phrase(chunk, number, i))
        self.found.introductions.extend(self.phrase(other, number, i) for other in chunk.others)
        end = chunk.idx[-1] + 1
        if self.low[end:end + 1] == ["of"] and self.tag(end + 1) in NOUN_TAGS and self.tag(end + 2) not in NOUN_TAGS:
            # "a property of milk" also introduces "the milk property"
            words = [self.low[end + 1]] + [self.low[x] for x in chunk.idx]
            self.found.introductions.append(Phrase(normalise(words), number, self.toks[i].start, " ".join(words)))
        return chunk.resume

    def introduce_coordinated(self, i: int, mods: list[str], j: int) -> int:
        """'first and second X' introduces 'the first X', 'the second X' and 'the Xs'."""
        chunk = self.noun_phrase(j)
        self.found.introductions.extend(self.phrase(chunk.idx, "singular", i, (m,)) for m in mods)
        self.found.introductions.append(self.phrase(chunk.idx, "plural", i))
        return chunk.idx[-1] + 1

    def coordinated_introduction(self, i: int) -> int | None:
        """A bare 'first and second X', 'upper and lower surfaces'."""
        if i and (self.tag(i - 1) in NOUN_TAGS or self.tag(i - 1) in _NOT_BEFORE_A_PHRASE):
            return None     # inside a phrase ("the housing first ...") or a predicate ("is thin and flat")
        mods, k2 = self.coordinated(i)
        return self.introduce_coordinated(i, mods, k2) if mods else None

    def distributive_introduction(self, i: int) -> int | None:
        """``each X`` / ``every X``: each one of a group, so it introduces X."""
        if self.low[i] not in ("each", "every"):
            return None
        if self.seq(i + 1, ("of",)):
            return i + 2
        return self.introduce(i, i + 1, "either")

    def possessive_introduction(self, i: int) -> int | None:
        """``its X``, ``their X``, ``the device's X``: a part of something already there."""
        if self.low[i] in ("its", "their", "his", "her", "whose") or self.tag(i) == "POS":
            return self.introduce(i, i + 1, "either")
        return None

    def bare_introduction(self, i: int) -> int | None:
        """A phrase with no determiner ("storing instructions", "; gate spacers") introduces itself."""
        if not self.is_word(i) or self.low[i] in self.lists["stop"]:
            return None
        chunk = self.noun_phrase(i)
        if not chunk:
            return None
        return self.introduce(i, i, "plural" if is_plural(self.low[chunk.idx[-1]]) else "either", articles=())


def claim_mentions(text: str) -> ClaimMentions:
    """The introductions and references in one claim's text."""
    return _Scanner(text).scan()

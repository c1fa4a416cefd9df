"""Antecedent-basis check for claims.

Heuristic, dictionary-driven (word lists in ``data/antecedent_terms.toml``).

Terms
-----
* A *reference* is ``the X`` / ``said X`` (also ``the at least one X``,
  ``the one or more X``, ``the plurality of X``, ``the first and second X``).
* An *introduction* is ``a X`` / ``an X`` / ``another X``, ``at least one X``,
  ``one or more X`` (either number), ``a plurality of X``, ``plurality of X``,
  ``two or more X``, ``multiple X`` (plural), ``a set/pair/series/array/group
  of X`` (introduces the container and the plural X), and
  ``[a] first and second X`` (introduces "first X", "second X" and plural X).
  ``each X`` neither introduces nor is checked.
* X is the noun phrase after the determiner: up to 4 words, ended by
  punctuation, a number (reference numeral), a stop word, an ``-ly`` adverb, or
  an ``-ed``/``-ing`` word (or any word) directly followed by a determiner /
  preposition (treated as a verb).  The head noun (last word) is singularised.

Matching
--------
``the X`` is supported if X (normalised) is a word-suffix of an introduced
phrase: "a wireless charging coil" supports "the coil", "the charging coil" and
"the wireless charging coil"; "a coil" does NOT support "the wireless coil".
Introductions count if they appear earlier in the same claim, or anywhere in a
claim it depends on (directly or transitively).

Decisions
---------
* Multiple dependent claims: a term is supported only if it is introduced along
  EVERY referenced claim's chain (the claim must make sense read with each of
  the alternatives).  If it is introduced along some chains only, the finding
  names the claims through which it is missing.
* ``the sensor`` / ``said sensor`` when only ``a plurality of sensors`` was
  introduced is reported (it is ambiguous which sensor is meant) with its own
  message; ``the sensors`` after a single ``a sensor`` is reported likewise,
  unless two or more singular introductions exist ("a first electrode ... a
  second electrode ... the electrodes" is fine).
* ``at least one X`` / ``one or more X`` support both ``the X`` and ``the Xs``.
* Preamble references ("The method of claim 1", "The device according to any
  one of claims 1-3") are not checked; terms listed in ``not_checked`` are never
  checked; "the <inherent property> of ..." (surface, end, length, amount ...,
  list ``inherent_of``; MPEP 2173.05(e)) is not checked.
* Claims with a broken dependency (self, later or missing claim) are not
  checked; the dependency error is reported instead.
* Bare plural / mass-noun phrases ("storing instructions", "; gate spacers",
  "based on interaction data") introduce themselves.
* Each term is reported once per claim (its first unsupported occurrence).
All findings are warnings: this is a drafting aid, not a legal determination.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .claims import Claim

_DATA = Path(__file__).with_name("data") / "antecedent_terms.toml"

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-/]*|[^\sA-Za-z0-9]")
MAX_PHRASE_WORDS = 6
_DETERMINERS = {"a", "an", "the", "said", "each", "every", "its", "their", "another", "one"}
_PREPOSITIONS = {"of", "in", "on", "at", "to", "from", "with", "within", "by", "for", "into", "onto",
                 "over", "under", "between", "through", "via", "about", "along", "across", "against",
                 "around", "after", "before", "during", "upon", "toward", "towards"}
_LEADING_SKIP = {"further", "additional", "respective", "aforementioned", "aforesaid",
                 "above-mentioned", "previously-mentioned", "abovementioned"}
_CONTAINERS = {"set", "pair", "series", "array", "group", "number", "collection", "multiplicity",
               "list", "sequence", "stack", "bundle", "matrix", "network", "combination"}
_CLAIM_REF_AFTER = re.compile(
    r"\s*,?\s*(?:of|in|recited\s+in|defined\s+in|according\s+to|in\s+accordance\s+with|as\s+in|"
    r"as\s+(?:claimed|recited|defined|set\s+forth|described|specified|in)\s+(?:in\s+)?)\s*"
    r"(?:any\s+(?:one\s+)?(?:of\s+)?(?:the\s+)?(?:preceding\s+|previous\s+|foregoing\s+|above\s+)?|"
    r"either\s+(?:one\s+)?(?:of\s+)?)?claims?\b",
    re.I,
)


@lru_cache(maxsize=1)
def _lists() -> dict:
    with _DATA.open("rb") as fh:
        d = tomllib.load(fh)["antecedent"]
    return {
        "not_checked": [tuple(s.split()) for s in d["not_checked"]],
        "inherent": {s for s in d["inherent_of"]},
        "stop": set(d["stop_words"]) | {"and/or"},
        "nouns": set(d["noun_exceptions"]),
        "irregular": dict(d["irregular_plurals"]),
        "invariant": set(d["invariant"]["words"]),
        "postpositive": set(d["postpositive"]),
        "mass": set(d["mass_nouns"]),
    }


def singularize(word: str) -> str:
    w = word.lower()
    lists = _lists()
    if w in lists["irregular"]:
        return lists["irregular"][w]
    if w in lists["invariant"] or len(w) <= 3 or not w[-1] == "s":
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes", "zes")):
        return w[:-2]
    if w.endswith(("ss", "us", "is", "'s", "\u2019s")):
        return w
    return w[:-1]


def is_plural(word: str) -> bool:
    return singularize(word) != word.lower()


@dataclass
class Phrase:
    words: tuple[str, ...]      # normalised: lower case, head singularised
    number: str                 # singular | plural | either
    offset: int                 # char offset of the determiner in the claim text
    text: str                   # the phrase as written (without determiner)
    determiner: str = ""


@dataclass
class AntecedentIssue:
    claim: int
    term: str
    determiner: str
    offset: int
    kind: str                   # missing | partial | plural_only | singular_only
    number: str
    ancestors: list[int] = field(default_factory=list)
    missing_via: list[int] = field(default_factory=list)
    supported_via: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        ref = f"'{self.determiner} {self.term}'"
        where = f"claim {self.claim}"
        if self.ancestors:
            where += f" or the claims it depends on ({', '.join(map(str, self.ancestors))})"
        term_l = self.term
        if self.kind == "plural_only":
            plural = _pluralize_phrase(term_l)
            return (f"Claim {self.claim} refers to {ref}, but only a group ('{plural}', e.g. 'a plurality of "
                    f"{plural}') was introduced earlier in {where}, so it is unclear which one is meant. "
                    f"Consider 'each {term_l}', 'one of the {plural}' or introducing 'a {term_l}'.")
        if self.kind == "singular_only":
            return (f"Claim {self.claim} refers to {ref} (plural), but only a single "
                    f"'{_article(_singular_phrase(term_l))} {_singular_phrase(term_l)}' was introduced earlier in "
                    f"{where}. Introduce the group (e.g. 'a plurality of {term_l}') or use the singular.")
        if self.kind == "partial":
            return (f"Claim {self.claim} refers to {ref}. It is introduced through claim(s) "
                    f"{', '.join(map(str, self.supported_via))}, but not through claim(s) "
                    f"{', '.join(map(str, self.missing_via))}, so the claim lacks antecedent basis when read "
                    f"with claim(s) {', '.join(map(str, self.missing_via))}.")
        if self.number == "plural":
            intro = f"'{term_l}' (e.g. 'a plurality of {term_l}')"
        else:
            intro = f"'{_article(term_l)} {term_l}'"
        return f"Claim {self.claim} refers to {ref}, but no earlier {intro} introduces it in {where}."


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def _pluralize_phrase(phrase: str) -> str:
    parts = phrase.split()
    w = parts[-1]
    if is_plural(w):
        return phrase
    if w.endswith(("s", "x", "z", "ch", "sh")):
        w += "es"
    elif w.endswith("y") and w[-2:-1] not in ("a", "e", "i", "o", "u"):
        w = w[:-1] + "ies"
    else:
        w += "s"
    return " ".join(parts[:-1] + [w])


def _singular_phrase(phrase: str) -> str:
    parts = phrase.split()
    return " ".join(parts[:-1] + [singularize(parts[-1])])


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self.low = [t[0].lower().replace("\u2019", "'") for t in self.toks]
        self.n = len(self.toks)
        self.L = _lists()

    def is_word(self, k: int) -> bool:
        return k < self.n and self.low[k][0].isalpha()

    def seq(self, k: int, words: tuple[str, ...] | list[str]) -> bool:
        return k + len(words) <= self.n and all(self.low[k + i] == w for i, w in enumerate(words))

    def extract(self, j: int) -> tuple[list[int], int]:
        """Return (token indexes of the noun phrase starting at j, index after it)."""
        L = self.L
        idx: list[int] = []
        k = j
        while k < self.n and len(idx) < MAX_PHRASE_WORDS:
            w = self.low[k]
            if w == "(" and idx and k + 3 < self.n and self.low[k + 1][0].isalpha() \
                    and self.low[k + 2] == ")" and self.is_word(k + 3) and self.low[k + 3] not in L["stop"]:
                k += 3          # "customer relationship management (CRM) system"
                continue
            if not w[0].isalpha():
                break
            if w in L["stop"] and not (w in ("first", "second")):
                break
            if w.endswith(("'s",)) and len(w) > 2:
                idx.append(k)
                k += 1
                break
            if w.endswith("ly") and w not in L["nouns"]:
                # an adverb may open a phrase ("a pharmaceutically acceptable salt")
                if idx or not self.is_word(k + 1) or self.low[k + 1] in L["stop"]:
                    break
            if idx and w in L["postpositive"]:
                break
            if idx:
                nxt = self.low[k + 1] if k + 1 < self.n else ""
                nxt_breaks = (not nxt or not nxt[0].isalnum() or nxt in L["stop"] or nxt[0].isdigit())
                verbal = (w.endswith(("ed", "ing")) and w not in L["nouns"] and len(w) > 4)
                if nxt in _DETERMINERS:
                    break
                if verbal and (nxt_breaks or nxt in _PREPOSITIONS):
                    break
                if (w.endswith(("able", "ible", "ive")) and len(w) > 6 and w not in L["nouns"]
                        and nxt in _PREPOSITIONS):
                    break
            idx.append(k)
            k += 1
        return idx, k

    def phrase(self, idx: list[int], number: str | None, det_k: int, prefix: tuple[str, ...] = ()) -> Phrase:
        words = [self.low[k] for k in idx]
        if words and words[-1].endswith("'s"):
            words[-1] = words[-1][:-2]
        head = words[-1]
        if number is None:
            number = "plural" if is_plural(head) else "singular"
        norm = tuple(prefix) + tuple(words[:-1]) + (singularize(head),)
        text = self.text[self.toks[idx[0]][1]:self.toks[idx[-1]][2]]
        if text.endswith(("'s", "\u2019s")):
            text = text[:-2]
        if prefix:
            text = " ".join(prefix) + " " + (_singular_phrase(text) if number == "singular" else text)
        return Phrase(norm, number, self.toks[det_k][1], text, self.low[det_k] if det_k < self.n else "")

    def not_checked(self, j: int) -> bool:
        return any(self.seq(j, ex) for ex in self.L["not_checked"])

    def skip_leading(self, j: int) -> int:
        while j < self.n and self.low[j] in _LEADING_SKIP:
            j += 1
        return j

    def first_and_second(self, j: int):
        """Match 'first and second X' / 'first, second and third X' at j; return (ordinals, index after)."""
        ords = []
        k = j
        ordinal_words = ("first", "second", "third", "fourth", "fifth")
        while k < self.n and self.low[k] in ordinal_words:
            ords.append(self.low[k])
            k += 1
            if k < self.n and self.low[k] == ",":
                k += 1
            if k < self.n and self.low[k] in ("and", "or"):
                k += 1
                if k < self.n and self.low[k] in ordinal_words:
                    ords.append(self.low[k])
                    k += 1
                break
        if len(ords) >= 2 and self.is_word(k):
            return ords, k
        return None, j

    def ordinal_intros(self, j: int, start: int, intros: list[Phrase]) -> int | None:
        """'first and second X' at j introduces 'the first X', 'the second X' and 'the Xs'.

        Returns where scanning goes on, or None when j starts no such phrase.
        """
        ords, k2 = self.first_and_second(j)
        if not ords:
            return None
        idx, k = self.extract(k2)
        if idx:
            for o in ords:
                intros.append(self.phrase(idx, "singular", start, (o,)))
            intros.append(self.phrase(idx, "plural", start))
        return max(k, start + 1)

    def scan(self) -> tuple[list[Phrase], list[Phrase]]:
        intros: list[Phrase] = []
        refs: list[Phrase] = []
        i = 0
        while i < self.n:
            w = self.low[i]
            if w in ("the", "said"):
                j = i + 1
                number = None
                if self.seq(j, ("at", "least", "one")):
                    j += 3
                    number = "either"
                elif self.seq(j, ("one", "or", "more")):
                    j += 3
                    number = "either"
                elif self.seq(j, ("plurality", "of")):
                    j += 2
                    number = "plural"
                j = self.skip_leading(j)
                if self.not_checked(j) or (j < self.n and self.low[j] == "of"):
                    i = max(j, i + 1)
                    continue
                ords, k2 = self.first_and_second(j)
                if ords:
                    idx, k = self.extract(k2)
                    if idx and not self._claim_ref_after(k):
                        for o in ords:
                            p = self.phrase(idx, "singular", i, (o,))
                            refs.append(p)
                    i = max(k, i + 1)
                    continue
                idx, k = self.extract(j)
                if not idx:
                    i = max(j, i + 1)
                    continue
                if self._inherent(idx, k) or self._claim_ref_after(k):
                    i = k
                    continue
                refs.append(self.phrase(idx, number, i))
                i = k
                continue

            number = None
            j = None
            if w in ("a", "an", "another"):
                j = self.skip_leading(i + 1)
                if self.seq(j, ("plurality", "of")):
                    j += 2
                    number = "plural"
                elif j + 1 < self.n and self.low[j] in _CONTAINERS and self.low[j + 1] == "of":
                    intros.append(self.phrase([j], "singular", i))
                    j += 2
                    number = "plural"
                else:
                    number = "singular"
            elif self.seq(i, ("at", "least", "one")) or self.seq(i, ("one", "or", "more")):
                j = i + 3
                number = "either"
            elif self.seq(i, ("two", "or", "more")) or self.seq(i, ("plurality", "of")):
                j = i + 3 if w == "two" else i + 2
                number = "plural"
            elif w in ("multiple", "several", "plural", "various", "numerous"):
                j = i + 1
                number = "plural"
            elif w in ("first",):
                k = self.ordinal_intros(i, i, intros)
                if k is not None:
                    i = k
                    continue
            elif w in ("each", "every"):
                idx, k = self.extract(i + 1)
                i = max(k, i + 1)
                continue
            elif w[0].isalpha() and w not in self.L["stop"] and (i == 0 or not self.is_word(i - 1)
                                                                or self.low[i - 1] in self.L["stop"]):
                # bare plural / mass-noun phrase: "storing instructions", "; gate spacers"
                idx, k = self.extract(i)
                if idx:
                    head = self.low[idx[-1]]
                    if is_plural(head):
                        intros.append(self.phrase(idx, "plural", i))
                    elif singularize(head) in self.L["mass"]:
                        intros.append(self.phrase(idx, "either", i))
                    i = k
                    continue

            if j is not None:
                if j < self.n and self.low[j] == "of":     # "at least one of ..." -> the rest decides
                    i = j + 1
                    continue
                j = self.skip_leading(j)
                k = self.ordinal_intros(j, i, intros)
                if k is not None:
                    i = k
                    continue
                idx, k = self.extract(j)
                if idx:
                    intros.append(self.phrase(idx, number, i))
                    i = k
                    continue
            i += 1
        return intros, refs

    def _inherent(self, idx: list[int], k: int) -> bool:
        if not (k < self.n and self.low[k] == "of"):
            return False
        words = [self.low[x] for x in idx]
        return words[-1] in self.L["inherent"] or " ".join(words) in self.L["inherent"]

    def _claim_ref_after(self, k: int) -> bool:
        if k <= 0:
            return False
        return bool(_CLAIM_REF_AFTER.match(self.text, self.toks[k - 1][2]))


def analyze_claim_text(text: str) -> tuple[list[Phrase], list[Phrase]]:
    """Return (introductions, references) found in one claim's text."""
    return _Scanner(text).scan()


def _count(intros, ref: Phrase, before: int | None = None) -> tuple[int, bool, bool]:
    s, p, e = 0, False, False
    L = len(ref.words)
    for it in intros:
        if before is not None and it.offset >= before:
            continue
        if len(it.words) >= L and it.words[-L:] == ref.words:
            if it.number == "singular":
                s += 1
            elif it.number == "plural":
                p = True
            else:
                e = True
    return min(s, 2), p, e


def _add(a, b):
    return (min(2, a[0] + b[0]), a[1] or b[1], a[2] or b[2])


def _classify(avail, number: str) -> str:
    s, p, e = avail
    if number == "either":
        return "ok" if (s or p or e) else "missing"
    if number == "singular":
        if s or e:
            return "ok"
        return "plural_only" if p else "missing"
    if p or e or s >= 2:
        return "ok"
    return "singular_only" if s == 1 else "missing"


def check_antecedent_basis(claims: list[Claim]) -> list[AntecedentIssue]:
    by_num: dict[int, Claim] = {}
    for c in claims:
        if not c.canceled:
            by_num.setdefault(c.number, c)
    analyses = {n: analyze_claim_text(c.text) for n, c in by_num.items()}

    def parents(n: int) -> list[int]:
        return [p for p in by_num[n].depends_on if p in by_num and p < n]

    anc_memo: dict[int, list[int]] = {}

    def ancestors(n: int) -> list[int]:
        if n not in anc_memo:
            out: set[int] = set()
            for p in parents(n):
                out.add(p)
                out.update(ancestors(p))
            anc_memo[n] = sorted(out)
        return anc_memo[n]

    chain_memo: dict[tuple, tuple] = {}

    def chain(n: int, ref: Phrase) -> tuple:
        key = (n, ref.words)
        if key not in chain_memo:
            own = _count(analyses[n][0], ref)
            chain_memo[key] = _add(own, via_parents(n, ref))
        return chain_memo[key]

    def via_parents(n: int, ref: Phrase) -> tuple:
        ps = parents(n)
        if not ps:
            return (0, False, False)
        vals = [chain(p, ref) for p in ps]
        return (min(v[0] for v in vals), all(v[1] for v in vals), all(v[2] for v in vals))

    issues: list[AntecedentIssue] = []
    for n in sorted(by_num):
        if len(parents(n)) != len(by_num[n].depends_on) or (
                by_num[n].refers_to_all_preceding and not by_num[n].depends_on):
            # A broken dependency is reported separately; without a valid chain every
            # inherited term would be a false alarm, so the claim is not checked.
            continue
        intros, refs = analyses[n]
        seen: set = set()
        for ref in refs:
            own = _count(intros, ref, before=ref.offset)
            status = _classify(_add(own, via_parents(n, ref)), ref.number)
            if status == "ok":
                continue
            key = (ref.words, ref.number)
            if key in seen:
                continue
            seen.add(key)
            issue = AntecedentIssue(claim=n, term=ref.text, determiner=ref.determiner, offset=ref.offset,
                                    kind=status, number=ref.number, ancestors=ancestors(n))
            ps = parents(n)
            if len(ps) > 1:
                ok_ps = [p for p in ps if _classify(_add(own, chain(p, ref)), ref.number) == "ok"]
                if ok_ps:
                    issue.kind = "partial"
                    issue.supported_via = ok_ps
                    issue.missing_via = [p for p in ps if p not in ok_ps]
            issues.append(issue)
    return issues

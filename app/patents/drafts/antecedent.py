"""Antecedent basis of claim terms, as practitioners apply it (MPEP 2173.05(e)).

Each claim's introductions and references come from :mod:`.mentions`. A reference ``the X`` /
``said X`` is *supported* when an earlier introduction in the same claim, or one anywhere in a claim
on its dependency path, matches it:

* X is a word-suffix of the introduced phrase: "a wireless charging coil" supports "the coil",
  "the charging coil" and "the wireless charging coil"; "a coil" does not support "the wireless coil";
* or X's words appear in order in the introduced phrase with the same head: "a first conductive
  layer" supports "the first layer";
* or X is another reading of the phrase ("the controller" in "the controller receiving data"), or X
  without a participle that names what a step did ("the received message" after "a message").

Number: ``at least one X``/``one or more X`` support ``the X`` and ``the Xs``; ``the Xs`` after two
singular introductions ("a first electrode ... a second electrode ... the electrodes") is fine.

A multiple dependent claim must make sense with each claim it refers to, so a term counts as introduced
only if it is introduced along every path; otherwise the finding names the claims through which it is
missing. A claim with a broken dependency is not checked (the dependency error is reported instead).

Severity, so that a warning is something a practitioner would fix:

* ``warning``: no introduction at all (quoting the closest earlier one when there is a likely
  match), an introduction only later in the same claim, an introduction missing along some paths of a
  multiple dependent claim, and the same term written two ways ("a footplate" ... "the foot plate":
  inconsistent terminology);
* ``note``: a term already reported in an earlier claim (the same defect, one fix), a noun naming an
  action recited earlier ("the insertion" after "inserting the plug"), an ordinal picked from a group
  ("the second arm" after "two arms"), a term the sentence defines ("used as the light source",
  "the polymer obtained in step (c)"), a part or property that the thing already introduced has anyway
  ("the outer surface of the sphere", "the distal end"), and number mismatches ("the sensor" when only "a plurality of
  sensors" was introduced; "the tools" after "a tool").

Each term is reported once per claim, at its first unsupported occurrence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ..claims import Claim, claim_references, find_claim_references
from .mentions import ClaimMentions, Phrase, claim_mentions
from .terms import article, pluralize_phrase, singular_phrase, word_lists

WARNING_KINDS = {"missing", "later", "partial", "variant"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
# Inherent heads that are parts rather than properties (see is_inherent).
_PARTS = frozenset({"end", "side", "edge", "surface", "wall", "face", "tip", "base", "top", "bottom", "front",
                    "rear", "back", "interior", "exterior", "inside", "outside", "periphery", "perimeter", "portion",
                    "part", "middle", "half", "center", "centre", "axis"})
_ADJECTIVE_ENDINGS = ("al", "ial", "ive", "ous", "ful", "ic", "ar", "ary", "ent", "ant", "ed", "ing")
_NOMINAL_ENDINGS = ("ation", "tion", "sion", "ment", "ance", "ence", "al", "ure", "ing", "ion", "ancy", "ency")


@dataclass
class Introduced:
    """An introduction and the claim it is in."""
    phrase: Phrase
    claim: int


@dataclass
class AntecedentIssue:
    claim: int
    term: str
    determiner: str
    offset: int
    kind: str           # missing | later | partial | variant | inherent | action | ordinal | defined | plural_only
    #                     | singular_only
    #                     | repeated
    number: str
    ancestors: list[int] = field(default_factory=list)
    missing_via: list[int] = field(default_factory=list)
    supported_via: list[int] = field(default_factory=list)
    closest: Introduced | None = None
    first_reported: int | None = None       # for "repeated": the claim where the same term was reported
    action: str | None = None               # for "action": the verb the term names ("inserting")
    defined_by: str = ""                    # for "defined": the words that define it ("as the light source")

    @property
    def severity(self) -> str:
        return "warning" if self.kind in WARNING_KINDS else "note"

    @property
    def message(self) -> str:
        ref = f"'{self.determiner} {self.term}'"
        where = f"claim {self.claim}"
        if self.ancestors:
            where += f" or the claims it depends on ({', '.join(map(str, self.ancestors))})"
        term = self.term
        if self.kind == "repeated":
            return (f"Claim {self.claim} refers to {ref}, which also lacks antecedent basis in claim "
                    f"{self.first_reported} (see there).")
        if self.kind == "variant":
            return (f"Claim {self.claim} refers to {ref}, but {_quote(self.closest)} was introduced: the same "
                    f"term is written two ways. Use one spelling throughout.")
        if self.kind == "action":
            return (f"Claim {self.claim} refers to {ref}, which has no introduction as a thing but names the "
                    f"action '{self.action}' recited earlier. That is usually clear; introduce "
                    f"'{article(term)} {term}' if a separate thing is meant.")
        if self.kind == "defined":
            return (f"Claim {self.claim} uses {ref} for something the sentence defines in place "
                    f"('{self.defined_by}'), not a thing introduced earlier. That is usually clear; introduce "
                    f"'{article(term)} {term}' if a separate thing is meant.")
        if self.kind == "ordinal":
            plural = pluralize_phrase(" ".join(term.split()[1:]))
            return (f"Claim {self.claim} refers to {ref}, but only a group of {plural} was introduced in {where}, "
                    f"not which one is '{term.split()[0]}'. Consider introducing '{article(term)} {term}'.")
        if self.kind == "inherent":
            return (f"Claim {self.claim} refers to {ref} without introducing it. This is fine if it is a part "
                    f"or property that what it belongs to necessarily has (MPEP 2173.05(e)); otherwise "
                    f"introduce '{article(term)} {term}'.")
        if self.kind == "plural_only":
            plural = pluralize_phrase(term)
            return (f"Claim {self.claim} refers to {ref}, but only a group ('{plural}', e.g. 'a plurality of "
                    f"{plural}') was introduced earlier in {where}, so it may be unclear which one is meant. "
                    f"Consider 'each {term}', 'one of the {plural}' or introducing 'a {term}'.")
        if self.kind == "singular_only":
            single = singular_phrase(term)
            return (f"Claim {self.claim} refers to {ref} (plural), but only a single "
                    f"'{article(single)} {single}' was introduced earlier in {where}. Introduce the group "
                    f"(e.g. 'a plurality of {term}') or use the singular.")
        if self.kind == "partial":
            return (f"Claim {self.claim} refers to {ref}. It is introduced through claim(s) "
                    f"{', '.join(map(str, self.supported_via))}, but not through claim(s) "
                    f"{', '.join(map(str, self.missing_via))}, so the claim lacks antecedent basis when read "
                    f"with claim(s) {', '.join(map(str, self.missing_via))}.")
        if self.kind == "later":
            return (f"Claim {self.claim} refers to {ref} before introducing it ({_quote(self.closest)} comes "
                    f"later in the claim). Introduce it at its first use.")
        intro = f"'{term}' (e.g. 'a plurality of {term}')" if self.number == "plural" else f"'{article(term)} {term}'"
        message = f"Claim {self.claim} refers to {ref}, but no earlier {intro} introduces it in {where}."
        if self.closest:
            message += f" Did you mean {_quote(self.closest)}?"
        return message


def _quote(intro: Introduced | None) -> str:
    if intro is None:
        return ""
    p = intro.phrase
    determiner = p.determiner if p.determiner.split(" ")[0] not in ("", "'s", "its", "their", "his", "her",
                                                                   "whose") else ""
    text = f"{determiner} {p.text}".strip()
    return f"'{text}' in claim {intro.claim}"


# -- matching ---------------------------------------------------------------------------------------

def _suffix(intro: tuple[str, ...], ref: tuple[str, ...]) -> bool:
    return len(intro) >= len(ref) and intro[-len(ref):] == ref


def _in_order(intro: tuple[str, ...], ref: tuple[str, ...]) -> bool:
    """ref's words appear in order in intro, with the same head ("first layer" in "first conductive layer")."""
    if len(ref) < 2 or len(intro) <= len(ref) or intro[-1] != ref[-1]:
        return False
    it = iter(intro[:-1])
    return all(word in it for word in ref[:-1])


def matching_reading(intro: Phrase, ref: Phrase) -> tuple[str, ...] | None:
    """The reading of ref that intro introduces, or None."""
    for r in (ref.words,) + ref.readings:
        if any(_suffix(i, r) or _in_order(i, r) for i in (intro.words,) + intro.readings):
            return r
    return None


def matches(intro: Phrase, ref: Phrase) -> bool:
    return matching_reading(intro, ref) is not None


def _count(intros: list[Introduced], ref: Phrase, before: int | None = None) -> tuple[int, bool, bool]:
    """(singular introductions up to 2, any plural one, any either-number one) matching ref."""
    singular, plural, either = 0, False, False
    for it in intros:
        if before is not None and it.phrase.offset >= before:
            continue
        reading = matching_reading(it.phrase, ref)
        if reading is not None:
            if reading != ref.words:
                either = True       # another reading of the phrase: its number is not the phrase's
            elif it.phrase.number == "singular":
                singular += 1
            elif it.phrase.number == "plural":
                plural = True
            else:
                either = True
    return min(singular, 2), plural, either


def _add(a, b):
    return (min(2, a[0] + b[0]), a[1] or b[1], a[2] or b[2])


def _classify(avail, number: str) -> str:
    singular, plural, either = avail
    if number == "either":
        return "ok" if (singular or plural or either) else "missing"
    if number == "singular":
        if singular or either:
            return "ok"
        return "plural_only" if plural else "missing"
    if plural or either or singular >= 2:
        return "ok"
    return "singular_only" if singular == 1 else "missing"


def _closest(intros: list[Introduced], ref: Phrase) -> Introduced | None:
    """The introduction the writer most likely meant: same letters ("foot plate"/"footplate"), else similar."""
    best, best_score = None, 0.0
    for it in intros:
        if it.phrase.step:
            continue        # "etching" is an action, not a thing to suggest
        if it.phrase.joined == ref.joined or it.phrase.joined.endswith(ref.joined) and len(ref.joined) > 5:
            return it
        matcher = SequenceMatcher(None, it.phrase.joined, ref.joined)
        if matcher.real_quick_ratio() < 0.8 or matcher.quick_ratio() < 0.8:
            continue
        score = matcher.ratio()
        if score > best_score:
            best, best_score = it, score
    return best if best_score >= 0.8 else None


# -- the check --------------------------------------------------------------------------------------

class _ClaimSet:
    def __init__(self, claims: list[Claim]):
        self.by_num: dict[int, Claim] = {}
        for c in claims:
            if not c.canceled:
                self.by_num.setdefault(c.number, c)
        self.mentions: dict[int, ClaimMentions] = {n: claim_mentions(c.text) for n, c in self.by_num.items()}
        self.intros = {n: [Introduced(p, n) for p in m.introductions] for n, m in self.mentions.items()}
        self._ancestors: dict[int, list[int]] = {}
        self._chain: dict[tuple, tuple] = {}
        self.inherent = word_lists()["inherent"]
        self.positional = word_lists()["positional"]
        # A claim that names its claims together ("claims 1 and 2", "the tape of claim 5, ... of claim 1") has
        # the terms of all of them; one that names them as alternatives must make sense with each.
        self.groups = {n: _alternatives(c) for n, c in self.by_num.items()}

    def parents(self, n: int) -> list[int]:
        return [p for p in self.by_num[n].depends_on if p in self.by_num and p < n]

    def broken(self, n: int) -> bool:
        """A dependency error in the claim or on its path (reported as such; its terms would be false alarms)."""
        claim = self.by_num[n]
        return (len(self.parents(n)) != len(claim.depends_on)
                or (claim.refers_to_all_preceding and not claim.depends_on)
                or any(self.broken(p) for p in self.parents(n)))

    def ancestors(self, n: int) -> list[int]:
        if n not in self._ancestors:
            out: set[int] = set()
            for p in self.parents(n):
                out.add(p)
                out.update(self.ancestors(p))
            self._ancestors[n] = sorted(out)
        return self._ancestors[n]

    def chain(self, n: int, ref: Phrase) -> tuple:
        """What claim n and the claims it depends on introduce for ref (along every path)."""
        key = (n, ref.words, ref.readings)
        if key not in self._chain:
            self._chain[key] = _add(_count(self.intros[n], ref), self.via_parents(n, ref))
        return self._chain[key]

    def via_parents(self, n: int, ref: Phrase) -> tuple:
        """What the claim's parents introduce for ref: along every alternative, from any claim of a group."""
        values = [self.via_group(group, ref) for group in self.groups[n] if any(p in self.by_num for p in group)]
        if not values:
            return (0, False, False)
        return (min(v[0] for v in values), all(v[1] for v in values), all(v[2] for v in values))

    def via_group(self, group: tuple[int, ...], ref: Phrase) -> tuple:
        values = [self.chain(p, ref) for p in group if p in self.by_num]
        return (max(v[0] for v in values), any(v[1] for v in values), any(v[2] for v in values))

    def available(self, n: int) -> list[Introduced]:
        return [it for a in self.ancestors(n) for it in self.intros[a]] + self.intros[n]

    def check_reference(self, n: int, ref: Phrase) -> AntecedentIssue | None:
        if len(ref.words) > 1 and self.action_named(n, Phrase(ref.words[:1], ref.number, ref.offset, ref.text),
                                                        participle=True):
            # "to broadcast identification information ... the broadcast identification information"
            ref = replace(ref, readings=ref.readings + (ref.words[1:],))
        own = _count(self.intros[n], ref, before=ref.offset)
        status = _classify(_add(own, self.via_parents(n, ref)), ref.number)
        if status == "ok":
            return None
        issue = AntecedentIssue(claim=n, term=ref.text, determiner=ref.determiner, offset=ref.offset,
                                kind=status, number=ref.number, ancestors=self.ancestors(n))
        if status != "missing":
            return issue
        groups = [g for g in self.groups[n] if any(p in self.by_num for p in g)]
        supported = [g for g in groups if _classify(_add(own, self.via_group(g, ref)), ref.number) == "ok"]
        if len(groups) > 1 and supported:
            issue.kind = "partial"
            issue.supported_via = sorted({p for g in supported for p in g})
            issue.missing_via = sorted({p for g in groups if g not in supported for p in g} - set(issue.supported_via))
            return issue
        earlier = [it for it in self.available(n) if it.claim != n or it.phrase.offset < ref.offset]
        issue.closest = _closest(earlier, ref)
        if issue.closest and issue.closest.phrase.joined == ref.joined and issue.closest.phrase.words != ref.words:
            issue.kind = "variant"
            return issue
        if self.is_inherent(n, ref):
            issue.kind, issue.closest = "inherent", None
            return issue
        if ref.defined_by:
            issue.kind, issue.closest, issue.defined_by = "defined", None, ref.defined_by
            return issue
        action = self.action_named(n, ref)
        if action:
            issue.kind, issue.action = "action", action
            return issue
        if ref.words[0] in _ORDINALS and len(ref.words) > 1 and self.counted(n, ref):
            issue.kind, issue.closest = "ordinal", None
            return issue
        later = [it for it in self.intros[n] if it.phrase.offset > ref.offset and matches(it.phrase, ref)]
        if later:
            issue.kind, issue.closest = "later", later[0]
        return issue

    def counted(self, n: int, ref: Phrase) -> bool:
        """Whether a group of ref's things was introduced ("two radiating arms" for "the second radiating arm")."""
        group = Phrase(ref.words[1:], "plural", ref.offset, ref.text)
        return any(it.phrase.number != "singular" and matches(it.phrase, group) for it in self.available(n)
                   if it.claim != n or it.phrase.offset < ref.offset)

    def action_named(self, n: int, ref: Phrase, participle: bool = False) -> str | None:
        """The earlier verb a nominal reference names: "the insertion" after "inserting the plug".

        With `participle`, the word is a modifier that names what an earlier step did: "broadcast" after
        "to broadcast", "detached" after "detaching" (but not "projection" after "projecting").
        """
        head = ref.words[-1]
        if participle and not (head.endswith(("ed", "en")) or head in self.actions(n, ref)):
            return None
        if not participle and not head.endswith(_NOMINAL_ENDINGS):
            # "the (partial) overlap" after "partially overlaps": the bare verb used as a noun, alone or after
            # an adjective ("the mask layer" after "layering a mask" is a thing, not the layering)
            if len(ref.words) > 2 or (len(ref.words) == 2 and not ref.words[0].endswith(_ADJECTIVE_ENDINGS)):
                return None
            stems = {word.removesuffix(ending) for word in self.actions(n, ref) for ending in ("s", "es", "ed", "ing")}
            return head if head in stems and len(head) >= 4 else None
        if len(head) < 5:
            return None
        heads = {head} | {head.removesuffix(e) for e in _NOMINAL_ENDINGS if head.endswith(e)}
        for word in self.actions(n, ref):
            verbs = {word} | {word.removesuffix(e) for e in ("ing", "ed", "es", "s", "e") if word.endswith(e)}
            if any(min(len(h), len(v)) >= 5 and (h.startswith(v) or v.startswith(h)) for h in heads for v in verbs):
                return word     # "insertion"/"inserting", "measurement"/"measuring"
        return None

    def actions(self, n: int, ref: Phrase) -> list[str]:
        """The verbs recited before ref in claim n and the claims it depends on."""
        actions = [word for a in self.ancestors(n) for word, _ in self.mentions[a].actions]
        return actions + [word for word, offset in self.mentions[n].actions if offset < ref.offset]

    def is_inherent(self, n: int, ref: Phrase) -> bool:
        """A part or property of something introduced: "the outer surface of the sphere", "the distal end"."""
        if ref.followed_by_of or " ".join(ref.words) in self.inherent:
            return True
        # A property keeps its modifiers ("the fluid pressure"); a part only positional ones ("the distal end",
        # "the upper surface", but not "the light ends" of a distillation or "the contact surface": terms).
        head = ref.words[-1]
        if head not in self.inherent:
            return False
        if head not in _PARTS or all(w in self.positional for w in ref.words[:-1]):
            return True
        # "the rotor axis", "the ball surface": the part of a thing introduced ("the axis of the rotor")
        owner = Phrase(ref.words[:-1], "either", ref.offset, ref.text)
        return any(matches(it.phrase, owner) for it in self.available(n)
                   if it.claim != n or it.phrase.offset < ref.offset)


def _alternatives(claim: Claim) -> list[tuple[int, ...]]:
    """The claim's parents as alternatives, each a group of claims read together.

    "claim 1 or 2" -> (1,), (2,); "claims 1 and 2" or two separate references ("the tape of claim 5, ... of
    claim 1") -> (1, 2); EP "Claims 1 and 9 or Claims 4 and 9" -> (1, 9), (4, 9).
    """
    earlier = [p for p in claim.depends_on if p < claim.number]
    refs = find_claim_references(claim.text)
    if len(refs) == 1 and refs[0].numbers and not refs[0].cumulative:
        span = claim.text[refs[0].start:refs[0].end]
        parts = re.split(r"\bor\b", span, flags=re.IGNORECASE)
        if len(parts) > 1 and all(re.search(r"\band\b", part, re.IGNORECASE) for part in parts):
            groups = [tuple(n for n in claim_references("claims " + part) if n in earlier) for part in parts]
            return [g for g in groups if g]
        return [(p,) for p in earlier]
    if claim.cumulative_reference or len(refs) > 1:
        return [tuple(earlier)] if earlier else []
    return [(p,) for p in earlier]


def check_antecedent_basis(claims: list[Claim]) -> list[AntecedentIssue]:
    """Every unsupported reference, once per term and claim; a warning once per term and claim set."""
    claim_set = _ClaimSet(claims)
    issues: list[AntecedentIssue] = []
    warned: dict[tuple, int] = {}       # term -> the claim where it was first a warning
    for n in sorted(claim_set.by_num):
        if claim_set.broken(n):
            # Without a valid chain every inherited term would be a false alarm.
            continue
        seen: set = set()
        for ref in claim_set.mentions[n].references:
            key = (ref.words, ref.number)
            if key in seen:
                continue
            issue = claim_set.check_reference(n, ref)
            if not issue:
                continue
            seen.add(key)
            if issue.severity == "warning" and issue.kind != "partial":
                # The same missing term in another claim is one defect with one fix: say so once.
                if ref.words in warned:
                    issue.kind, issue.first_reported = "repeated", warned[ref.words]
                else:
                    warned[ref.words] = n
            issues.append(issue)
    return issues

"""The claim-language word lists (``data/antecedent_terms.toml``) and English number for claim terms."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).with_name("data") / "antecedent_terms.toml"


@lru_cache(maxsize=1)
def word_lists() -> dict:
    with _DATA.open("rb") as fh:
        data = tomllib.load(fh)
    d = data["antecedent"]
    return {
        "register": {"tags": dict(data["register"]["tags"]), "nouns": set(data["register"]["nouns"]),
                     "postpositive": set(data["register"]["postpositive"])},
        "not_checked": _by_first_word(tuple(s.split()) for s in d["not_checked"]),
        "inherent": set(d["inherent"]),
        "positional": set(d["positional"]),
        "stop": set(d["stop_words"]),
        "leading": set(d["leading_skip"]),
        "state": set(d["state_modifiers"]),
        "containers": set(d["containers"]),
        "irregular": dict(d["irregular_plurals"]),
        "invariant": set(d["invariant"]["words"]),
        "mass": set(d["mass_nouns"]),
    }


def _by_first_word(phrases) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for words in phrases:
        index.setdefault(words[0], []).append(words)
    return index


def singularize(word: str) -> str:
    w = word.lower()
    lists = word_lists()
    if w in lists["irregular"]:
        return lists["irregular"][w]
    if w in lists["invariant"] or len(w) <= 3 or w[-1] != "s":
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


def pluralize_phrase(phrase: str) -> str:
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


def singular_phrase(phrase: str) -> str:
    parts = phrase.split()
    return " ".join(parts[:-1] + [singularize(parts[-1])])


def article(phrase: str) -> str:
    """'a' or 'an', by the sound: "a user", "a uni-directional coupling", "an outer surface"."""
    low = phrase.lower()
    return "an" if low[:1] in "aeiou" and not low.startswith(("us", "uni", "eu", "one")) else "a"

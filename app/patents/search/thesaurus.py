"""The patent thesaurus (thesaurus.toml): which words stand for the same thing, by their indexed stems."""
from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from .analysis import stem

SYNONYMS_PER_TERM = 4  # similarity adds at most this many synonyms of each key term


@cache
def _groups_by_stem() -> dict[str, tuple[str, ...]]:
    data = tomllib.loads((resources.files(__package__) / "thesaurus.toml").read_text(encoding="utf-8"))
    by_stem: dict[str, dict[str, None]] = {}
    for group in data["groups"]:
        stems = [stem(word.lower()) for word in group]
        for own in stems:
            by_stem.setdefault(own, {}).update(dict.fromkeys(s for s in stems if s != own))
    return {own: tuple(others) for own, others in by_stem.items()}


def synonym_stems(term: str) -> tuple[str, ...]:
    """The stems of the words the thesaurus groups with this stem (the stem itself left out)."""
    return _groups_by_stem().get(term, ())

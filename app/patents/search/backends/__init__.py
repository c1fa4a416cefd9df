"""Search engines behind one interface: a SearchBackend per engine, chosen per collection by configuration.

`SearchIndexes` knows where indexes live (one directory per engine and collection) and which engine
serves which collection; `open_views` opens one SearchView per engine over exactly the collections
a searcher may read, so every statistic (document counts, term frequencies, scores, key terms,
wildcard expansions) is computed from those collections alone (issue 11, item 3).
"""
from __future__ import annotations

import fnmatch
import re
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from .base import (
    Budget,
    Filters,
    Match,
    Matches,
    SearchBackend,
    SearchCancelled,
    SearchStopped,
    SearchTimeout,
    SearchView,
)

__all__ = ["Budget", "Filters", "Match", "Matches", "SearchBackend", "SearchCancelled", "SearchIndexes",
           "SearchStopped", "SearchTimeout", "SearchView", "validate_collection"]

ENGINES = ("whoosh", "tantivy")
_COLLECTION_RE = re.compile(r"^[a-z][a-z0-9_]*(?::[a-z0-9_]+)?$")


def validate_collection(collection: str) -> str:
    """`public` or `tenant:<id>`-style names only: they become directory names."""
    if not isinstance(collection, str) or not _COLLECTION_RE.match(collection):
        raise ValueError(f"invalid collection {collection!r}")
    return collection


def validate_collections(collections) -> list[str]:
    """Tenant isolation depends on an explicit, non-empty list: there is no 'all collections' value."""
    if isinstance(collections, str) or not collections or not all(
            isinstance(name, str) and name for name in collections):
        raise ValueError("collections must be a non-empty list of collection names, e.g. ['public', 'tenant:7']")
    return [validate_collection(name) for name in dict.fromkeys(collections)]


def schema_version(engine: str) -> str:
    """An engine's index format version (an index of another version is rebuilt, never read); imports that engine."""
    if engine == "tantivy":
        from .tantivy_engine import SCHEMA_VERSION
    else:
        from .whoosh_engine import SCHEMA_VERSION
    return SCHEMA_VERSION


def parse_engine_setting(text: str | None) -> dict[str, str]:
    """`public=tantivy, tenant:*=whoosh` -> {pattern: engine}; unnamed collections use Whoosh."""
    engines = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        pattern, _, engine = part.partition("=")
        engine = engine.strip().lower()
        if engine not in ENGINES or not pattern.strip():
            raise ValueError(f"SEARCH_ENGINES: expected collection=engine with engine one of {ENGINES}, got {part!r}")
        engines[pattern.strip()] = engine
    return engines


@dataclass
class SearchIndexes:
    """Where every collection's index lives and which engine serves it."""

    root: str
    engines: dict[str, str] = field(default_factory=dict)  # collection pattern -> engine name
    time_budget: float = 1.0  # seconds per search, then SearchTimeout

    def engine_for(self, collection: str) -> str:
        for pattern, engine in self.engines.items():
            if fnmatch.fnmatchcase(collection, pattern):
                return engine
        return "whoosh"

    def backend(self, engine: str) -> SearchBackend:
        if engine == "tantivy":
            from .tantivy_engine import TantivyBackend
            return TantivyBackend(self.root)
        from .whoosh_engine import WhooshBackend
        return WhooshBackend(self.root)

    def backend_for(self, collection: str) -> SearchBackend:
        return self.backend(self.engine_for(validate_collection(collection)))

    @contextmanager
    def open_views(self, collections) -> list[SearchView]:
        """One view per engine over the given collections, in the order the collections were named."""
        by_engine: dict[str, list[str]] = {}
        for collection in validate_collections(collections):
            by_engine.setdefault(self.engine_for(collection), []).append(collection)
        with ExitStack() as stack:
            yield [stack.enter_context(self.backend(engine).open(names)) for engine, names in by_engine.items()]

    def budget(self, cancelled=None) -> Budget:
        return Budget(self.time_budget, cancelled)

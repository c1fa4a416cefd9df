"""The SearchBackend protocol every engine implements, and the values that cross it.

An engine indexes engine-neutral documents (documents.document_fields) into one index per
collection, and answers the product's parsed query tree (query.py) with the product's filters. What
every engine must do alike is pinned down by tests/patents/search/test_conformance.py, which runs
once per engine. A further engine (OpenSearch/Elasticsearch, for deployments that outgrow one
machine) implements the same two classes; see README.md.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..records import PatentRecord


@dataclass(frozen=True)
class Filters:
    """Document filters: they decide what matches, never how it scores."""

    before: date | None = None  # published strictly before; undated documents never pass a cut-off
    cpc_prefix: str | None = None  # a CPC level (`H04L`), or a prefix when it contains '/' (`H04L9/08`)
    country: str | None = None
    kind: str | None = None


class SearchStopped(Exception):
    """A search ended before it finished; the message says why, for the person who asked."""


class SearchTimeout(SearchStopped):
    pass


class SearchCancelled(SearchStopped):
    pass


class Budget:
    """A search's time limit and cancellation flag, checked by the engines while they collect matches."""

    CANCEL_POLL_SECONDS = 0.1
    CHECK_EVERY = 256

    def __init__(self, seconds: float | None, cancelled: Callable[[], bool] | None = None):
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.cancelled = cancelled
        self._next_poll = 0.0
        self._steps = 0

    def tick(self) -> None:
        """One unit of work (a posting advanced, a document collected); checks the clock every CHECK_EVERY."""
        self._steps += 1
        if self._steps % self.CHECK_EVERY == 0:
            self.check()

    def check(self) -> None:
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            raise SearchTimeout(f"The search took longer than {self.seconds:g} s and was stopped. Narrow it: "
                                "fewer or longer wildcards, fewer OR terms, or more specific words.")
        if self.cancelled is not None and now >= self._next_poll:
            self._next_poll = now + self.CANCEL_POLL_SECONDS
            if self.cancelled():
                raise SearchCancelled("The search was cancelled.")


@dataclass
class Match:
    collection: str
    number: str
    score: float
    family: str
    ref: object = field(repr=False)  # the engine's own address of the document
    # filled by SearchView.load: title, abstract, claims, description, publication_date
    stored: dict = field(default_factory=dict)


@dataclass
class Matches:
    hits: list[Match]  # the best `limit`, best first (ties: index order)
    total: int  # matching documents, or families when collapsed
    exact: bool  # False: there are more than `total`
    families: set[str] | None = None  # collapsed: the family keys counted in total (to merge engines)


class SearchView(Protocol):
    """A read-only view of some collections of one engine: every statistic comes from these collections only."""

    collections: list[str]

    def doc_count(self) -> int: ...

    def doc_frequency(self, field: str, term: str) -> int: ...

    def expand(self, field: str, pattern: str, limit: int) -> list[str]:
        """Index terms of `field` matching a wildcard pattern (`*`, `?`), at most `limit`."""

    def search(self, query, filters: Filters, *, limit: int, collapse_family: bool = False,
               count_limit: int | None = None, budget: Budget | None = None) -> Matches:
        """The best `limit` matches of a resolved query tree (no Wildcard nodes) in one pass with their count.

        Counting stops being exact after `count_limit` matches (Matches.exact is then False).
        """

    def load(self, matches: list[Match]) -> None:
        """Fill `stored` of these matches (the page shown)."""


class SearchBackend(Protocol):
    """One engine: writes one index per collection and opens views over several."""

    name: str

    def add(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0) -> int:
        """Add or replace records (by number); returns how many."""

    def delete(self, collection: str, numbers: Iterable[str], *, timeout: float = 30.0) -> int: ...

    def drop(self, collection: str) -> None:
        """Remove a collection's index (e.g. when a firm leaves)."""

    def rebuild(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0) -> int:
        """Build a fresh index of the collection and switch to it atomically."""

    def open(self, collections: list[str]) -> AbstractContextManager[SearchView]: ...

    def stats(self, collection: str) -> dict:
        """{'documents': int, 'bytes': int} of a collection's live index."""

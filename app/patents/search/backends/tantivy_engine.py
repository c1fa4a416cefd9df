"""The tantivy engine (embedded, Rust): selectable per collection, e.g. `SEARCH_ENGINES=public=tantivy`.

Same terms as Whoosh by construction: text and name fields are handed to tantivy pre-tokenised by
analysis.py (same stems, same positions with stop-word gaps, same field lengths), and the product's
query tree (query.py) is compiled to tantivy queries that score as the Whoosh engine does: tantivy's
BM25 with the query-time field boosts; a phrase or proximity scores as its terms together; wildcards,
classifications and numbers at a constant score; filters score nothing. Proximity (`"a b c"~5`: any
order, the first and last at most distance + n - 2 apart) is the OR of the ordered phrases of every
permutation with slop `distance - 1` (tantivy's slop is the total of the gaps), so it is exact.

Index directories and generations are the Whoosh engine's (generations.py): `<root>/tantivy/<collection>/
CURRENT` names the live `gen-*`; a rebuild writes a new generation and switches it atomically.

Processes: this module (and so tantivy) is imported only where a collection is configured for tantivy.
Opened indexes are cached per process and dropped in a forked child (an RQ work horse never uses its
parent's handles); readers are reloaded by hand when the generation's meta.json changes, so no watcher
thread runs; a writer lives only inside one call.

Statistics (document counts, idf, average field length) are per collection index: a view over several
tantivy collections merges their matches by score, where Whoosh scores over the view as one. The large
public corpus is the case for tantivy; private collections stay on Whoosh.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import tantivy

from .. import query as ql
from ..analysis import analysed_names, analysed_terms
from ..documents import FIELD_BOOSTS, date_number, document_fields
from ..records import PatentRecord
from . import validate_collection
from .base import Budget, Filters, Match, Matches
from .generations import (
    IndexBusyError,
    current_generation,
    dir_size,
    index_dir_lock,
    new_generation_name,
    point_current_at,
    remove_other_generations,
)

SCHEMA_VERSION = "1"  # written into each generation; an index of another version is rebuilt, never read
TEXT_FIELDS = ql.TEXT_FIELDS
NAME_FIELDS = ql.NAME_FIELDS
KEYWORD_FIELDS = ("pn", "ct", "cpc", "ipc", "country", "kind")
WRITER_HEAP = 64_000_000  # bytes; tantivy flushes a segment when it is full
REBUILD_HEAP = 256_000_000
MAX_FAMILY_BUCKETS = 60_000  # tantivy refuses aggregations of more than 65,000 buckets
_NO_MATCH = tantivy.Query.empty_query()
# Wrapped: tantivy drops the score of a bare all_query() inside a boolean query with other required clauses.
_EVERY_DOCUMENT_SCORING_ONE = tantivy.Query.const_score_query(tantivy.Query.all_query(), 1.0)


def build_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("number", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="position")
    builder.add_text_field("body", tokenizer_name="raw", index_option="freq")  # similarity: no phrases
    for name in NAME_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("family", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("family_hash", fast=True)  # fast family of a hit (text fast fields are not readable)
    builder.add_unsigned_field("publication_date", stored=True, indexed=True, fast=True)  # YYYYMMDD, 0 = undated
    builder.add_unsigned_field("priority_date", stored=True)
    return builder.build()


def family_hash(family: str) -> int:
    return int.from_bytes(hashlib.blake2b(family.encode(), digest_size=8).digest(), "big")


def _tokens(positioned: list[tuple[int, str]]) -> list:
    return [tantivy.Token(term, position, 0) for position, term in positioned]


def _add_tokens(document, name: str, text: str, tokens: list) -> None:
    if tokens:
        document.add_pre_tokenized_text(name, tantivy.PreTokenizedString(text, tokens))


def tantivy_document(record: PatentRecord, collection: str):
    fields = document_fields(record, collection)
    document = tantivy.Document()
    document.add_text("number", fields["number"])
    body: list = []
    for name in TEXT_FIELDS:
        tokens = _tokens(analysed_terms(fields[name]))
        _add_tokens(document, name, fields[name], tokens)
        body += tokens
    # The four fields together, as Whoosh's `body`; it keeps no positions, so the fields' tokens serve as they are.
    _add_tokens(document, "body", "", body)
    for name in NAME_FIELDS:
        _add_tokens(document, name, fields[name], _tokens(enumerate(analysed_names(fields[name]))))
    for name in KEYWORD_FIELDS:
        values = fields[name] if isinstance(fields[name], list) else [fields[name]]
        for value in values:
            if value:
                document.add_text(name, value)
    document.add_text("family", fields["family"])
    document.add_unsigned("family_hash", family_hash(fields["family"]))
    document.add_unsigned("publication_date", fields["publication_date"])
    document.add_unsigned("priority_date", fields["priority_date"])
    return document


# Query compilation ---------------------------------------------------------------------------------


def compile_query(node, schema):
    """The product's resolved query tree as a tantivy query scoring as the Whoosh engine scores it."""
    Occur, Query = tantivy.Occur, tantivy.Query
    if isinstance(node, ql.And):
        clauses = [(Occur.MustNot, compile_query(child.child, schema)) if isinstance(child, ql.Not)
                   else (Occur.Must, compile_query(child, schema)) for child in node.children]
        negated = sum(occur == Occur.MustNot for occur, _ in clauses)
        if negated:  # Whoosh scores each NOT of an AND as a match of weight 1
            clauses.append((Occur.Must, Query.const_score_query(Query.all_query(), float(negated))))
        return Query.boolean_query(clauses)
    if isinstance(node, ql.Or):
        return Query.boolean_query([(Occur.Should, compile_query(child, schema)) for child in node.children])
    if isinstance(node, ql.Not):  # on its own (or under OR): every other document, scoring 1 as in Whoosh
        return Query.boolean_query([(Occur.Must, _EVERY_DOCUMENT_SCORING_ONE),
                                    (Occur.MustNot, compile_query(node.child, schema))])
    return _compile_leaf(node, schema)


def _compile_leaf(node, schema):
    Occur, Query = tantivy.Occur, tantivy.Query
    boost = FIELD_BOOSTS.get(node.field, 1.0)
    if isinstance(node, ql.Term):
        term = Query.term_query(schema, node.field, node.text)
        if node.field in KEYWORD_FIELDS:
            return Query.const_score_query(term, 1.0)
        return Query.boost_query(term, boost * node.boost)
    if isinstance(node, ql.Terms):
        if not node.terms:
            return _NO_MATCH
        return Query.const_score_query(Query.term_set_query(schema, node.field, list(node.terms)), boost)
    if isinstance(node, ql.Phrase):
        positions = Query.phrase_query(schema, node.field, [(offset, term) for offset, term in node.terms])
        terms = [term for _, term in node.terms]
    elif isinstance(node, ql.Near):
        slop = node.distance - 1
        positions = Query.boolean_query([
            (Occur.Should, Query.phrase_query(schema, node.field, list(order), slop))
            for order in itertools.permutations(node.terms)])
        terms = list(node.terms)
    else:
        raise TypeError(f"cannot compile {node!r} (wildcards are resolved first)")
    # Which documents: the positions; the score: the terms together, as Whoosh's positional queries score.
    scored = [(Occur.Must, Query.term_query(schema, node.field, term)) for term in terms]
    return Query.boost_query(
        Query.boolean_query([(Occur.Must, Query.const_score_query(positions, 0.0)), *scored]), boost)


def filter_query(filters: Filters, searcher, schema):
    """The filters as one query scoring nothing, or None when everything passes."""
    Query = tantivy.Query
    parts = []
    if filters.before is not None:
        parts.append(Query.range_query(schema, "publication_date", tantivy.FieldType.Unsigned, 1,
                                       date_number(filters.before), include_upper=False))
    for name, value in (("country", filters.country), ("kind", filters.kind)):
        if value:
            parts.append(Query.term_query(schema, name, value.strip().upper()))
    if filters.cpc_prefix:
        symbol = "".join(filters.cpc_prefix.split()).upper()
        if "/" in symbol:
            terms = [term for term, _ in searcher.terms_with_prefix("cpc", symbol, limit=ql.MAX_EXPANSION)]
            parts.append(Query.term_set_query(schema, "cpc", terms) if terms else _NO_MATCH)
        else:
            parts.append(Query.term_query(schema, "cpc", symbol))
    if not parts:
        return None
    return Query.const_score_query(
        Query.boolean_query([(tantivy.Occur.Must, part) for part in parts]), 0.0)


# Index directories and writing ---------------------------------------------------------------------


def collection_dir(root: str, collection: str) -> str:
    return os.path.join(root, "tantivy", validate_collection(collection).replace(":", "-"))


def _schema_is_current(path: str) -> bool:
    try:
        with open(os.path.join(path, "SCHEMA_VERSION"), encoding="ascii") as version:
            return version.read().strip() == SCHEMA_VERSION
    except FileNotFoundError:
        return False


def _new_generation(index_dir: str) -> str:
    name = new_generation_name()
    path = os.path.join(index_dir, name)
    os.makedirs(path)
    tantivy.Index(build_schema(), path=path)
    with open(os.path.join(path, "SCHEMA_VERSION"), "w", encoding="ascii") as version:
        version.write(SCHEMA_VERSION)
    return name


def open_or_create(index_dir: str) -> str:
    """The live generation's directory, creating an empty index when there is none (or only an outdated one)."""
    os.makedirs(index_dir, exist_ok=True)
    with index_dir_lock(index_dir):
        generation = current_generation(index_dir)
        if generation is None or not _schema_is_current(os.path.join(index_dir, generation)):
            generation = _new_generation(index_dir)
            point_current_at(index_dir, generation)
    return os.path.join(index_dir, generation)


def _take_writer(path: str, deadline: float, heap: int):
    while True:
        try:
            return tantivy.Index.open(path).writer(heap_size=heap, num_threads=1)
        except ValueError as busy:  # tantivy: "Failed to acquire Lockfile: LockBusy"
            if "LockBusy" not in str(busy):
                raise
            if time.monotonic() >= deadline:
                raise IndexBusyError(f"index {path} is locked by another writer") from None
            time.sleep(0.05)


@contextmanager
def _writer(index_dir: str, timeout: float, heap: int = WRITER_HEAP) -> Iterator:
    """A writer on the live generation, retried while another writer or a rebuild holds its lock.

    After taking the lock the generation is checked again: a rebuild may have switched it while we waited.
    The writer is released (its lock file freed) before this returns, also on error.
    """
    deadline = time.monotonic() + timeout
    while True:
        path = open_or_create(index_dir)
        writer = _take_writer(path, deadline, heap)
        try:
            if current_generation(index_dir) != os.path.basename(path):
                continue  # nothing written; the old generation may be gone already
            try:
                yield writer
            except BaseException:
                writer.rollback()
                raise
            writer.commit()
            return
        finally:
            writer.wait_merging_threads()


class TantivyBackend:
    name = "tantivy"

    def __init__(self, root: str):
        self.root = root

    def directory(self, collection: str) -> str:
        return collection_dir(self.root, collection)

    def add(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0) -> int:
        count = 0
        with _writer(self.directory(collection), timeout) as writer:
            for record in records:
                writer.delete_documents_by_term("number", record.number)  # re-adding a number replaces it
                writer.add_document(tantivy_document(record, collection))
                count += 1
        return count

    def delete(self, collection: str, numbers: Iterable[str], *, timeout: float = 30.0) -> int:
        numbers = list(numbers)
        with _writer(self.directory(collection), timeout) as writer:
            for number in numbers:
                writer.delete_documents_by_term("number", number)
        return len(numbers)

    def drop(self, collection: str) -> None:
        index_dir = self.directory(collection)
        if os.path.isdir(index_dir):
            with index_dir_lock(index_dir):
                fresh = _new_generation(index_dir)
                point_current_at(index_dir, fresh)
                remove_other_generations(index_dir, keep=fresh)

    def rebuild(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0) -> int:
        """Writers wait on the live generation's lock until the switch, so no update made meanwhile is lost."""
        index_dir = self.directory(collection)
        live_writer = _take_writer(open_or_create(index_dir), time.monotonic() + timeout, 15_000_000)
        try:
            with index_dir_lock(index_dir, timeout):
                generation = _new_generation(index_dir)
            writer, count = _take_writer(os.path.join(index_dir, generation), time.monotonic(), REBUILD_HEAP), 0
            try:
                for record in records:
                    writer.add_document(tantivy_document(record, collection))
                    count += 1
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            with index_dir_lock(index_dir, timeout):
                point_current_at(index_dir, generation)
        finally:
            live_writer.wait_merging_threads()  # releases the lock: waiting writers find the new generation
        with index_dir_lock(index_dir, timeout):
            remove_other_generations(index_dir, keep=current_generation(index_dir))
        return count

    def stats(self, collection: str) -> dict:
        index_dir = self.directory(collection)
        generation = current_generation(index_dir) if os.path.isdir(index_dir) else None
        if generation is None or not _schema_is_current(os.path.join(index_dir, generation)):
            return {"documents": 0, "bytes": 0}
        path = os.path.join(index_dir, generation)
        return {"documents": _OPEN.searcher(index_dir, path).num_docs, "bytes": dir_size(path)}

    @contextmanager
    def open(self, collections: list[str]):
        opened = []
        for collection in collections:
            index_dir = self.directory(collection)
            generation = current_generation(index_dir) if os.path.isdir(index_dir) else None
            if generation is not None and _schema_is_current(os.path.join(index_dir, generation)):
                opened.append((collection, _OPEN.searcher(index_dir, os.path.join(index_dir, generation))))
        yield TantivyView(list(collections), opened)


class _OpenIndexes:
    """The live generation of each index directory, opened once per process and reloaded after commits."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.indexes: dict[str, tuple[str, object, tuple]] = {}  # index dir -> (generation path, Index, stamp)

    def searcher(self, index_dir: str, path: str):
        meta = os.stat(os.path.join(path, "meta.json"))
        stamp = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        with self.lock:
            if self.pid != os.getpid():  # a forked child: the parent's handles (and their threads) are not ours
                self.indexes, self.pid = {}, os.getpid()
            known = self.indexes.get(index_dir)
            if known is None or known[0] != path:
                index = tantivy.Index.open(path)
                index.config_reader(reload_policy="manual")
                self.indexes[index_dir] = (path, index, stamp)
            elif known[2] != stamp:
                index = known[1]
                index.reload()
                self.indexes[index_dir] = (path, index, stamp)
            else:
                index = known[1]
            return index.searcher()


_OPEN = _OpenIndexes()


# Searching ----------------------------------------------------------------------------------------------


class TantivyView:
    """The collections' indexes of one search; statistics are each collection's own (see the module's docstring)."""

    def __init__(self, collections: list[str], opened: list[tuple[str, object]]):
        self.collections = collections
        self.opened = opened
        self.schema = build_schema()

    def doc_count(self) -> int:
        return sum(searcher.num_docs for _, searcher in self.opened)

    def doc_frequency(self, field: str, term: str) -> int:
        return sum(searcher.doc_freq(field, term) for _, searcher in self.opened)

    def expand(self, field: str, pattern: str, limit: int) -> list[str]:
        prefix = ql.literal_prefix(pattern)
        plain_prefix = pattern == prefix + "*"
        matches = ql.wildcard_regex(pattern).match
        found: dict[str, None] = {}
        for _, searcher in self.opened:
            for term, _frequency in searcher.terms_with_prefix(field, prefix, limit=limit if plain_prefix else None):
                if matches(term):
                    found[term] = None
        return sorted(found)[:limit]

    def search(self, query, filters: Filters, *, limit: int, collapse_family: bool = False,
               count_limit: int | None = None, budget: Budget | None = None) -> Matches:
        if not self.opened or limit < 1:
            return Matches([], 0, True, set() if collapse_family else None)
        compiled = compile_query(query, self.schema)
        found = []
        for collection, searcher in self.opened:
            restriction = filter_query(filters, searcher, self.schema)
            final = compiled if restriction is None else tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, compiled), (tantivy.Occur.Must, restriction)])
            found.append(self._collapsed(collection, searcher, final, limit, count_limit) if collapse_family
                         else self._ranked(collection, searcher, final, limit))
            if budget is not None:
                budget.check()
        return _merge(found, limit, collapse_family, count_limit)

    @staticmethod
    def _ranked(collection: str, searcher, query, limit: int) -> Matches:
        result = searcher.search(query, limit, count=True)
        hits = [Match(collection, "", score, "", address) for score, address in result.hits]
        return Matches(hits, result.count, True)

    @staticmethod
    def _collapsed(collection: str, searcher, query, limit: int, count_limit: int | None) -> Matches:
        """The best document of each family, the best `limit` families, and every matching family counted."""
        size = min(MAX_FAMILY_BUCKETS, count_limit + 1 if count_limit is not None else MAX_FAMILY_BUCKETS)
        buckets = searcher.aggregate(query, {"families": {"terms": {"field": "family", "size": size}}})
        families = {bucket["key"] for bucket in buckets["families"]["buckets"]}
        names = {family_hash(family): family for family in families}
        best: dict[str, Match] = {}
        fetch = limit * 4
        while True:  # more hits until `limit` families are seen or every hit is
            result = searcher.search(query, fetch, count=False)
            addresses = [address for _, address in result.hits]
            for (score, address), hashed in zip(result.hits, searcher.fast_field_values("family_hash", addresses)):
                family = names.get(hashed, f"#{hashed}")  # beyond the bucket limit, a family is known by its hash
                if family not in best:
                    best[family] = Match(collection, "", score, family, address)
            if len(best) >= limit or len(result.hits) < fetch:
                break
            fetch *= 4
        total, exact = len(families), len(families) < size
        if count_limit is not None and total > count_limit:
            total = count_limit
        return Matches(list(best.values())[:limit], total, exact, families | set(best))

    def load(self, matches: list[Match]) -> None:
        searchers = dict(self.opened)
        for match in matches:
            stored = searchers[match.collection].doc(match.ref).to_dict()
            values = {name: value[0] for name, value in stored.items() if value}
            match.number = values["number"]
            match.family = values.get("family", match.family)
            match.stored = {name: values.get(name, "") for name in TEXT_FIELDS} | {
                "number": values["number"], "family": match.family,
                "publication_date": values.get("publication_date", 0),
                "priority_date": values.get("priority_date", 0)}


def _merge(found: list[Matches], limit: int, collapse_family: bool, count_limit: int | None) -> Matches:
    """Several collections' matches of one view: engine.merge does this across engines."""
    from ..engine import merge

    merged = merge(found, limit, collapse_family, count_limit)
    if not collapse_family and count_limit is not None and merged.total > count_limit:
        return Matches(merged.hits, count_limit, False)
    return merged

"""The Whoosh engine (the embedded default): one index per collection, crash-safe writes, atomic rebuilds, fast reads.

Layout: `<root>/whoosh/<collection>/CURRENT` names the live generation, a sub-directory `gen-*` holding
an ordinary Whoosh index. `rebuild` writes a new generation next to it and switches `CURRENT` with an
atomic rename, so readers always open a complete index, even when a process is killed in the middle
of a commit or a rebuild. Opening an index unpickles its schema: index directories must be trusted.

Reading (what was measured in issue 16): a reader is opened once per index generation and process
and kept in a small pool (Whoosh readers are not thread-safe, so each search checks one out); the
date cut-off, country, kind and CPC filters are arrays and sets cached per segment reader; matches
are counted in the same pass that collects the best ones; only the page shown is loaded.
Scores are BM25 computed as tantivy computes them (same idf, same length quantisation, query-time
field boosts), so both engines rank alike. Whoosh's own field length is one lossy byte (11 tokens read back
as 12), so each document also keeps tantivy's exact length code of every scored field in a column (`norms`).
"""
from __future__ import annotations

import heapq
import math
import os
import threading
import time
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from whoosh import columns
from whoosh import index as whoosh_index
from whoosh import matching
from whoosh.util import make_binary_tree
from whoosh import query as wq
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import MultiReader
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .. import query as ql
from ..analysis import analysed_names, name_analyzer, term_count, text_analyzer
from ..documents import FIELD_BOOSTS, date_number, document_fields
from ..records import PatentRecord
from . import validate_collection
from .base import Budget, Filters, Match, Matches
from .generations import (  # noqa: F401  (CURRENT_FILE: the recovery tests reach it here)
    CURRENT_FILE,
    IndexBusyError,
    current_generation,
    dir_size,
    held,
    index_dir_lock,
    new_generation_name,
    point_current_at,
    remove_other_generations,
)

KEYWORD_FIELDS = ("pn", "ct", "cpc", "ipc")
SCHEMA_VERSION = "3"  # written into each generation; an index of another version is rebuilt, never read
BATCH_SIZE = 500
NORM_FIELDS = ("title", "abstract", "claims", "description", "body", "pa", "inventor")  # the scored fields


def build_schema() -> Schema:
    def text(stored: bool = True, phrase: bool = True) -> TEXT:
        return TEXT(analyzer=text_analyzer(), stored=stored, phrase=phrase)

    def names() -> TEXT:
        return TEXT(analyzer=name_analyzer(), phrase=True)

    return Schema(
        number=ID(stored=True, unique=True),
        pn=KEYWORD(lowercase=False),  # number_variants() of the number
        title=text(), abstract=text(), claims=text(), description=text(),
        body=text(stored=False, phrase=False),  # all four together: similarity search
        cpc=KEYWORD(lowercase=False),  # every level of each symbol: H, H04, H04L, H04L9, H04L9/0861
        ipc=KEYWORD(lowercase=False),
        pa=names(),  # applicants and assignees
        inventor=names(),
        ct=KEYWORD(lowercase=False),  # number_variants() of every cited patent
        country=ID(),
        kind=ID(),
        collection=STORED(),
        family=ID(stored=True, sortable=True),
        publication_date=NUMERIC(int, bits=32, stored=True, signed=False, sortable=True),  # YYYYMMDD, 0 = undated
        priority_date=STORED(),
        norms=COLUMN(columns.FixedBytesColumn(len(NORM_FIELDS))),  # tantivy's length code per NORM_FIELDS
    )


def whoosh_document(record: PatentRecord, collection: str) -> dict:
    fields = document_fields(record, collection)
    for name in KEYWORD_FIELDS:
        fields[name] = " ".join(fields[name])
    lengths = {name: term_count(fields[name]) for name in ("title", "abstract", "claims", "description")}
    lengths["body"] = sum(lengths.values())
    lengths |= {name: len(analysed_names(fields[name])) for name in ("pa", "inventor")}
    document = {name: value for name, value in fields.items() if value != ""}
    document["norms"] = bytes(fieldnorm_code(lengths[name]) for name in NORM_FIELDS)
    return document


# Scoring ----------------------------------------------------------------------------------------


def _fieldnorm_table() -> list[int]:
    """tantivy's lossy field-length code (src/fieldnorm/code.rs): exact up to 40 tokens, then coarser."""
    def decode(code: int) -> int:
        if code < 24:
            return code
        code -= 24
        bits, shift = code & 0b111, code >> 3
        return 24 + (bits if shift == 0 else (bits | 8) << (shift - 1))
    return [decode(code) for code in range(256)]


_FIELDNORMS = _fieldnorm_table()
K1, B = 1.2, 0.75


def fieldnorm_code(length: int) -> int:
    return bisect_right(_FIELDNORMS, length) - 1


def fieldnorm(length: int) -> int:
    return _FIELDNORMS[fieldnorm_code(length)]


def _below(lossy_length: int) -> int:
    """A length no longer than any Whoosh reads back as `lossy_length` (its byte rounds up): for score bounds."""
    return byte_to_length(max(length_to_byte(lossy_length) - 1, 0))


class TantivyBM25(WeightingModel):
    """BM25 as tantivy computes it, so a query ranks the same documents first on either engine."""

    def supports_block_quality(self):
        return True

    def idf(self, searcher, fieldname, text):
        documents = max(searcher.doc_count(), 1)
        frequency = searcher.doc_frequency(fieldname, text)
        return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _BM25Scorer(searcher, fieldname, text)


def _segment_norms(reader) -> bytes:
    """The `norms` column of one segment as one bytes table, kept with the (pooled) segment reader."""
    norms = getattr(reader, "_patentdesk_norms", None)
    if norms is None:
        norms = b"".join(reader.column_reader("norms")) if reader.has_column("norms") else b""
        reader._patentdesk_norms = norms
    return norms


class _BM25Scorer(WeightLengthScorer):
    """Scores with the exact length code of the `norms` column; block bounds with a length below Whoosh's."""

    def __init__(self, searcher, fieldname, text):
        parent = searcher.get_parent()  # statistics of every collection in the view
        self.idf = parent.idf(fieldname, text)
        self.average = (parent.field_length(fieldname) / max(parent.doc_count(), 1)) or 1.0
        info = searcher.term_info(fieldname, text)
        self._maxquality = self._score(info.max_weight(), fieldnorm(_below(info.min_length())))
        norms, stride, column = _segment_norms(searcher.reader()), len(NORM_FIELDS), NORM_FIELDS.index(fieldname)
        self.dfl = lambda docnum: _FIELDNORMS[norms[docnum * stride + column]]

    def block_quality(self, matcher):
        return self._score(matcher.block_max_weight(), fieldnorm(_below(matcher.block_min_length())))

    def _score(self, weight, norm):
        return self.idf * (weight * (K1 + 1)) / (weight + K1 * (1 - B + B * norm / self.average))


# Query compilation ---------------------------------------------------------------------------------


class _ConstantScore(wq.WrappingQuery):
    """Every match scores `score`; unlike Whoosh's ConstantScoreQuery it streams instead of loading every id."""

    def __init__(self, child, score: float):
        super().__init__(child)
        self.score = score

    def apply(self, fn):
        return self.__class__(fn(self.child), self.score)

    def matcher(self, searcher, context=None):
        from whoosh.searching import SearchContext
        context = (context or SearchContext()).set(weighting=None)
        child = self.child.matcher(searcher, context)
        if isinstance(child, matching.NullMatcherClass):
            return child
        return matching.ConstantScoreWrapperMatcher(child, self.score)


class _Positional(wq.Query):
    """Documents with every term, where `accept(list of position lists)` holds; scores as the terms together."""

    def __init__(self, fieldname: str, terms: list[str], accept, boost: float = 1.0):
        self.fieldname, self.terms, self.accept, self.boost = fieldname, terms, accept, boost

    def __eq__(self, other):
        return (type(other) is type(self) and (self.fieldname, self.terms, self.accept, self.boost)
                == (other.fieldname, other.terms, other.accept, other.boost))

    def __hash__(self):
        return hash((self.fieldname, tuple(self.terms), self.boost))

    def __repr__(self):
        return f"{type(self).__name__}({self.fieldname!r}, {self.terms!r})"

    def is_leaf(self):
        return True

    def field(self):
        return self.fieldname

    def estimate_size(self, ixreader):
        return min(ixreader.doc_frequency(self.fieldname, term) for term in self.terms)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if any((self.fieldname, term) not in reader for term in self.terms):
            return matching.NullMatcher()
        context = context.set(needs_current=True) if context else None
        terms = [wq.Term(self.fieldname, term).matcher(searcher, context) for term in self.terms]
        both = make_binary_tree(matching.IntersectionMatcher, terms) if len(terms) > 1 else terms[0]
        return _PositionsMatcher(both, terms, self.accept, self.boost)


class _PositionsMatcher(matching.WrappingMatcher):
    def __init__(self, child, terms, accept, boost):
        super().__init__(child, boost)
        self.terms, self.accept = terms, accept
        self._skip_rejected()

    def _skip_rejected(self):
        child = self.child
        while child.is_active() and not self.accept([term.value_as("positions") for term in self.terms]):
            child.next()

    def copy(self):
        return _PositionsMatcher(self.child.copy(), self.terms, self.accept, self.boost)

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self):
        return False

    def next(self):
        self.child.next()
        self._skip_rejected()
        return False

    def skip_to(self, target):
        self.child.skip_to(target)
        self._skip_rejected()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()


def phrase_accepts(offsets: tuple[int, ...]):
    def accept(positions: list[list[int]]) -> bool:
        starts = set(positions[0])
        for offset, found in zip(offsets[1:], positions[1:]):
            starts &= {position - offset for position in found}
            if not starts:
                return False
        return True
    return accept


def near_accepts(window: int):
    """One position per term, all within `window` of each other (the smallest window containing every term)."""
    def accept(positions: list[list[int]]) -> bool:
        merged = sorted((position, index) for index, found in enumerate(positions) for position in found)
        needed, counts, left = len(positions), {}, 0
        for position, index in merged:
            counts[index] = counts.get(index, 0) + 1
            while len(counts) == needed:
                if position - merged[left][0] <= window:
                    return True
                first = merged[left][1]
                counts[first] -= 1
                if not counts[first]:
                    del counts[first]
                left += 1
        return False
    return accept


class _Budgeted(wq.WrappingQuery):
    """A leaf whose matcher checks the search's budget as it advances: Whoosh's own loops (AND NOT, NOT,
    intersections) skip through many documents between two matches, and must stop on time too."""

    def __init__(self, child, budget: Budget):
        super().__init__(child)
        self.budget = budget

    def apply(self, fn):
        return self.__class__(fn(self.child), self.budget)

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        if isinstance(child, matching.NullMatcherClass):
            return child
        return _BudgetedMatcher(child, self.budget)


class _BudgetedMatcher(matching.WrappingMatcher):
    def __init__(self, child, budget: Budget):
        super().__init__(child)
        self.budget = budget
        self._step = budget.tick

    def copy(self):
        return _BudgetedMatcher(self.child.copy(), self.budget)

    def _replacement(self, newchild):
        return _BudgetedMatcher(newchild, self.budget)

    def next(self):
        self._step()
        return self.child.next()

    def skip_to(self, target):
        self._step()
        return self.child.skip_to(target)


def _skips_internally(node) -> bool:
    """Whether Whoosh's matchers may pass over many documents between two matches (AND, NOT, positions).

    A tree of ORs of terms yields every document it advances over, so the search loop's own budget check
    suffices there (similarity is such a tree, and the budget wrappers cost it about a third of its time).
    """
    return any(isinstance(leaf, (ql.Phrase, ql.Near)) for leaf in ql.leaves(node)) or _has_and_or_not(node)


def _has_and_or_not(node) -> bool:
    if isinstance(node, (ql.And, ql.Not)):
        return True
    return isinstance(node, ql.Or) and any(_has_and_or_not(child) for child in node.children)


def compile_query(node, budget: Budget | None = None) -> wq.Query:
    """The product's resolved query tree as a Whoosh query; with a budget, leaves check it as they advance."""
    if budget is not None and not _skips_internally(node):
        budget = None
    return _compile(node, budget)


def _compile(node, budget: Budget | None) -> wq.Query:
    if isinstance(node, ql.And):
        return wq.And([_compile(child, budget) for child in node.children])
    if isinstance(node, ql.Or):
        return wq.Or([_compile(child, budget) for child in node.children])
    if isinstance(node, ql.Not):
        return wq.Not(_compile(node.child, budget))
    leaf = _compile_leaf(node)
    return _Budgeted(leaf, budget) if budget is not None and leaf is not wq.NullQuery else leaf


def _compile_leaf(node) -> wq.Query:
    boost = FIELD_BOOSTS.get(node.field, 1.0)
    if isinstance(node, ql.Term):
        if node.field in KEYWORD_FIELDS:
            return _ConstantScore(wq.Term(node.field, node.text), 1.0)
        return wq.Term(node.field, node.text, boost=boost * node.boost)
    if isinstance(node, ql.Terms):
        if not node.terms:
            return wq.NullQuery
        return _ConstantScore(wq.Or([wq.Term(node.field, term) for term in node.terms]), boost)
    if isinstance(node, ql.Phrase):
        offsets = tuple(offset for offset, _ in node.terms)
        return _Positional(node.field, [term for _, term in node.terms], phrase_accepts(offsets), boost)
    if isinstance(node, ql.Near):
        return _Positional(node.field, list(node.terms), near_accepts(node.window), boost)
    raise TypeError(f"cannot compile {node!r} (wildcards are resolved first)")


# Index directories and writing ---------------------------------------------------------------------


def collection_dir(root: str, collection: str) -> str:
    return os.path.join(root, "whoosh", validate_collection(collection).replace(":", "-"))


def _new_generation(index_dir: str) -> str:
    name = new_generation_name()
    path = os.path.join(index_dir, name)
    os.makedirs(path)
    whoosh_index.create_in(path, build_schema())
    with open(os.path.join(path, "SCHEMA_VERSION"), "w", encoding="ascii") as version:
        version.write(SCHEMA_VERSION)
    return name


def _schema_is_current(path: str) -> bool:
    try:
        with open(os.path.join(path, "SCHEMA_VERSION"), encoding="ascii") as version:
            return version.read().strip() == SCHEMA_VERSION
    except FileNotFoundError:
        return False


def open_or_create(index_dir: str) -> whoosh_index.Index:
    """Open the live index in index_dir, creating an empty one when there is none (or only an outdated one)."""
    os.makedirs(index_dir, exist_ok=True)
    with index_dir_lock(index_dir):
        generation = current_generation(index_dir)
        if generation is None or not _schema_is_current(os.path.join(index_dir, generation)):
            generation = _new_generation(index_dir)
            point_current_at(index_dir, generation)
    return whoosh_index.open_dir(os.path.join(index_dir, generation))


@contextmanager
def _writer(index_dir: str, timeout: float) -> Iterator[SegmentWriter]:
    """A plain writer on the live generation, retried while another writer or a rebuild holds the lock.

    After taking the lock the generation is checked again: a rebuild may have switched it while we waited.
    """
    deadline = time.monotonic() + timeout
    while True:
        index = open_or_create(index_dir)
        generation = os.path.basename(index.storage.folder)
        try:
            writer = index.writer(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexBusyError(f"index {index_dir} is locked by another writer") from None
            continue
        if current_generation(index_dir) != generation:
            writer.cancel()
            continue
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root: str):
        self.root = root

    def directory(self, collection: str) -> str:
        return collection_dir(self.root, collection)

    def add(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0,
            batch_size: int = BATCH_SIZE) -> int:
        index_dir, count = self.directory(collection), 0
        for batch in _batches(records, batch_size):
            with _writer(index_dir, timeout) as writer:
                for record in batch:
                    writer.update_document(**whoosh_document(record, collection))
            count += len(batch)
        return count

    def delete(self, collection: str, numbers: Iterable[str], *, timeout: float = 30.0) -> int:
        with _writer(self.directory(collection), timeout) as writer:
            return sum(writer.delete_by_term("number", number) for number in numbers)

    def drop(self, collection: str) -> None:
        index_dir = self.directory(collection)
        if os.path.isdir(index_dir):
            with index_dir_lock(index_dir):
                point_current_at(index_dir, _new_generation(index_dir))
                remove_other_generations(index_dir, keep=current_generation(index_dir))

    def rebuild(self, collection: str, records: Iterable[PatentRecord], *, timeout: float = 30.0) -> int:
        """Writers wait on the live generation's lock until the switch, so no update made meanwhile is lost."""
        index_dir = self.directory(collection)
        os.makedirs(index_dir, exist_ok=True)
        live_writer_lock = open_or_create(index_dir).lock("WRITELOCK")
        with held(live_writer_lock, timeout, f"index {index_dir} is locked by another writer"):
            with index_dir_lock(index_dir, timeout):
                generation = _new_generation(index_dir)
            fresh = whoosh_index.open_dir(os.path.join(index_dir, generation))
            writer, count = fresh.writer(limitmb=256), 0
            try:
                for record in records:
                    writer.add_document(**whoosh_document(record, collection))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            with index_dir_lock(index_dir, timeout):
                point_current_at(index_dir, generation)
                remove_other_generations(index_dir, keep=generation)
        return count

    def stats(self, collection: str) -> dict:
        index_dir = self.directory(collection)
        generation = current_generation(index_dir) if os.path.isdir(index_dir) else None
        if generation is None:
            return {"documents": 0, "bytes": 0}
        index = whoosh_index.open_dir(os.path.join(index_dir, generation))
        return {"documents": index.doc_count(), "bytes": dir_size(os.path.join(index_dir, generation))}

    @contextmanager
    def open(self, collections: list[str]):
        leases = []
        try:
            for collection in collections:
                lease = _POOLS.checkout(self.directory(collection))
                if lease is not None:
                    leases.append((collection, lease))
            yield WhooshView(list(collections), leases)
        finally:
            for _, lease in leases:
                _POOLS.checkin(lease)


# Reader pools ---------------------------------------------------------------------------------------


class _OpenReader:
    """One opened index generation with per-segment caches (dates, families, filter sets)."""

    def __init__(self, key: tuple, reader):
        self.key = key
        self.reader = reader
        self.leaves = [leaf for leaf, _ in reader.leaf_readers()] if not reader.is_atomic() else [reader]
        self.cache: dict = {}

    def cached(self, key, build):
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]


class _ReaderPools:
    """Readers per index directory and generation, reused across searches in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.free: dict[str, list[_OpenReader]] = {}
        self.current: dict[str, tuple] = {}

    def _key(self, index_dir: str) -> tuple | None:
        generation = current_generation(index_dir)
        if generation is None:
            return None
        path = os.path.join(index_dir, generation)
        if not _schema_is_current(path):
            return None
        return path, whoosh_index.FileIndex(FileStorage(path)).latest_generation()

    def checkout(self, index_dir: str) -> _OpenReader | None:
        key = self._key(index_dir) if os.path.isdir(index_dir) else None
        if key is None:
            return None
        with self.lock:
            if self.current.get(index_dir) != key:
                for stale in self.free.pop(index_dir, []):
                    stale.reader.close()
                self.current[index_dir] = key
            free = self.free.setdefault(index_dir, [])
            if free:
                return free.pop()
        reader = whoosh_index.open_dir(key[0]).reader()
        return _OpenReader(key, reader)

    def checkin(self, lease: _OpenReader) -> None:
        index_dir = os.path.dirname(lease.key[0])
        with self.lock:
            if self.current.get(index_dir) == lease.key:
                self.free.setdefault(index_dir, []).append(lease)
                return
        lease.reader.close()


_POOLS = _ReaderPools()


# Searching ----------------------------------------------------------------------------------------------


class WhooshView:
    """A searcher over several collections' indexes at once: statistics come from exactly these indexes."""

    def __init__(self, collections: list[str], leases: list[tuple[str, _OpenReader]]):
        self.collections = collections
        self.leases = leases
        self.leaf_leases = [lease for _, lease in leases for _leaf in lease.leaves]
        leaves = [leaf for _, lease in leases for leaf in lease.leaves]
        self.reader = MultiReader(leaves) if len(leaves) != 1 else leaves[0]
        self.searcher = Searcher(self.reader, weighting=TantivyBM25(), closereader=False) if leaves else None

    def doc_count(self) -> int:
        return self.searcher.doc_count() if self.searcher else 0

    def doc_frequency(self, field: str, term: str) -> int:
        return self.searcher.doc_frequency(field, term) if self.searcher else 0

    def expand(self, field: str, pattern: str, limit: int) -> list[str]:
        if self.searcher is None:
            return []
        prefix = ql.literal_prefix(pattern)
        matches = ql.wildcard_regex(pattern).match
        found = []
        for term in self.reader.expand_prefix(field, prefix):
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if matches(text):
                found.append(text)
                if len(found) >= limit:
                    break
        return found

    def compile(self, node, budget: Budget | None = None) -> wq.Query:
        return compile_query(node, budget)

    # Filters, cached per segment --------------------------------------------------------------------

    def _leaf_filter(self, index: int, leaf, filters: Filters):
        """A predicate on segment-local document numbers, or None when everything passes."""
        lease = self.leaf_leases[index]
        checks = []
        if filters.before is not None:
            dates = lease.cached((id(leaf), "dates"), lambda: array("L", leaf.column_reader("publication_date")))
            cut = date_number(filters.before)
            checks.append(lambda docnum: 0 < dates[docnum] < cut)
        for field_name, value in (("country", filters.country), ("kind", filters.kind)):
            if value:
                wanted = value.strip().upper()
                members = lease.cached((id(leaf), field_name, wanted), lambda f=field_name, w=wanted: set(
                    leaf.postings(f, w).all_ids()) if (f, w) in leaf else set())
                checks.append(members.__contains__)
        if filters.cpc_prefix:
            symbol = "".join(filters.cpc_prefix.split()).upper()
            members = lease.cached((id(leaf), "cpc", symbol), lambda: self._cpc_members(leaf, symbol))
            checks.append(members.__contains__)
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda docnum: all(check(docnum) for check in checks)

    @staticmethod
    def _cpc_members(leaf, symbol: str) -> set[int]:
        terms = [term for term in islice(leaf.expand_prefix("cpc", symbol), ql.MAX_EXPANSION)] if "/" in symbol \
            else ([symbol.encode()] if ("cpc", symbol) in leaf else [])
        members: set[int] = set()
        for term in terms:
            members.update(leaf.postings("cpc", term).all_ids())
        return members

    def _families(self, index: int, leaf) -> list[str]:
        lease = self.leaf_leases[index]
        return lease.cached((id(leaf), "family"), lambda: list(leaf.column_reader("family", translate=True)))

    # The search itself ------------------------------------------------------------------------------

    def search(self, query, filters: Filters, *, limit: int, collapse_family: bool = False,
               count_limit: int | None = None, budget: Budget | None = None) -> Matches:
        if self.searcher is None or limit < 1:
            return Matches([], 0, True, set() if collapse_family else None)
        compiled = self.compile(query, budget)
        context = self.searcher.context(needs_current=True)
        best: list = []  # heap of (score, -global docnum)
        families: dict[str, tuple[float, int]] = {}
        total, exact = 0, True
        for index, (sub, offset) in enumerate(self.searcher.leaf_searchers()):
            leaf = sub.reader()
            allowed = self._leaf_filter(index, leaf, filters)
            family_of = self._families(index, leaf) if collapse_family else None
            matcher = compiled.matcher(sub, context)
            check_quality, replaced_at = True, None
            while matcher.is_active():
                if not exact:  # past count_limit: skip blocks that cannot reach the best `limit`, as Whoosh does
                    minimum = best[0][0]
                    if minimum != replaced_at:
                        matcher, replaced_at, check_quality = matcher.replace(minimum), minimum, True
                    if check_quality and matcher.is_active() and matcher.supports_block_quality():
                        matcher.skip_to_quality(minimum)
                    if not matcher.is_active():
                        break
                docnum = matcher.id()
                if allowed is None or allowed(docnum):
                    score = matcher.score()
                    key = (score, -(offset + docnum))
                    if family_of is not None:
                        family = family_of[docnum]
                        known = families.get(family)
                        if known is None or score > known[0]:
                            families[family] = key
                    else:
                        if exact:
                            total += 1
                        if len(best) < limit:
                            heapq.heappush(best, key)
                        elif score > best[0][0]:
                            heapq.heapreplace(best, key)
                        if exact and count_limit is not None and total > count_limit and len(best) == limit:
                            exact, total = False, count_limit
                if budget is not None:
                    budget.tick()
                check_quality = matcher.next()
            if budget is not None:
                budget.check()
        if collapse_family:
            ranked = heapq.nlargest(limit, families.items(), key=lambda item: item[1])
            total = len(families)
            if count_limit is not None and total > count_limit:
                total, exact = count_limit, False
            return Matches([self._match(-key[1], key[0], family) for family, key in ranked], total, exact,
                           set(families))
        ranked = sorted(best, reverse=True)
        return Matches([self._match(-docnum, score, None) for score, docnum in ranked], total, exact)

    def _match(self, docnum: int, score: float, family: str | None) -> Match:
        collection = self._collection_of(docnum)
        return Match(collection=collection, number="", score=score, family=family or "", ref=docnum)

    def _collection_of(self, docnum: int) -> str:
        start = 0
        for collection, lease in self.leases:
            size = lease.reader.doc_count_all()
            if docnum < start + size:
                return collection
            start += size
        return self.leases[-1][0]

    def load(self, matches: list[Match]) -> None:
        for match in matches:
            stored = self.searcher.stored_fields(match.ref)
            match.number = stored["number"]
            match.family = stored.get("family", match.family)
            match.stored = stored

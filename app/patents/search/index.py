"""The Whoosh full-text index of PatentRecords: schema, crash-safe writes and atomic rebuilds.

Layout of an index directory: `CURRENT` names the live generation, a sub-directory `gen-*`
holding an ordinary Whoosh index. `rebuild` writes a new generation next to it and switches
`CURRENT` with an atomic rename, so readers always open a complete index, even when a
process is killed in the middle of a commit or a rebuild.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import islice

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.writing import SegmentWriter

from .records import PatentRecord, number_variants

CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
PUBLIC_COLLECTION = "public"
TEXT_FIELDS = ("title", "abstract", "claims", "description")

# Index-time weights: a term in the claims or the abstract says more about the invention than
# the same term somewhere in a long description.
FIELD_BOOSTS = {"title": 2.0, "abstract": 1.5, "claims": 1.5, "description": 0.7}


class IndexBusyError(RuntimeError):
    """The index writer lock could not be taken within the timeout."""


def build_schema() -> Schema:
    def text(name: str) -> TEXT:
        return TEXT(analyzer=StemmingAnalyzer(), stored=True, phrase=True, field_boost=FIELD_BOOSTS[name])

    names = StandardAnalyzer(stoplist=None)
    return Schema(
        key=ID(unique=True),  # collection + number: the same patent may live in several collections
        number=ID(stored=True),
        pn=KEYWORD(lowercase=False),  # number_variants() of the number
        title=text("title"),
        abstract=text("abstract"),
        claims=text("claims"),  # stored one claim per line: "N. text"
        description=text("description"),
        cpc=KEYWORD(lowercase=False),  # every level of each symbol: H, H04, H04L, H04L9, H04L9/0861
        ipc=KEYWORD(lowercase=False),
        pa=TEXT(analyzer=names),  # applicants and assignees
        inventor=TEXT(analyzer=names),
        ct=KEYWORD(lowercase=False),  # number_variants() of every cited patent
        country=ID(stored=True),
        kind=ID(stored=True),
        collection=ID(stored=True),
        family=ID(stored=True, sortable=True),  # family id, or the collection+number when unknown
        publication_date=NUMERIC(int, bits=32, stored=True, signed=False),  # YYYYMMDD
        priority_date=NUMERIC(int, bits=32, stored=True, signed=False),
    )


def weighting() -> BM25F:
    return BM25F(B=0.75, K1=1.2)


def date_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def number_date(value: int | None) -> date | None:
    return date(value // 10000, value // 100 % 100, value % 100) if value else None


def classification_levels(symbol: str) -> list[str]:
    """`H04L9/0861` -> H, H04, H04L, H04L9, H04L9/0861 so that `cpc:H04L` and `cpc:H04L9*` both match."""
    symbol = symbol.replace(" ", "").upper()
    levels = [symbol[:1], symbol[:3], symbol[:4]]
    if "/" in symbol:
        levels.append(symbol.split("/", 1)[0])
    levels.append(symbol)
    return list(dict.fromkeys(level for level in levels if level))


def claims_text(record: PatentRecord) -> str:
    return "\n".join(f"{claim.number}. {claim.text}" for claim in record.claims)


def document_fields(record: PatentRecord, collection: str) -> dict:
    """The Whoosh document for a record in a collection."""
    cited = {variant for citation in record.citations if citation.number
             for variant in _safe_variants(citation.number)}
    fields = {
        "key": f"{collection}|{record.number}",
        "number": record.number,
        "pn": " ".join(_safe_variants(record.number)),
        "title": record.title,
        "abstract": record.abstract,
        "claims": claims_text(record),
        "description": record.description,
        "cpc": " ".join(sorted({level for symbol in record.cpc for level in classification_levels(symbol)})),
        "ipc": " ".join(sorted({level for symbol in record.ipc for level in classification_levels(symbol)})),
        "pa": "\n".join(record.applicants + record.assignees),
        "inventor": "\n".join(record.inventors),
        "ct": " ".join(sorted(cited)),
        "country": record.country,
        "kind": record.kind or "",
        "collection": collection,
        "family": record.family_id or f"{collection}|{record.number}",
    }
    if record.publication_date:
        fields["publication_date"] = date_number(record.publication_date)
    if record.priority_date:
        fields["priority_date"] = date_number(record.priority_date)
    return fields


def _safe_variants(number: str) -> list[str]:
    try:
        return number_variants(number)
    except ValueError:
        return [number.replace(" ", "").upper()]


def _validate_collection(collection: str) -> None:
    if not isinstance(collection, str) or not collection or "|" in collection:
        raise ValueError(f"invalid collection {collection!r}")


# Generations ------------------------------------------------------------------------------


def _current_generation(index_dir: str) -> str | None:
    try:
        with open(os.path.join(index_dir, CURRENT_FILE), encoding="ascii") as pointer:
            name = pointer.read().strip()
    except FileNotFoundError:
        return None
    return name if name.startswith(GENERATION_PREFIX) and os.path.isdir(os.path.join(index_dir, name)) else None


def _point_current_at(index_dir: str, generation: str) -> None:
    temporary = os.path.join(index_dir, f"{CURRENT_FILE}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "w", encoding="ascii") as pointer:
        pointer.write(generation)
        pointer.flush()
        os.fsync(pointer.fileno())
    os.replace(temporary, os.path.join(index_dir, CURRENT_FILE))
    directory = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _new_generation(index_dir: str) -> str:
    name = f"{GENERATION_PREFIX}{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    path = os.path.join(index_dir, name)
    os.makedirs(path)
    whoosh_index.create_in(path, build_schema())
    return name


def open_or_create(index_dir: str) -> whoosh_index.Index:
    """Open the live index in index_dir, creating an empty one when there is none."""
    os.makedirs(index_dir, exist_ok=True)
    with _index_dir_lock(index_dir):
        generation = _current_generation(index_dir)
        if generation is None:
            generation = _new_generation(index_dir)
            _point_current_at(index_dir, generation)
    return whoosh_index.open_dir(os.path.join(index_dir, generation))


@contextmanager
def _held(lock, timeout: float, busy_message: str) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            raise IndexBusyError(busy_message)
        time.sleep(0.05)
    try:
        yield
    finally:
        lock.release()


def _index_dir_lock(index_dir: str, timeout: float = 30.0):
    """Serialises creating and switching generations (not ordinary writes) across processes."""
    return _held(FileStorage(index_dir).lock("GENERATIONS"), timeout,
                 f"index directory {index_dir} is locked by another process")


# Writing ----------------------------------------------------------------------------------


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
        if _current_generation(index_dir) != generation:
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


def index_records(index_dir: str, records: Iterable[PatentRecord], collection: str, *,
                  batch_size: int = 500, timeout: float = 30.0) -> int:
    """Add or replace records in a collection, committing every batch_size records; returns the count."""
    _validate_collection(collection)
    count = 0
    for batch in _batches(records, batch_size):
        with _writer(index_dir, timeout) as writer:
            for record in batch:
                writer.update_document(**document_fields(record, collection))
        count += len(batch)
    return count


def delete_record(index_dir: str, number: str, collection: str, *, timeout: float = 30.0) -> int:
    _validate_collection(collection)
    with _writer(index_dir, timeout) as writer:
        return writer.delete_by_term("key", f"{collection}|{number}")


def delete_collection(index_dir: str, collection: str, *, timeout: float = 30.0) -> int:
    """Remove every document of a collection (e.g. when a tenant leaves); returns the count."""
    _validate_collection(collection)
    with _writer(index_dir, timeout) as writer:
        return writer.delete_by_term("collection", collection)


def rebuild(index_dir: str, records_iter: Iterable[tuple[str, PatentRecord]], *,
            batch_size: int = 500, timeout: float = 30.0) -> int:
    """Build a fresh index from (collection, record) pairs and switch to it atomically.

    Writers are held off (they wait on the live generation's lock) until the switch, so no
    update made during the rebuild is lost to the old generation. Older generations, including
    ones left by a killed rebuild, are removed afterwards.
    """
    os.makedirs(index_dir, exist_ok=True)
    live_writer_lock = open_or_create(index_dir).lock("WRITELOCK")
    with _held(live_writer_lock, timeout, f"index {index_dir} is locked by another writer"):
        with _index_dir_lock(index_dir, timeout):
            generation = _new_generation(index_dir)
        fresh = whoosh_index.open_dir(os.path.join(index_dir, generation))
        count = 0
        for batch in _batches(records_iter, batch_size):
            writer = fresh.writer()
            for collection, record in batch:
                _validate_collection(collection)
                writer.update_document(**document_fields(record, collection))
            writer.commit()
            count += len(batch)
        with _index_dir_lock(index_dir, timeout):
            _point_current_at(index_dir, generation)
            _remove_other_generations(index_dir, keep=generation)
    return count


def _remove_other_generations(index_dir: str, keep: str) -> None:
    for name in os.listdir(index_dir):
        if name.startswith(GENERATION_PREFIX) and name != keep:
            shutil.rmtree(os.path.join(index_dir, name), ignore_errors=True)
        elif name.startswith(f"{CURRENT_FILE}.") and name.endswith(".tmp"):
            os.remove(os.path.join(index_dir, name))

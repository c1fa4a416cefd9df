"""Index directories every engine shares: generations switched atomically, and the locks around them.

Layout: `<root>/<engine>/<collection>/CURRENT` names the live generation, a sub-directory `gen-*` holding
one engine index. A rebuild writes a new generation next to it and switches `CURRENT` with an atomic
rename, so readers always open a complete index, even when a process is killed in the middle of a
commit or a rebuild.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh.filedb.filestore import FileStorage

CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"


class IndexBusyError(RuntimeError):
    """The index writer lock could not be taken within the timeout."""


def current_generation(index_dir: str) -> str | None:
    try:
        with open(os.path.join(index_dir, CURRENT_FILE), encoding="ascii") as pointer:
            name = pointer.read().strip()
    except FileNotFoundError:
        return None
    return name if name.startswith(GENERATION_PREFIX) and os.path.isdir(os.path.join(index_dir, name)) else None


def point_current_at(index_dir: str, generation: str) -> None:
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


@contextmanager
def held(lock, timeout: float, busy_message: str) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            raise IndexBusyError(busy_message)
        time.sleep(0.05)
    try:
        yield
    finally:
        lock.release()


def index_dir_lock(index_dir: str, timeout: float = 30.0):
    """Serialises creating and switching generations (not ordinary writes) across processes."""
    return held(FileStorage(index_dir).lock("GENERATIONS"), timeout,
                f"index directory {index_dir} is locked by another process")


def remove_other_generations(index_dir: str, keep: str) -> None:
    for name in os.listdir(index_dir):
        if name.startswith(GENERATION_PREFIX) and name != keep:
            shutil.rmtree(os.path.join(index_dir, name), ignore_errors=True)
        elif name.startswith(f"{CURRENT_FILE}.") and name.endswith(".tmp"):
            os.remove(os.path.join(index_dir, name))


def dir_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names in os.walk(path) for name in names)


def new_generation_name() -> str:
    return f"{GENERATION_PREFIX}{time.time_ns()}-{uuid.uuid4().hex[:8]}"

"""Generated patent corpora for tests that need realistic size: words drawn with the frequencies of the real samples.

`records(n)` makes n short documents in a fraction of a second. Indexing them is what takes time
(Whoosh manages a few hundred documents a second), so `cached_corpus(engine, n)` builds an index once
and keeps it under the system's temporary directory, keyed by a hash of everything that decides its
content (this generator, the analysis, the document fields and the engine's schema): every later
test session, and the other backend's run beside it, opens the same read-only index at once.
Whoosh builds the 20,000-document corpus in about a minute, tantivy in seconds.
"""
from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import random
import re
import shutil
import tempfile
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from app.patents.search.backends import SearchIndexes
from app.patents.search.records import Citation, Claim, PatentRecord
from tests.resources import SAMPLE_PATENTS

CACHE_DIR = Path(os.environ.get("PATENTDESK_TEST_CACHE") or Path(tempfile.gettempdir()) / "patentdesk-test-cache")
_SEARCH_PACKAGE = Path(__file__).resolve().parents[3] / "app" / "patents" / "search"


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], list[int]]:
    """Words of three letters or more in the real sample patents, with cumulative frequencies."""
    counts: Counter[str] = Counter()
    for path in sorted(SAMPLE_PATENTS.glob("*.xml")):
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8", errors="replace"))
        counts.update(word.lower() for word in re.findall(r"[A-Za-z]{3,}", text))
    words = sorted(counts, key=lambda word: (-counts[word], word))
    return words, list(itertools.accumulate(counts[word] for word in words))


def records(count: int, seed: int = 7, first_number: int = 9_000_000) -> list[PatentRecord]:
    words, cumulative = vocabulary()
    rng = random.Random(seed)

    def text(length: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=length))

    companies = [f"{text(1).title()} {rng.choice(['Inc.', 'GmbH', 'Corp.', 'AG', 'Ltd.'])}" for _ in range(300)]
    start = date(1990, 1, 1)
    made = []
    for index in range(count):
        number = first_number + index
        section = "ABCDEFGH"[index % 8]
        symbol = (f"{section}{rng.randrange(1, 99):02d}{rng.choice('BCDFHKLMN')}"
                  f"{rng.randrange(1, 60)}/{rng.randrange(0, 999):02d}")
        made.append(PatentRecord(
            number=f"US{number}B2", country="US", doc_number=str(number), kind="B2",
            title=text(4), abstract=text(12), claims=[Claim(1, text(8)), Claim(2, f"The device of claim 1 {text(4)}")],
            description=text(10), cpc=[symbol], applicants=[rng.choice(companies)],
            publication_date=start + timedelta(days=rng.randrange(30 * 365)),
            family_id=f"F{index // 3}" if index % 5 == 0 else None,
            citations=[Citation(f"US{first_number + rng.randrange(max(index, 1))}B2", "examiner")],
        ))
    return made


def _content_key(engine: str, count: int) -> str:
    """What decides the index's content: this generator, analysis, document fields and the engine's schema version."""
    from app.patents.search.backends import schema_version

    digest = hashlib.sha256(f"{engine}:{count}:{schema_version(engine)}".encode())
    for path in (Path(__file__), _SEARCH_PACKAGE / "analysis.py", _SEARCH_PACKAGE / "documents.py",
                 _SEARCH_PACKAGE / "records.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


STALE_SECONDS = 24 * 3600  # a corpus nobody has used for a day is removed
ABANDONED_BUILD_SECONDS = 3600  # a build directory this old belongs to a killed run


def cached_corpus(engine: str, count: int) -> SearchIndexes:
    """A read-only index of `records(count)` in the public collection, built at most once per content.

    Corpora of another content (another branch's run, or main's, on the same machine) are left alone while
    they may be in use: removing them under a running session once made its searches see half an index.
    """
    import time

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = CACHE_DIR / f"corpus-{engine}-{count}-{_content_key(engine, count)}"
    with open(CACHE_DIR / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other backend's session waits here, then reuses the build
        now = time.time()
        for old in CACHE_DIR.iterdir():
            age = now - old.stat().st_mtime
            if old != target and ((old.name.startswith("corpus-") and age > STALE_SECONDS)
                                  or (old.name.startswith("building-") and age > ABANDONED_BUILD_SECONDS)):
                shutil.rmtree(old, ignore_errors=True)
        if not (target / "COMPLETE").exists():
            building = Path(tempfile.mkdtemp(prefix="building-", dir=CACHE_DIR))
            indexes = SearchIndexes(root=str(building), engines={"*": engine})
            indexes.backend_for("public").rebuild("public", records(count), timeout=600)
            (building / "COMPLETE").write_text("ok")
            building.rename(target)
        os.utime(target)  # in use: not stale for another day
    return SearchIndexes(root=str(target), engines={"*": engine})

"""Prior-art search benchmark: Whoosh (the product's index code) against SQLite FTS5 on the same corpus.

The corpus is built from the real sample documents in tests/data/patents (PATENTDESK_SAMPLE_DATA overrides): each
generated document takes a real record, gets a new number, and has its sentences shuffled (and mixed with
sentences of another record), so term statistics stay those of real patent text. Descriptions are
cut to DESCRIPTION_WORDS words to keep a 100,000-document run within minutes; the figure is printed.

    .venv/bin/python bench/search_bench.py [--docs N] [--seed S]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.patents.search import ImportedRecord, index_records, iter_records, search, similar  # noqa: E402
from app.patents.search.records import Claim, PatentRecord  # noqa: E402
from app.patents.search.similar import key_terms  # noqa: E402

DATA_DIR = Path(os.environ.get("PATENTDESK_SAMPLE_DATA",
                               Path(__file__).resolve().parent.parent / "tests" / "data" / "patents"))
DESCRIPTION_WORDS = 600
CLAIMS_PER_DOC = 12
_SENTENCE = re.compile(r"(?<=[.;])\s+")
_WORD = re.compile(r"[a-z]{4,}")


def load_samples() -> list[PatentRecord]:
    records = []
    for path in sorted(DATA_DIR.glob("*.xml")):
        records += [item.record for item in iter_records(path) if isinstance(item, ImportedRecord)]
    return records


def generate(samples: list[PatentRecord], count: int, rng: random.Random):
    sentence_pool = [s for r in samples for s in _SENTENCE.split(r.description) if len(s.split()) > 4]
    start = date(1995, 1, 1)
    for i in range(count):
        base = samples[i % len(samples)]
        other = samples[rng.randrange(len(samples))]
        sentences = _SENTENCE.split(base.description) + _SENTENCE.split(other.description)[:20]
        rng.shuffle(sentences)
        words, description = 0, []
        for sentence in sentences or rng.sample(sentence_pool, 30):
            description.append(sentence)
            words += len(sentence.split())
            if words >= DESCRIPTION_WORDS:
                break
        abstract = _SENTENCE.split(base.abstract)
        rng.shuffle(abstract)
        claims = base.claims[:CLAIMS_PER_DOC] or [Claim(1, rng.choice(sentence_pool))]
        yield replace(
            base, number=f"US{9000000 + i}B2", doc_number=str(9000000 + i), kind="B2",
            abstract=" ".join(abstract), description=" ".join(description),
            claims=[Claim(c.number, c.text, c.depends_on) for c in claims],
            publication_date=start + timedelta(days=rng.randrange(30 * 365)),
            family_id=f"F{i // 3}" if i % 7 == 0 else None, citations=base.citations[:10],
        )


def make_queries(samples: list[PatentRecord], rng: random.Random, n: int = 200) -> list[tuple[str, str]]:
    """(product query, FTS5 query) pairs: field, boolean, phrase and proximity queries in equal parts."""
    vocabulary = [w for r in samples for w in _WORD.findall((r.title + " " + r.abstract).lower())]
    vocabulary = [w for w in set(vocabulary) if w not in {"with", "that", "from", "which", "this", "have"}]
    vocabulary.sort()
    bigrams = []
    for r in samples:
        tokens = _WORD.findall(r.abstract.lower())
        bigrams += [(a, b) for a, b in zip(tokens, tokens[1:])]
    queries = []
    for i in range(n):
        a, b, c = rng.sample(vocabulary, 3)
        kind = i % 4
        if kind == 0:
            queries.append((f"ti:{a} OR ab:{b}", f"title:{a} OR abstract:{b}"))
        elif kind == 1:
            queries.append((f"({a} OR {b}) AND NOT {c}", f"({a} OR {b}) NOT {c}"))
        elif kind == 2:
            x, y = rng.choice(bigrams)
            queries.append((f'"{x} {y}"', f'"{x} {y}"'))
        else:
            x, y = rng.choice(bigrams)
            queries.append((f'cl:"{x} {a}"~5', f"claims:NEAR({x} {a}, 5)"))
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, items):
    times, totals = [], []
    for item in items:
        started = time.perf_counter()
        totals.append(fn(item))
        times.append((time.perf_counter() - started) * 1000)
    return times, totals


def dir_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="keep the index in this directory")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = load_samples()
    print(f"PatentDesk search benchmark  docs={args.docs}  samples={len(samples)} real documents  "
          f"description cut to {DESCRIPTION_WORDS} words, up to {CLAIMS_PER_DOC} claims  cpus={os.cpu_count()}")
    work = args.keep or tempfile.mkdtemp(prefix="search-bench-")
    index_dir = os.path.join(work, "whoosh")
    shutil.rmtree(index_dir, ignore_errors=True)
    queries = make_queries(samples, rng)
    claim_texts = [" ".join(c.text for c in r.claims[:3]) or r.abstract for r in rng.sample(samples, 50)]

    # Whoosh -------------------------------------------------------------------------------------
    started = time.perf_counter()
    indexed = index_records(index_dir, generate(samples, args.docs, random.Random(args.seed)), "public",
                            batch_size=5000, timeout=600)
    whoosh_seconds = time.perf_counter() - started
    print(f"\n[whoosh] indexed {indexed} docs in {whoosh_seconds:.1f}s = {indexed / whoosh_seconds:.0f} docs/s "
          f"(generation included); index size {dir_size(index_dir) / 2**20:.1f} MiB")
    search(index_dir, "warm", None, ["public"])  # open the index once
    times, totals = timed(lambda pair: search(index_dir, pair[0], None, ["public"], limit=20).total, queries)
    print(f"[whoosh] 200 queries (field/boolean/phrase/proximity, top 20 with snippets): "
          f"p50 {percentile(times, 50):.1f} ms  p95 {percentile(times, 95):.1f} ms  "
          f"mean hits {statistics.mean(totals):.0f}")
    cut = date(2010, 1, 1)
    times_cut, _ = timed(lambda pair: search(index_dir, pair[0], cut, ["public"], limit=20).total, queries[:50])
    print(f"[whoosh] 50 of them with a date cut-off: p50 {percentile(times_cut, 50):.1f} ms  "
          f"p95 {percentile(times_cut, 95):.1f} ms")
    sim_times, sim_totals = timed(lambda text: similar(index_dir, text, None, ["public"], limit=20).total,
                                  claim_texts)
    print(f"[whoosh] 50 similarity searches (pasted claims): p50 {percentile(sim_times, 50):.1f} ms  "
          f"p95 {percentile(sim_times, 95):.1f} ms  mean hits {statistics.mean(sim_totals):.0f}")

    # SQLite FTS5 reference --------------------------------------------------------------------
    fts_path = os.path.join(work, "fts5.sqlite3")
    if os.path.exists(fts_path):
        os.remove(fts_path)
    connection = sqlite3.connect(fts_path)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(number UNINDEXED, title, abstract, claims, "
                       "description, pubdate UNINDEXED, tokenize='porter')")
    started = time.perf_counter()
    batch = []
    for record in generate(samples, args.docs, random.Random(args.seed)):
        batch.append((record.number, record.title, record.abstract,
                      "\n".join(f"{c.number}. {c.text}" for c in record.claims), record.description,
                      record.publication_date.isoformat()))
        if len(batch) == 5000:
            connection.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch)
            batch = []
    connection.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch)
    connection.commit()
    fts_seconds = time.perf_counter() - started
    print(f"\n[fts5]   indexed {args.docs} docs in {fts_seconds:.1f}s = {args.docs / fts_seconds:.0f} docs/s "
          f"(generation included); database size {os.path.getsize(fts_path) / 2**20:.1f} MiB")

    def fts_query(match: str) -> int:
        rows = connection.execute("SELECT number, snippet(docs, -1, '<mark>', '</mark>', '…', 24) FROM docs "
                                  "WHERE docs MATCH ? ORDER BY bm25(docs, 0, 2.0, 1.5, 1.5, 0.7) LIMIT 20",
                                  (match,)).fetchall()
        total = connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        return total if rows is not None else 0

    times, totals = timed(lambda pair: fts_query(pair[1]), queries)
    print(f"[fts5]   200 queries (same, top 20 with snippet + count): p50 {percentile(times, 50):.1f} ms  "
          f"p95 {percentile(times, 95):.1f} ms  mean hits {statistics.mean(totals):.0f}")

    def fts_similar(text: str) -> int:
        terms = [t.word for t in key_terms(index_dir, text)]
        return fts_query(" OR ".join(f'"{t}"' for t in terms)) if terms else 0

    sim_times, sim_totals = timed(fts_similar, claim_texts)
    print(f"[fts5]   50 similarity searches (OR of the same key terms, bm25): p50 {percentile(sim_times, 50):.1f} ms  "
          f"p95 {percentile(sim_times, 95):.1f} ms  mean hits {statistics.mean(sim_totals):.0f}")
    connection.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

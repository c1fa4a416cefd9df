"""Prior-art search benchmark: the product's search on Whoosh and on tantivy, and SQLite FTS5 as the reference.

Same run, same corpus, same queries for every engine. The corpus is built from the real sample documents in
tests/data/patents (PATENTDESK_SAMPLE_DATA overrides): each generated document takes a real record, gets a new
number, and has its sentences shuffled (and mixed with sentences of another record), so term statistics stay those
of real patent text. Descriptions are cut to DESCRIPTION_WORDS words to keep a 100,000-document run within
minutes; the figure is printed.

Printed per engine: indexing documents/s (corpus generation included, the same for all) and index size; p50/p95
of 200 mixed field, boolean, phrase and proximity queries (top 20 with snippets and the count, exact up to 10,000
as on the search page), of 50 of them with a date cut-off, and of 50 similarity searches (pasted claims). The
product's engines run through the product's own `search()` and `similar()`; FTS5 answers the same queries with
snippet() and count(*), and similarity as an OR of the same key terms ranked by bm25.

    .venv/bin/python bench/search_bench.py [--docs N | --million] [--engines whoosh,tantivy,fts5] [--seed S]
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

from app.patents.search.backends import SearchIndexes  # noqa: E402
from app.patents.search.engine import key_terms, search, similar  # noqa: E402
from app.patents.search.importers import ImportedRecord, iter_records  # noqa: E402
from app.patents.search.records import Claim, PatentRecord  # noqa: E402

DATA_DIR = Path(os.environ.get("PATENTDESK_SAMPLE_DATA",
                               Path(__file__).resolve().parent.parent / "tests" / "data" / "patents"))
DESCRIPTION_WORDS = 600
CLAIMS_PER_DOC = 12
PUBLIC = ["public"]
CUT_OFF = date(2010, 1, 1)
COUNT_LIMIT = 10_000  # as the search page and the API: exact counts up to here, then "more than"
_SENTENCE = re.compile(r"(?<=[.;])\s+")
_WORD = re.compile(r"[a-z]{4,}")


def load_samples() -> list[PatentRecord]:
    records = []
    for path in sorted(DATA_DIR.glob("*.xml")):
        records += [item.record for item in iter_records(path) if isinstance(item, ImportedRecord)]
    return records


def generate(samples: list[PatentRecord], count: int, seed: int):
    rng = random.Random(seed)
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
    vocabulary = sorted(w for w in set(vocabulary) if w not in {"with", "that", "from", "which", "this", "have"})
    bigrams = []
    for r in samples:
        tokens = _WORD.findall(r.abstract.lower())
        bigrams += list(zip(tokens, tokens[1:]))
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
            x, _ = rng.choice(bigrams)
            queries.append((f'cl:"{x} {a}"~5', f"claims : NEAR({x} {a}, 5)"))
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, items) -> tuple[list[float], list[int]]:
    times, totals = [], []
    for item in items:
        started = time.perf_counter()
        totals.append(fn(item))
        times.append((time.perf_counter() - started) * 1000)
    return times, totals


def report(label: str, what: str, times: list[float], totals: list[int]) -> None:
    print(f"[{label:7}] {what}: p50 {percentile(times, 50):6.1f} ms  p95 {percentile(times, 95):6.1f} ms  "
          f"mean hits {statistics.mean(totals):.0f}", flush=True)


def dir_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def run_product(engine: str, work: str, samples, args, queries, claim_texts) -> SearchIndexes:
    """Index through the product's rebuild (what `flask search reindex` runs), search through search()/similar()."""
    root = os.path.join(work, engine)
    shutil.rmtree(root, ignore_errors=True)
    indexes = SearchIndexes(root=root, engines={"*": engine}, time_budget=None)
    started = time.perf_counter()
    indexed = indexes.backend_for("public").rebuild("public", generate(samples, args.docs, args.seed), timeout=600)
    seconds = time.perf_counter() - started
    print(f"\n[{engine:7}] indexed {indexed} docs in {seconds:.1f} s = {indexed / seconds:.0f} docs/s; "
          f"index size {dir_size(root) / 2**20:.1f} MiB", flush=True)
    search(indexes, "warm", None, PUBLIC)  # open the index once, as a running server has

    def query(pair, before=None):
        return search(indexes, pair[0], before, PUBLIC, limit=20, count_limit=COUNT_LIMIT).total

    report(engine, "200 queries (field/boolean/phrase/proximity, top 20, snippets, count)",
           *timed(query, queries))
    report(engine, "50 of them with a date cut-off", *timed(lambda pair: query(pair, CUT_OFF), queries[:50]))
    report(engine, "50 similarity searches (pasted claims)",
           *timed(lambda text: similar(indexes, text, None, PUBLIC, limit=20, count_limit=COUNT_LIMIT).total,
                  claim_texts))
    return indexes


def run_fts5(work: str, samples, args, queries, claim_texts, key_term_indexes: SearchIndexes) -> None:
    fts_path = os.path.join(work, "fts5.sqlite3")
    if os.path.exists(fts_path):
        os.remove(fts_path)
    connection = sqlite3.connect(fts_path)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(number UNINDEXED, title, abstract, claims, "
                       "description, pubdate UNINDEXED, tokenize='porter')")
    started = time.perf_counter()
    batch = []
    for record in generate(samples, args.docs, args.seed):
        batch.append((record.number, record.title, record.abstract,
                      "\n".join(f"{c.number}. {c.text}" for c in record.claims), record.description,
                      record.publication_date.isoformat()))
        if len(batch) == 5000:
            connection.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch)
            batch = []
    connection.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch)
    connection.commit()
    seconds = time.perf_counter() - started
    print(f"\n[fts5   ] indexed {args.docs} docs in {seconds:.1f} s = {args.docs / seconds:.0f} docs/s; "
          f"database size {os.path.getsize(fts_path) / 2**20:.1f} MiB", flush=True)

    def fts_query(match: str, before: date | None = None) -> int:
        cut = "AND pubdate < ?" if before else ""
        parameters = (match, before.isoformat()) if before else (match,)
        connection.execute(f"SELECT number, snippet(docs, -1, '<mark>', '</mark>', '…', 24) FROM docs "
                           f"WHERE docs MATCH ? {cut} ORDER BY bm25(docs, 0, 2.0, 1.5, 1.5, 0.7) LIMIT 20",
                           parameters).fetchall()
        return connection.execute(f"SELECT count(*) FROM docs WHERE docs MATCH ? {cut}", parameters).fetchone()[0]

    report("fts5", "200 queries (same, top 20 with snippet + count)", *timed(lambda pair: fts_query(pair[1]), queries))
    report("fts5", "50 of them with a date cut-off", *timed(lambda pair: fts_query(pair[1], CUT_OFF), queries[:50]))

    def fts_similar(text: str) -> int:
        terms = [term.word for term in key_terms(key_term_indexes, text, PUBLIC)]
        return fts_query(" OR ".join(f'"{term}"' for term in terms)) if terms else 0

    report("fts5", "50 similarity searches (OR of the product's key terms, bm25)", *timed(fts_similar, claim_texts))
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 documents (overrides --docs)")
    parser.add_argument("--engines", default="whoosh,tantivy,fts5",
                        help="comma-separated, in the order run; FTS5 takes its key terms from the first engine")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="build the indexes in this directory and keep them")
    args = parser.parse_args()
    if args.million:
        args.docs = 1_000_000
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    rng = random.Random(args.seed)
    samples = load_samples()
    print(f"PatentDesk search benchmark  docs={args.docs}  samples={len(samples)} real documents  "
          f"description cut to {DESCRIPTION_WORDS} words, up to {CLAIMS_PER_DOC} claims  cpus={os.cpu_count()}  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    work = args.keep or tempfile.mkdtemp(prefix="search-bench-")
    queries = make_queries(samples, rng)
    claim_texts = [" ".join(c.text for c in r.claims[:3]) or r.abstract for r in rng.sample(samples, 50)]
    product_indexes = [run_product(engine, work, samples, args, queries, claim_texts)
                       for engine in engines if engine != "fts5"]
    if "fts5" in engines:
        if not product_indexes:
            parser.error("FTS5 similarity uses the product's key terms: name a product engine too")
        run_fts5(work, samples, args, queries, claim_texts, product_indexes[0])
    print(f"\nload at the end {os.getloadavg()[0]:.1f}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

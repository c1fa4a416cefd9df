"""Search quality on known items: does the searcher's query, or a plain-words description, find the document?

bench/data/search_quality.json holds queries written by hand from the public sample documents, in other words
than theirs: for each document a keyword query in PatentDesk's language (run through `search`) and a plain
description of the invention (run through `similar`). The corpus is the real sample documents
(tests/data/patents, PATENTDESK_SAMPLE_DATA overrides) plus generated distractors, each mixing the sentences of
three different real documents (so every known item competes with documents that share its vocabulary, but
none is a near copy of it; bench/search_bench.py's generator, made for speed, copies whole documents).

Printed per query type and engine: Recall@1, Recall@10 and MRR@10 of the product, and of plain BM25 over the same
text in the same run (one Whoosh field holding title, abstract, claims and description; the query's words ORed,
operators and field names dropped).

    .venv/bin/python bench/search_quality.py [--distractors N] [--engines whoosh,tantivy] [--seed S]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import fields as wf  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh import qparser, scoring  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402

from app.patents.search.backends import SearchIndexes  # noqa: E402
from app.patents.search.engine import search, similar  # noqa: E402
from app.patents.search.records import Claim  # noqa: E402
from bench.search_bench import load_samples  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "data" / "search_quality.json"
PUBLIC = ["public"]
DEPTH = 10
_QUERY_SYNTAX = re.compile(r"\b(AND|OR|NOT)\b|[A-Za-z]+:|[\"()*?~]")


_SENTENCE = re.compile(r"(?<=[.;])\s+")


def distractors(samples, count: int, seed: int):
    """Documents mixing a third of the sentences of each of three real documents, title and claims of others."""
    rng = random.Random(seed)
    rich = [s for s in samples if s.description and s.abstract]
    for i in range(count):
        parts = rng.sample(rich, 3)
        sentences = [sentence for part in parts for sentence in _SENTENCE.split(part.description)
                     if rng.random() < 1 / 3]
        abstract = [sentence for part in parts[:2] for sentence in _SENTENCE.split(part.abstract)
                    if rng.random() < 1 / 2]
        rng.shuffle(sentences)
        rng.shuffle(abstract)
        claims = [Claim(n, claim.text) for n, claim in enumerate(
            (c for part in parts for c in part.claims[:3]), start=1)]
        yield parts[0].__class__.from_number(
            f"US{8000000 + i}B2", title=rng.choice(rich).title, abstract=" ".join(abstract),
            description=" ".join(sentences[:120]), claims=claims, publication_date=parts[0].publication_date)


def rank_of(numbers: list[str], wanted: str) -> int | None:
    return numbers.index(wanted) + 1 if wanted in numbers else None


def scores(ranks: list[int | None]) -> str:
    count = len(ranks)
    at1 = sum(1 for r in ranks if r == 1) / count
    at10 = sum(1 for r in ranks if r is not None and r <= DEPTH) / count
    mrr = sum(1 / r for r in ranks if r is not None and r <= DEPTH) / count
    return f"R@1 {at1:5.2f}  R@10 {at10:5.2f}  MRR@10 {mrr:5.3f}"


def plain_bm25(root: Path, records):
    """One field with all the text, Whoosh's stemming analyser and BM25F: the reference."""
    schema = wf.Schema(number=wf.ID(stored=True, unique=True), body=wf.TEXT(analyzer=StemmingAnalyzer()))
    root.mkdir(parents=True)
    index = whoosh_index.create_in(str(root), schema)
    writer = index.writer(limitmb=512)
    for record in records:
        body = " ".join([record.title, record.abstract, " ".join(c.text for c in record.claims), record.description])
        writer.add_document(number=record.number, body=body)
    writer.commit()
    parser = qparser.QueryParser("body", schema, group=qparser.OrGroup)

    def run(text: str) -> list[str]:
        words = _QUERY_SYNTAX.sub(" ", text)
        with index.searcher(weighting=scoring.BM25F()) as searcher:
            return [hit["number"] for hit in searcher.search(parser.parse(words), limit=DEPTH)]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    items = json.loads(QUERIES.read_text(encoding="utf-8"))["items"]
    samples = load_samples()
    records = samples + list(distractors(samples, args.distractors, args.seed))
    known = {s.number for s in samples}
    missing = [item["number"] for item in items if item["number"] not in known]
    if missing:
        sys.exit(f"known items not among the sample documents: {missing}")
    print(f"PatentDesk search quality  {len(items)} known items x 2 query types  corpus {len(records)} documents "
          f"({len(samples)} real, {args.distractors} generated distractors)")
    with tempfile.TemporaryDirectory() as work:
        reference = plain_bm25(Path(work) / "bm25", records)
        for kind in ("query", "description"):
            ranks = [rank_of(reference(item[kind]), item["number"]) for item in items]
            print(f"[bm25   ] {kind:<11}: {scores(ranks)}")
        for engine in args.engines.split(","):
            indexes = SearchIndexes(root=str(Path(work) / engine), engines={"*": engine}, time_budget=None)
            started = time.perf_counter()
            indexes.backend_for("public").rebuild("public", iter(records), timeout=600)
            print(f"[{engine:7}] indexed in {time.perf_counter() - started:.1f} s")
            runs = {"query": lambda text, indexes=indexes: search(indexes, text, None, PUBLIC, limit=DEPTH),
                    "description": lambda text, indexes=indexes: similar(indexes, text, None, PUBLIC, limit=DEPTH)}
            for kind, run in runs.items():
                ranks, misses = [], []
                for item in items:
                    rank = rank_of([hit.number for hit in run(item[kind]).hits], item["number"])
                    ranks.append(rank)
                    if rank is None:
                        misses.append(item["number"])
                print(f"[{engine:7}] {kind:<11}: {scores(ranks)}   not in the top {DEPTH}: {', '.join(misses) or '-'}")


if __name__ == "__main__":
    main()

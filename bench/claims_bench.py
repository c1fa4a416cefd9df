"""Draft-check benchmark: how long the automatic checks take on a real 30-claim set, and on the whole corpus.

Each 30-claim set is made of real granted claims (tests/data/claims/README.md), whole claim sets joined and
renumbered so that dependency chains stay intact: a typical one (the sets whose claims have the median
length) and the worst case (the longest sets: chemistry and long independent claims). The first call in a
process loads the tagger's lexicon (reported apart); the figures after it are what a user waits for. The CPU
time is printed too: on a machine shared with other work the wall-clock figures grow with the load.
Goal (issue 18): a 30-claim set in at most 300 ms.

    .venv/bin/python bench/claims_bench.py [--runs N]
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.patents.drafts import check_draft  # noqa: E402
from tests.patents.drafts.real_claims import claim_sets  # noqa: E402

CLAIMS_PER_SET = 30
_REFERENCE = re.compile(r"\bclaims?\s+\d+(?:\s*(?:-|to|or|and|,)\s*\d+)*", re.IGNORECASE)


def _shift(reference: str, offset: int) -> str:
    return re.sub(r"\d+", lambda d: str(int(d.group()) + offset), reference)


def words_per_claim(claim_set) -> float:
    return sum(len(text.split()) for _, text in claim_set.claims) / len(claim_set.claims)


def thirty_claims(worst: bool = False) -> str:
    """30 real claims, renumbered; a dependent claim keeps its parent's offset so chains stay intact."""
    sets = claim_sets()
    median = statistics.median(words_per_claim(s) for s in sets)
    key = (lambda s: -words_per_claim(s)) if worst else (lambda s: abs(words_per_claim(s) - median))
    lines: list[str] = []
    for claim_set in sorted(sets, key=key):
        offset = len(lines)
        take = claim_set.claims[:CLAIMS_PER_SET - len(lines)]
        for number, text in take:
            text = _REFERENCE.sub(lambda m, offset=offset: _shift(m.group(), offset), text)
            lines.append(f"{number + offset}. {text}")
        if len(lines) >= CLAIMS_PER_SET:
            return "\n".join(lines)
    raise SystemExit("not enough real claims")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    started = time.perf_counter()
    check_draft("1. A lamp comprising a base.")
    print(f"first call in a process (loads the tagger lexicon): {(time.perf_counter() - started) * 1000:.0f} ms")
    for label, worst in (("typical", False), ("worst case", True)):
        text = thirty_claims(worst)
        findings = len(check_draft(text)["findings"])
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            check_draft(text)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        times.sort()
        print(f"30-claim set, {label} ({len(text.split())} words, {findings} findings), {args.runs} runs: "
              f"median {statistics.median(times) * 1000:.0f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms; CPU median {statistics.median(cpu) * 1000:.0f} ms (goal: <= 300 ms)")

    sets = claim_sets()
    started = time.perf_counter()
    claims = sum(len(s.claims) for s in sets)
    for claim_set in sets:
        check_draft(claim_set.text)
    elapsed = time.perf_counter() - started
    print(f"real corpus: {len(sets)} claim sets, {claims} claims in {elapsed:.1f} s "
          f"({elapsed / len(sets) * 1000:.0f} ms per set, {claims / elapsed:.0f} claims/s)")


if __name__ == "__main__":
    main()

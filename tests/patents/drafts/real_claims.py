"""The real claim sets of the regression corpus (tests/data/claims/README.md), and their findings."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.patents.drafts import check_draft
from app.patents.search.importers import ImportedRecord, iter_records

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLES = Path(os.environ.get("PATENTDESK_SAMPLE_DATA", DATA / "patents"))
CLAIMS = DATA / "claims"


@dataclass
class ClaimSet:
    number: str             # e.g. US6837086B2
    source: str             # the file it came from
    claims: list[tuple[int, str]]

    @property
    def text(self) -> str:
        """The claims as an attorney pastes them: one numbered claim per paragraph."""
        return "\n".join(f"{n}. {text}" for n, text in self.claims)

    @property
    def is_us_grant(self) -> bool:
        return self.number.startswith("US") and self.number[-2:] in ("B1", "B2")


@dataclass
class Findings:
    warnings: list[dict] = field(default_factory=list)     # antecedent-basis warnings
    notes: list[dict] = field(default_factory=list)        # antecedent-basis notes
    dependency_errors: list[dict] = field(default_factory=list)


@lru_cache(maxsize=1)
def claim_sets() -> tuple[ClaimSet, ...]:
    """Every real claim set: US utility grants and EP documents, samples first, each number once."""
    sets: dict[str, ClaimSet] = {}
    for path in sorted(SAMPLES.glob("*.xml")):
        for item in iter_records(path):
            if isinstance(item, ImportedRecord) and item.record.claims and item.record.kind != "S1":
                r = item.record
                sets.setdefault(r.number, ClaimSet(r.number, path.name, [(c.number, c.text) for c in r.claims]))
    for path in sorted(CLAIMS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sets.setdefault(row["number"], ClaimSet(row["number"], row["source"],
                                                    [(c["number"], c["text"]) for c in row["claims"]]))
    return tuple(s for s in sets.values() if s.is_us_grant or s.number.startswith("EP"))


def findings(claim_set: ClaimSet) -> Findings:
    out = Findings()
    for f in check_draft(claim_set.text)["findings"]:
        if f["code"] == "ANTECEDENT_BASIS":
            (out.warnings if f["severity"] == "warning" else out.notes).append(f)
        elif f["code"] in ("DEPENDENCY_MISSING", "DEPENDENCY_FORWARD"):
            out.dependency_errors.append(f)
    return out

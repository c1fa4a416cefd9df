"""Real-world-style claim sets with known defects listed in *.expected.json sidecars."""
import json
from pathlib import Path

import pytest

from app.patents.drafts import check_draft

CORPUS = Path(__file__).with_name("corpus")
CASES = sorted(p.name[: -len(".claims.txt")] for p in CORPUS.glob("*.claims.txt"))


def _load(name):
    claims = (CORPUS / f"{name}.claims.txt").read_text(encoding="utf-8")
    desc = CORPUS / f"{name}.description.txt"
    expected = json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    return claims, desc.read_text(encoding="utf-8") if desc.exists() else None, expected


def test_corpus_is_big_enough():
    assert len(CASES) >= 10
    assert sum(1 for c in CASES if c.startswith("clean_")) >= 2


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name):
    claims, desc, expected = _load(name)
    fees = expected.get("fees", {})
    result = check_draft(claims, description=desc, entity=fees.get("entity", "large"),
                         as_of=fees.get("as_of", "2025-03-01"))
    want = sorted((f["code"], f["claim"] or 0, f["term"] or "") for f in expected["findings"])
    # Notes (likely-inherent parts, number mismatches) are listed when expected; others may come and go.
    got = sorted(key for f in result["findings"]
                 if (key := (f["code"], f["claim"] or 0, f["term"] or "")) in want or f["severity"] != "note")
    if expected.get("exact", True):
        assert got == want, "\n".join(f["message"] for f in result["findings"])
    else:
        assert set(want) <= set(got)
    for key, value in expected["claims"].items():
        assert result["claims"][key] == value, key
    for key, value in fees.items():
        if key != "as_of":
            assert result["fees"][key] == value, key


@pytest.mark.parametrize("name", [c for c in CASES if c.startswith("clean_")])
def test_clean_sets_have_no_errors_or_warnings(name):
    claims, desc, _ = _load(name)
    result = check_draft(claims, description=desc)
    assert [f for f in result["findings"] if f["severity"] in ("error", "warning")] == []

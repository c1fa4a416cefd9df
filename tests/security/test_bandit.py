"""ASVS 5.0 V15 (secure coding and architecture): bandit finds no high-severity issue in app/ and worker/."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_high_severity_finding():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "app", "worker", "-lll", "-f", "json", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]
            if r["issue_severity"] == "HIGH"]
    assert not high, "\n".join(high)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the code

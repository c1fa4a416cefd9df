"""A writer killed with SIGKILL mid-write must leave an index that opens, accepts writes and can be rebuilt."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.patents.search.backends.whoosh_engine import CURRENT_FILE, WhooshBackend, open_or_create
from app.patents.search.engine import search

from .conftest import make_record

REPO_ROOT = Path(__file__).resolve().parents[3]

WRITER_LOOP = textwrap.dedent("""
    import sys
    from datetime import date
    from app.patents.search.backends.whoosh_engine import WhooshBackend
    from app.patents.search.records import Claim, PatentRecord

    root, mode = sys.argv[1], sys.argv[2]
    backend = WhooshBackend(root)
    text = "inductive charging coil resonant transfer " * 400

    def records(round_number):
        for n in range(60):
            yield PatentRecord.from_number(f"US{7000000 + round_number * 100 + n}B2", title=f"Charging {n}",
                                           description=text, claims=[Claim(1, text)],
                                           publication_date=date(2010, 1, 1))

    round_number = 0
    while True:
        if mode == "rebuild":
            backend.rebuild("public", records(round_number))
        else:
            backend.add("public", records(round_number), batch_size=20)
        round_number += 1
        print("committed", flush=True)
""")


def kill_mid_write(index_dir: str, mode: str) -> None:
    process = subprocess.Popen([sys.executable, "-c", WRITER_LOOP, index_dir, mode], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip() == "committed", process.stderr.read()
        time.sleep(0.35)  # well inside the next round's writes and commits
        assert process.poll() is None, process.stderr.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


@pytest.mark.parametrize("mode", ["index", "rebuild"])
def test_killed_writer_leaves_an_index_that_opens_and_rebuild_repairs_it(tmp_path, mode):
    root = str(tmp_path / "index")
    backend = WhooshBackend(root)
    index_dir = backend.directory("public")
    backend.add("public", [make_record("EP3383757B1", "Magnetic closure")])

    kill_mid_write(root, mode)

    index = open_or_create(index_dir)
    assert index.doc_count() >= 1
    with index.searcher() as searcher:
        searcher.document(number="US7000000B2")  # readable
    assert search(root, "charging", None, ["public"]).total >= 1

    # The dead writer's lock is gone: ordinary writes work at once.
    backend.add("public", [make_record("US1111111B1", "After the crash")], timeout=5)
    assert search(root, "pn:US1111111", None, ["public"]).total == 1

    assert backend.rebuild("public", [make_record("EP3383757B1", "Magnetic closure"),
                                      make_record("US2222222B1", "Rebuilt record")]) == 2
    assert open_or_create(index_dir).doc_count() == 2
    generations = [name for name in os.listdir(index_dir) if name.startswith("gen-")]
    assert len(generations) == 1  # generations left by the killed process are cleaned up
    assert Path(index_dir, CURRENT_FILE).read_text() == generations[0]
    assert search(root, "rebuilt", None, ["public"]).total == 1
    assert search(root, "charging", None, ["public"]).total == 0

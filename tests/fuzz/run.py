"""Fuzz each target with atheris for a fixed budget: `python -m tests.fuzz.run [target] [runs]`.

Without a target, every target runs in its own process (atheris.Fuzz() exits the process when done).
A crash prints the input and exits non-zero; libFuzzer writes it to crash-<hash> in the current directory.
"""
from __future__ import annotations

import subprocess
import sys

DEFAULT_RUNS = 20000
TARGET_NAMES = ("search_query", "claims", "file_name")  # tests/fuzz/targets.py; imported only once instrumented


def fuzz_one(name: str, runs: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["app", "tests.fuzz"]):
        from tests.fuzz.targets import TARGETS
    target = TARGETS[name]

    def test_one_input(data: bytes) -> None:
        target(atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096))

    atheris.Setup([sys.argv[0], f"-runs={runs}", "-seed=1", "-max_len=4096"], test_one_input)
    atheris.Fuzz()


def main(argv: list[str]) -> int:
    if argv and argv[0] in TARGET_NAMES:
        fuzz_one(argv[0], int(argv[1]) if len(argv) > 1 else DEFAULT_RUNS)
        return 0
    runs = argv[0] if argv else str(DEFAULT_RUNS)
    failed = [name for name in TARGET_NAMES
              if subprocess.run([sys.executable, "-m", "tests.fuzz.run", name, runs]).returncode != 0]
    print("fuzz failures: " + (", ".join(failed) if failed else "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

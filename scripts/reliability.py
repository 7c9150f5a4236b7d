"""Re-run the reliability table: hostile inputs, fuzzing, hostile indexes, secrets, cache.

    python scripts/reliability.py [extra pytest args]

Runs the pinned tests with ``TORCHLINT_RELIABILITY_REPORT`` set (the tests append one JSON line
per measured row to it), then prints the table with the counts, times and memory measured on
this machine. Exit code: pytest's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = [
    "tests/test_hostile_inputs.py",
    "tests/test_fuzz_loaders.py",
    "tests/test_hostile_index.py",
    "tests/test_secrets.py",
    "tests/test_cache_robustness.py",
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="torchlint-reliability-") as d:
        report = Path(d) / "report.jsonl"
        env = dict(os.environ, TORCHLINT_RELIABILITY_REPORT=str(report))
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS, *sys.argv[1:]],
            cwd=ROOT,
            env=env,
        )
        total = time.monotonic() - start
        rows = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print()
    print("| kind | input or fault | count | outcome / measured |")
    print("|---|---|---|---|")
    fuzz_total = fuzz_time = 0.0
    for r in rows:
        if r["kind"] == "fuzz":
            fuzz_total += r["inputs"]
            fuzz_time += r["seconds"]
            print(f"| fuzz | {r['name']} (seed {r['seed']}) | {r['inputs']} | {r['seconds']} s, no escape |")
        elif r["kind"] == "input":
            extra = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("kind", "name", "inputs"))
            print(f"| input | {r['name']} | {r.get('inputs', 1)} | {extra} |")
        else:
            extra = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("kind", "name", "inputs"))
            print(f"| index | {r['name']} | {r.get('inputs', 1)} | {extra} |")
    print(f"\nfuzz: {int(fuzz_total)} generated inputs in {fuzz_time:.1f} s; whole run {total:.0f} s")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())

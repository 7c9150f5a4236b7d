"""Run ``torchlint init`` (dry run, offline) over every uv configuration of ``examples/`` and the
real corpus, and count what happens: written, refused (by reason), crashed; and, without
``--force``, whether every byte of each original file is kept.

    .venv/bin/python scripts/init_corpus.py [SPEC ...]     (default: cu128:linux,windows cpu,cu128)

A measurement for the README/issue notes, not a test (it takes a few minutes).
"""

from __future__ import annotations

import collections
import difflib
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from torchlint.errors import InputError  # noqa: E402
from torchlint.index.probe import ProbeOptions  # noqa: E402
from torchlint.init.run import InitOptions, run_init  # noqa: E402


def files() -> list[Path]:
    corpus = ROOT / "tests" / "corpus" / "real"
    entries = json.loads((corpus / "index.json").read_text())
    out = [corpus / e["file"] for e in entries if e["manager"] == "uv" and e["file"].endswith(".toml")]
    return out + sorted((ROOT / "examples").glob("*/pyproject.toml"))


def main(specs: list[str]) -> int:
    paths = files()
    print(f"{len(paths)} configurations")
    for spec in specs:
        for force in (False, True):
            counts: collections.Counter[str] = collections.Counter()
            for path in paths:
                folder = Path(tempfile.mkdtemp(prefix="init-corpus-"))
                text = path.read_text(encoding="utf-8")
                (folder / "pyproject.toml").write_text(text, encoding="utf-8")
                opts = InitOptions(
                    path=str(folder),
                    backend=spec,
                    force=force,
                    dry_run=True,
                    probe=ProbeOptions(offline=True),
                    environ={},
                )
                try:
                    result = run_init(opts)
                except InputError as e:
                    reason = str(e).split("init refused: ", 1)[-1]
                    reason = reason.split(":", 1)[0] if reason.startswith("the result") else reason[:45]
                    counts[f"refused: {reason}"] += 1
                    continue
                except Exception as e:  # a crash is what this script is for
                    counts[f"CRASH {type(e).__name__}"] += 1
                    print("CRASH", path, spec, e)
                    continue
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                ops = difflib.SequenceMatcher(None, text, result.new_text, autojunk=False).get_opcodes()
                kept = {t for t, *_ in ops} <= {"equal", "insert"}
                counts["written" + ("" if force or kept else " (BYTES CHANGED)")] += 1
            print(f"\n--backend {spec}{' --force' if force else ''}")
            for k, v in counts.most_common():
                print(f"{v:5}  {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["cu128:linux,windows", "cpu,cu128"]))

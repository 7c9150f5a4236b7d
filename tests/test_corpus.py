"""Real configurations from public repositories (tests/corpus/real, with hand-read verdicts).

Every file must run without a traceback, offline, and the codes torchlint implements must agree
with the annotations: expected codes are reported, must-not codes are not.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli
from torchlint.engine import all_rules

CORPUS = ROOT / "tests" / "corpus" / "real"
ENTRIES = json.loads((CORPUS / "index.json").read_text())
IMPLEMENTED = {r.code for r in all_rules()}


def _target_name(entry: dict) -> str:
    if entry["file"].endswith(".txt"):
        return "requirements.txt"
    if entry["manager"] == "pixi" and "pixi" in entry["file"]:
        return "pixi.toml"
    return "pyproject.toml"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_corpus_entry(entry: dict, tmp_path: Path) -> None:
    name = _target_name(entry)
    shutil.copy(CORPUS / entry["file"], tmp_path / name)
    proc = run_cli(["check", name, "--offline", "--output-format", "json"], cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), proc.stderr
    if proc.returncode == 2:
        line = proc.stderr.strip().splitlines()
        assert len(line) == 1 and line[0].startswith(name), proc.stderr
        return
    found = {d["code"] for d in json.loads(proc.stdout)}
    expected = set(entry["expected_codes"]) & IMPLEMENTED
    forbidden = set(entry["must_not_codes"]) & IMPLEMENTED
    assert expected <= found, (entry["id"], entry["reason"], sorted(found))
    assert not (forbidden & found), (entry["id"], entry["reason"], sorted(found))

"""TL004's severity follows what real uv does with extra-scoped sources and no ``conflicts``.

Two extras pinning one package to two different indexes: ``uv lock`` stops ("Requirements contain
conflicting indexes"), so the finding is an error; declaring the extras in ``conflicts`` (the
fix) locks. One extra pinned and the other left on the default routing: uv locks, but the
default-routed extra gets the pinned build (checked in the rule's docstring), so it stays a
warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import uv_exe
from tests.helpers import run_cli
from tests.uvoracle import run_lock

HEAD = """[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12,<3.13"
dependencies = []

[project.optional-dependencies]
cuda = ["torch>=2.7.0"]
cpu = ["torch>=2.7.0"]
"""
INDEXES = """
[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
"""
TWO = '\n[tool.uv.sources]\ntorch = [{ index = "pytorch-cu126", extra = "cuda" }, { index = "pytorch-cpu", extra = "cpu" }]\n'
ONE = '\n[tool.uv.sources]\ntorch = [{ index = "pytorch-cu126", extra = "cuda" }]\n'
CONFLICTS = '\n[tool.uv]\nconflicts = [[{ extra = "cuda" }, { extra = "cpu" }]]\n'


def _tl004(tmp_path: Path, text: str) -> list[dict]:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    proc = run_cli(
        ["check", "pyproject.toml", "--offline", "--output-format", "json", "--select", "TL004"], cwd=tmp_path
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [d for d in json.loads(proc.stdout) if d["code"] == "TL004"]


@pytest.mark.uv
@pytest.mark.slow
@pytest.mark.parametrize(
    ("sources", "severity", "locks"),
    [(TWO, "error", False), (ONE, "warning", True), (TWO + CONFLICTS, None, True)],
    ids=["two-indexes", "one-index", "two-indexes-with-conflicts"],
)
def test_tl004_severity_matches_uv(tmp_path: Path, sources: str, severity: str | None, locks: bool) -> None:
    if uv_exe() is None:
        pytest.skip("uv is not installed")
    text = HEAD + sources + INDEXES
    (tmp_path / "check").mkdir()
    diags = _tl004(tmp_path / "check", text)
    assert [d["severity"] for d in diags] == ([severity] if severity else [])
    outcome = run_lock(text, tmp_path / "lock")
    assert outcome.ok is locks, outcome.stderr[-1500:]
    if not locks:
        assert "conflicting indexes" in outcome.stderr

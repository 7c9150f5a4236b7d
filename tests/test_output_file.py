"""``-o FILE``: the report gets the mode a user expects (0666 minus the umask), written atomically."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import torchlint_exe

PROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1"]

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
"""


def _run(cwd: Path, umask: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*torchlint_exe(), "check", "pyproject.toml", "--offline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        umask=umask,
        env=dict(os.environ),
    )


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_report_mode_is_0666_minus_umask(tmp_path: Path, umask: int) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT, encoding="utf-8")
    proc = _run(tmp_path, umask, "--output-format", "json", "-o", "report.json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    report = tmp_path / "report.json"
    assert stat.S_IMODE(report.stat().st_mode) == 0o666 & ~umask
    assert report.read_text(encoding="utf-8").lstrip().startswith("[")
    # atomic: no temporary file left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml", "report.json"]


def test_existing_report_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT, encoding="utf-8")
    report = tmp_path / "report.txt"
    report.write_text("old\n")
    report.chmod(0o640)
    proc = _run(tmp_path, 0o022, "-o", "report.txt")
    assert proc.returncode == 1, proc.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert "TL001" in report.read_text(encoding="utf-8")

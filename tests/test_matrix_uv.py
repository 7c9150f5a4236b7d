"""``torchlint matrix`` against real uv: for every uv example, the matrix's JSON output
(``--offline``, the bundled snapshot) must say, per fork and target, what pinned ``uv lock``
locks on the local index built from the same snapshot: the version (local label included) and
the index of every package, whether a wheel installs there, and whether the lock fails.

The lock is taken once per configuration and shared with ``tests/test_uv_model.py`` (same
``xdist_group``, :func:`tests.uvoracle.lock_once`). Differences are allowed only where that test
records one (``KNOWN``), for the same reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import uv_exe
from tests.helpers import run_cli
from tests.test_uv_model import CONFIGS, EXAMPLES, KNOWN, _id
from tests.uvoracle import index_key, lock_once, picks
from torchlint.targets import PLATFORMS, Target

MATRIX_CONFIGS = [c for c in CONFIGS if c in EXAMPLES]


def matrix_json(config: Path) -> dict[str, Any]:
    proc = run_cli(["matrix", str(config), "--offline", "--output-format", "json"], cwd=config.parent)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def target_of(name: str) -> Target:
    plat_name, _, py = name.rpartition("-py")
    plat = next(p for p in PLATFORMS if p.name == plat_name)
    major, minor = (int(x) for x in py.split("."))
    return Target(plat, (major, minor))


def differences(doc: dict[str, Any], lock: dict[str, Any] | None) -> list[str]:
    """Where the matrix and the lock disagree: ``fork: target: package: matrix …, uv …``."""
    out: list[str] = []
    if lock is None:
        return out
    (project,) = doc["projects"]
    for fork in project["forks"]:
        for row in fork["rows"]:
            for name in row["targets"]:
                got = picks(lock, target_of(name), fork["extras"], fork["groups"])
                for package, cell in row["cells"].items():
                    if cell is None or cell["status"] in ("unknown", "fails"):
                        continue
                    mine = f"{cell['version']}@{index_key(cell['index_url'])}"
                    theirs = got.get(package)
                    uv = f"{theirs.version}@{theirs.index}" if theirs else "absent"
                    if mine != uv:
                        out.append(f"{fork['label']}: {name}: {package}: matrix {mine}, uv {uv}")
                    elif theirs is not None and (cell["wheels"][name] is None) != (theirs.wheel is None):
                        out.append(
                            f"{fork['label']}: {name}: {package}: matrix wheel {cell['wheels'][name]}, "
                            f"uv wheel {theirs.wheel}"
                        )
    return out


@pytest.mark.uv
@pytest.mark.slow
@pytest.mark.parametrize(
    "config", [pytest.param(c, marks=pytest.mark.xdist_group(_id(c))) for c in MATRIX_CONFIGS], ids=_id
)
def test_matrix_agrees_with_uv(config: Path, tmp_path: Path, indexserver_data_dir: Path) -> None:
    if uv_exe() is None:
        pytest.skip("uv is not installed")
    outcome = lock_once(config.read_text(), tmp_path / "project", data_dir=indexserver_data_dir)
    doc = matrix_json(config)
    (project,) = doc["projects"]
    diffs = differences(doc, outcome.lock)
    agree = project["lock_fails"] == (not outcome.ok) and not diffs
    why = KNOWN.get(_id(config))
    if why is not None:
        assert not agree, f"recorded as a difference ({why}), but uv and the matrix now agree: drop it"
        pytest.xfail(why)
    assert project["lock_fails"] == (not outcome.ok), (
        f"uv lock {'succeeded' if outcome.ok else 'failed'}, the matrix says it "
        f"{'fails' if project['lock_fails'] else 'succeeds'}\nuv: {outcome.stderr[-2000:]}"
    )
    assert not diffs, "\n".join(diffs[:20])
    cells = [c for f in project["forks"] for r in f["rows"] for c in r["cells"].values() if c is not None]
    assert cells or not project["packages"], "the matrix has packages but no cell"


def test_the_matrix_compares_every_example() -> None:
    """Only Poetry and PDM examples (which uv cannot lock) are left out."""
    left_out = {p.parent.name for p in EXAMPLES} - {p.parent.name for p in MATRIX_CONFIGS}
    for name in left_out:
        text = (Path(EXAMPLES[0]).parents[1] / name / "pyproject.toml").read_text()
        assert "[tool.poetry" in text or "[tool.pdm" in text, name

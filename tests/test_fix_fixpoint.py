"""Fixes as a fixpoint (issue 16): apply the non-overlapping fixes, check again, repeat.

The case from the issue (a misspelled index name, torchvision not routed, a non-explicit index
and a ``platform_system`` marker) ends, after one ``--fix --unsafe-fixes``, in a file real uv
locks on the local index, with no finding left that a fix could prevent, and a second ``--fix``
changes nothing. A seeded generator combines those mistakes at random: every result parses with
tomllib and with uv (``uv lock`` on the local index, for a bounded number of distinct results)
and is idempotent.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from tests.conftest import python_for_uv, uv_exe
from tests.helpers import run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ISSUE_CASE = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu12", marker = "platform_system != 'darwin'" }]

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
"""


def _fix(folder: Path, *extra: str):  # type: ignore[no-untyped-def]
    proc = run_cli(["check", "pyproject.toml", "--offline", "--fix", "--show-fixes", *extra], cwd=folder)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr + proc.stdout
    assert "Fix loop" not in proc.stdout + proc.stderr, proc.stdout
    return proc


def _fixable_left(folder: Path, unsafe: bool) -> list[str]:
    args = ["check", "pyproject.toml", "--offline", "--output-format", "json"]
    proc = run_cli([*args, *(["--unsafe-fixes"] if unsafe else [])], cwd=folder)
    diags = json.loads(proc.stdout)
    allowed = ("safe", "unsafe") if unsafe else ("safe",)
    return [
        d["code"] for d in diags if d["fix"] and d["fix"]["applicability"] in allowed and d["fix"]["edits"]
    ]


def _uv_locks(text: str, tmp: Path, data_dir: Path) -> tuple[bool, str]:
    from tests.uvoracle import run_lock

    out = run_lock(text, tmp, data_dir=data_dir)
    return out.ok, out.stderr


needs_uv = pytest.mark.skipif(
    uv_exe() is None or python_for_uv() is None, reason="uv or Python >= 3.12 missing"
)


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    from torchlint.fix.footprint import non_overlapping
    from torchlint.fix.ops import AddSource, SetValue

    src = ("tool", "uv", "sources", "torch", 0)
    marker = (SetValue(src, "marker", "sys_platform != 'darwin'"),)
    rename = (SetValue(src, "index", "pytorch-cu128"),)
    route_a = (
        AddSource("torchvision", ((("index", "x"),),)),
        SetValue(("tool", "uv", "index", 0), "explicit", True),
    )
    route_b = (AddSource("torchvision", ((("index", "x"), ("marker", "m")),)),)
    chosen, deferred = non_overlapping([rename, marker, route_a, route_b])
    # the edits of different keys of one entry go together; the new entries wait for them
    assert chosen == [0, 1] and deferred == [2, 3]
    chosen, deferred = non_overlapping([route_b, route_a])
    assert chosen == [0] and deferred == [1]  # two fixes adding torchvision entries: one per round


@pytest.mark.uv
@needs_uv
def test_issue_case_locks_after_one_fix_and_settles(tmp_path: Path, indexserver_data_dir: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(ISSUE_CASE, encoding="utf-8")
    _fix(work, "--unsafe-fixes")
    fixed = (work / "pyproject.toml").read_text(encoding="utf-8")
    data = tomllib.loads(fixed)
    sources = data["tool"]["uv"]["sources"]
    # one entry per package, each with the canonical marker spelling (TL007's), never a pair of
    # a marked and an unmarked entry for one package
    assert sources["torch"] == [{"index": "pytorch-cu128", "marker": "sys_platform != 'darwin'"}]
    assert sources["torchvision"] == sources["torch"]
    assert data["tool"]["uv"]["index"][0]["explicit"] is True
    assert _fixable_left(work, unsafe=True) == []
    ok, err = _uv_locks(fixed, tmp_path / "uv", indexserver_data_dir)
    assert ok, err
    _fix(work, "--unsafe-fixes")
    assert (work / "pyproject.toml").read_text(encoding="utf-8") == fixed


# ------------------------------------------------------------------------------ property

CASES = 12
UV_RUNS = 6


def _random_project(rng: random.Random) -> str:
    variant = rng.choice(["cu128", "cu126", "cpu"])
    name = f"pytorch-{variant}"
    used = rng.choice([name, name[:-1], name + "x"])  # correct, or misspelled (TL002)
    marker = rng.choice(
        [None, "platform_system != 'darwin'", "sys_platform == 'linux'", "sys_platform != 'darwin'"]
    )
    family = ["torch>=2.5.1"] + (["torchvision>=0.20.1"] if rng.random() < 0.7 else [])
    if rng.random() < 0.4:
        family.append("torchaudio>=2.5.1")
    route_all = rng.random() < 0.3  # route every family member (else only torch)
    explicit = rng.random() < 0.4
    entry = f'{{ index = "{used}"' + (f', marker = "{marker}"' if marker else "") + " }"
    routed = family if route_all else family[:1]
    lines = [
        "[project]",
        'name = "demo"',
        'version = "0.1.0"',
        'requires-python = ">=3.12"',
        "dependencies = [" + ", ".join(f'"{r}"' for r in family) + "]",
        "",
        "[tool.uv.sources]",
        *[f"{r.split('>')[0]} = [{entry}]" for r in routed],
        "",
        "[[tool.uv.index]]",
        f'name = "{name}"',
        f'url = "https://download.pytorch.org/whl/{variant}"',
        *(["explicit = true"] if explicit else []),
        "",
    ]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.uv
@needs_uv
def test_random_mistakes_fix_to_a_file_uv_accepts(tmp_path: Path, indexserver_data_dir: Path) -> None:
    rng = random.Random(16)
    results: dict[str, str] = {}
    for i in range(CASES):
        text = _random_project(rng)
        work = tmp_path / f"case{i}"
        work.mkdir()
        (work / "pyproject.toml").write_text(text, encoding="utf-8")
        _fix(work, "--unsafe-fixes")
        fixed = (work / "pyproject.toml").read_text(encoding="utf-8")
        tomllib.loads(fixed)  # parses
        _fix(work, "--unsafe-fixes")  # idempotent
        assert (work / "pyproject.toml").read_text(encoding="utf-8") == fixed, (text, fixed)
        results.setdefault(fixed, text)
    assert len(results) >= 4  # the generator really varies the input
    for n, (fixed, text) in enumerate(sorted(results.items())[:UV_RUNS]):
        ok, err = _uv_locks(fixed, tmp_path / f"uv{n}", indexserver_data_dir)
        assert ok, f"input:\n{text}\nfixed:\n{fixed}\nuv:\n{err[-1500:]}"

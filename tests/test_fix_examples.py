"""Issue #5: `torchlint check --fix --unsafe-fixes` on each bad example under examples/ leaves a file
that torchlint passes (for every finding that had a fix), that keeps every comment, that a second
`--fix` leaves alone, whose change `--diff` showed beforehand, and that uv locks.

Each example is fixed in a copy with comment lines added (before every table header, and at the
top and the end), so that "every comment is kept" is tested on comments in every position.
Findings without a fix may remain; the ones that remain are pinned in the example's
``expected.json`` under ``after_fix`` (errors and warnings, like ``expect``); findings without a
fix that a fix made disappear (a pin found once torch is routed) under ``fixed_by_others``. An
example whose fixed project cannot be checked live or locked on the local index gives the reason
under ``fixed_live_skip`` / ``uv_lock_skip``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, python_for_uv, uv_exe
from tests.helpers import run_cli
from tests.test_examples import CONFIG_NAMES, PUBLIC, _world_for
from torchlint.fix.apply import unified_diff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "expected.json").is_file())


def _expected(example: Path) -> dict[str, Any]:
    return dict(json.loads((example / "expected.json").read_text()))


def _config(example: Path) -> str:
    return next(n for n in CONFIG_NAMES if (example / n).is_file())


def _one_line_value(line: str) -> bool:
    try:
        return bool(tomllib.loads(line)) and "#" not in line
    except tomllib.TOMLDecodeError:
        return False


def _with_comments(text: str) -> str:
    """*text* with a comment line before each header, at the top and the end, and a comment
    after every one-line ``key = value``."""
    out = ["# torchlint example, with comments the fix must keep"]
    for i, line in enumerate(text.splitlines()):
        if line.startswith("["):
            out.append(f"# comment {i} before {line}")
            out.append(line)
        elif _one_line_value(line):
            out.append(f"{line}  # on line {i}")
        else:
            out.append(line)
    out.append("# the end")
    new = "\n".join(out) + "\n"
    assert tomllib.loads(new) == tomllib.loads(text)
    return new


_COMMENT = re.compile(r"#[^\n]*")


def _comments(text: str) -> list[str]:
    """The comments of *text*, in order, as single comments (`# a  # b` counts as two)."""
    out = []
    for line in text.splitlines():
        code, hash_, rest = line.partition("#")
        if hash_ and code.count('"') % 2 == 0:
            out.extend("#" + c.strip() for c in rest.split("#"))
    return out


def _check(cwd: Path, *extra: str) -> list[dict[str, Any]]:
    proc = run_cli(["check", ".", "--offline", "--output-format", "json", *extra], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return list(json.loads(proc.stdout or "[]"))


def _loud(diags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diags if d["severity"] in ("error", "warning")]


def _key(d: dict[str, Any]) -> tuple[str, str]:
    return (str(d["code"]), str(d["severity"]))


def _fixable(diags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in _loud(diags) if d["fix"] is not None and d["fix"]["applicability"] != "display-only"]


def _copy(example: Path, tmp: Path) -> tuple[Path, str]:
    work = tmp / example.name
    shutil.copytree(example, work)
    name = _config(example)
    text = (example / name).read_text()
    text = _with_comments(text) if name.endswith(".toml") else f"# a comment\n{text}# the end\n"
    (work / name).write_text(text)
    (work / "expected.json").unlink()
    return work, name


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_fix_example(example: Path, tmp_path: Path) -> None:
    expected = _expected(example)
    work, name = _copy(example, tmp_path)
    path = work / name
    original = path.read_text()
    before = _check(work)
    fixable = _fixable(before)
    if not fixable:
        assert "after_fix" not in expected, "no finding has a fix, so nothing is fixed"
        proc = run_cli(["check", ".", "--offline", "--diff", "--unsafe-fixes"], cwd=work)
        assert (proc.returncode in (0, 1), proc.stdout) == (True, ""), proc.stderr
        return
    assert "after_fix" in expected, f"{example.name}: pin the findings left after --fix in expected.json"

    # (d) --diff shows the change, and writes nothing
    shown = run_cli(["check", ".", "--offline", "--diff", "--unsafe-fixes"], cwd=work)
    assert shown.returncode == 1, shown.stderr
    assert path.read_text() == original

    proc = run_cli(["check", ".", "--offline", "--fix", "--unsafe-fixes"], cwd=work)
    assert "Not fixed" not in proc.stdout, proc.stdout
    assert f"Fixed {len(fixable)} finding(s)" in proc.stdout, proc.stdout
    fixed = path.read_text()
    assert fixed != original
    assert shown.stdout == unified_diff(original, fixed, name)

    # (b) every comment is still there, in the same order
    assert _comments(fixed) == _comments(original)

    # (a) what had a fix is gone; what remains is exactly what expected.json pins
    after = _check(work)
    assert not _fixable(after), [(d["code"], d["message"]) for d in _fixable(after)]
    remaining = sorted(_key(d) for d in _loud(after))
    assert remaining == sorted((e["code"], e["severity"]) for e in expected["after_fix"]), "\n".join(
        f"{d['code']} {d['severity']} {d['message']}" for d in _loud(after)
    )
    unfixable_before = sorted(_key(d) for d in _loud(before) if d not in fixable)
    fixed_codes = {d["code"] for d in fixable}
    gone = [k for k in unfixable_before if k not in remaining]
    # a finding without a fix disappears only when a fix removed its cause: it is recorded
    assert sorted(gone) == sorted(tuple(g) for g in expected.get("fixed_by_others", [])), (gone, fixed_codes)

    # (c) idempotent: a second --fix changes nothing, and --diff is empty
    again = run_cli(["check", ".", "--offline", "--fix", "--unsafe-fixes"], cwd=work)
    assert path.read_text() == fixed, again.stdout
    empty = run_cli(["check", ".", "--offline", "--diff", "--unsafe-fixes"], cwd=work)
    assert empty.stdout == "", empty.stdout


_URL = re.compile(r"https://download\.pytorch\.org")
LOCKABLE = [e for e in EXAMPLES if "after_fix" in _expected(e)]


@pytest.mark.uv
@pytest.mark.parametrize("example", LOCKABLE, ids=lambda p: p.name)
def test_fixed_example_locks_and_checks_live(example: Path, tmp_path: Path, index_server_factory) -> None:  # type: ignore[no-untyped-def]
    """(e) uv locks the fixed project against the local index serving the snapshot's facts; and,
    live against the same server, `--fix` writes what it wrote offline and the check of the fixed
    project reports what it reported offline."""
    expected = _expected(example)
    work, name = _copy(example, tmp_path)
    run_cli(["check", ".", "--offline", "--fix", "--unsafe-fixes"], cwd=work)
    fixed = (work / name).read_text()
    offline = sorted(_key(d) for d in _loud(_check(work)))

    world_dir = tmp_path / "world"
    world_dir.mkdir()
    (world_dir / name).write_text(fixed + (example / name).read_text())
    server = index_server_factory(_world_for(world_dir), missing_status=403, json=False)
    mirror = ["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")]
    if not expected.get("live_skip"):  # fixing live writes what fixing offline wrote
        live_work, _ = _copy(example, tmp_path / "live")
        proc = run_cli(["check", ".", "--fix", "--unsafe-fixes", *mirror], cwd=live_work)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert (live_work / name).read_text() == fixed, proc.stdout
    if not expected.get("fixed_live_skip"):
        proc = run_cli(["check", ".", "--output-format", "json", *mirror], cwd=work)
        assert proc.returncode in (0, 1), proc.stderr
        live = list(json.loads(proc.stdout or "[]"))
        assert sorted(_key(d) for d in _loud(live)) == offline
        assert all("snapshot" not in d["basis"] for d in live)

    if name != "pyproject.toml":
        pytest.skip(f"{name}: not a uv project")
    if expected.get("uv_lock_skip"):
        pytest.skip(expected["uv_lock_skip"])
    uv, py = uv_exe(), python_for_uv()
    if uv is None or py is None:
        pytest.skip("uv or a Python >= 3.12 is not available")
    (work / name).write_text(_URL.sub(server.url, fixed))
    env = dict(os.environ)
    env.update(
        UV_DEFAULT_INDEX=server.index_url("/simple"),
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_PYTHON=py,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(tmp_path),
    )
    lock = subprocess.run([uv, "lock"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert lock.returncode == 0, lock.stderr
    assert 'name = "torch"' in (work / "uv.lock").read_text()

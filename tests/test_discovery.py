"""Finding configurations (issue 15): upward with no path, recursively below a directory (each
workspace once), standard input, and files torchlint does not understand."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT, torchlint_exe
from tests.helpers import run_cli
from tests.workspace_cases import CASES

BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()


def _json(proc: subprocess.CompletedProcess[str]) -> list[dict]:  # type: ignore[type-arg]
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else []


def _put(base: Path, rel: str, text: str) -> None:
    p = base / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def test_no_path_finds_the_nearest_pyproject_upward(tmp_path: Path) -> None:
    _put(tmp_path, "pyproject.toml", BROKEN)
    deep = tmp_path / "src" / "pkg" / "sub"
    deep.mkdir(parents=True)
    proc = run_cli(["check", "--offline", "--output-format", "json"], cwd=deep)
    diags = _json(proc)
    assert proc.returncode == 1 and {d["code"] for d in diags if d["severity"] == "error"} == {"TL201"}
    assert Path(deep, diags[0]["filename"]).resolve() == (tmp_path / "pyproject.toml").resolve()


def test_directory_is_searched_recursively_skipping_environments_and_ignored(tmp_path: Path) -> None:
    for rel in (
        "a/pyproject.toml",
        "deep/er/pyproject.toml",
        ".venv/lib/pyproject.toml",
        "node_modules/x/pyproject.toml",
        "build/pyproject.toml",
        "env2/lib/pyproject.toml",
        "generated/pyproject.toml",
        "keep/generated/pyproject.toml",
    ):
        _put(tmp_path, rel, BROKEN)
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("# generated code\n/generated/\n")
    proc = run_cli(["check", ".", "--offline", "--output-format", "json"], cwd=tmp_path)
    files = {os.path.normpath(d["filename"]) for d in _json(proc) if d["code"] == "TL201"}
    assert files == {"a/pyproject.toml", "deep/er/pyproject.toml", "keep/generated/pyproject.toml"}


def test_a_monorepo_folder_checks_each_workspace_once(tmp_path: Path) -> None:
    for rel, text in CASES["root-routes-member-declares"].items():
        _put(tmp_path / "ws", rel, text)
    _put(tmp_path, "other/pyproject.toml", BROKEN)
    proc = run_cli(["check", ".", "--offline", "--output-format", "json"], cwd=tmp_path)
    tl201 = [d for d in _json(proc) if d["code"] == "TL201"]
    assert sorted(os.path.normpath(d["filename"]) for d in tl201) == [
        "other/pyproject.toml",
        "ws/pyproject.toml",
    ]


def test_standard_input_with_stdin_filename(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *torchlint_exe(),
            "check",
            "-",
            "--stdin-filename",
            "svc/pyproject.toml",
            "--offline",
            "--output-format",
            "json",
        ],
        input=BROKEN,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    diags = _json(proc)
    assert proc.returncode == 1
    assert {d["filename"] for d in diags} == {"svc/pyproject.toml"}
    assert "TL201" in {d["code"] for d in diags}
    assert not list(tmp_path.iterdir())  # nothing written beside the user's files


def test_explicit_toml_torchlint_does_not_understand_is_exit_2(tmp_path: Path) -> None:
    _put(tmp_path, "settings.toml", 'title = "x"\n[owner]\nname = "a"\n')
    proc = run_cli(["check", "settings.toml", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("settings.toml:1:1: not a configuration"), proc.stderr
    assert "All checks passed" not in proc.stdout + proc.stderr


def test_known_file_with_nothing_to_check_says_so(tmp_path: Path) -> None:
    _put(tmp_path, "pyproject.toml", '[build-system]\nrequires = ["hatchling"]\n')
    _put(tmp_path, "web/pyproject.toml", '[project]\nname = "web"\nversion = "1"\ndependencies = ["flask"]\n')
    for cwd in (tmp_path, tmp_path / "web"):
        proc = run_cli(["check", "--offline"], cwd=cwd)
        assert proc.returncode == 0
        assert "pyproject.toml: nothing to check" in proc.stderr + proc.stdout
    proc = run_cli(["check", "--offline"], cwd=_torch_project(tmp_path / "t"))
    assert "nothing to check" not in proc.stderr + proc.stdout


def _torch_project(folder: Path) -> Path:
    _put(folder, "pyproject.toml", '[project]\nname = "t"\nversion = "1"\ndependencies = ["torch>=2.5"]\n')
    return folder


def test_uv_toml_alone_is_read_as_settings(tmp_path: Path) -> None:
    _put(
        tmp_path,
        "uv.toml",
        '[[index]]\nname = "cpu"\nurl = "https://download.pytorch.org/whl/cpu"\nexplicit = true\n',
    )
    proc = run_cli(["check", "uv.toml", "--offline", "--output-format", "json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [d for d in _json(proc) if d["severity"] == "error"] == []

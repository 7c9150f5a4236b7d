"""The pre-commit manifest: its fields, the README snippet, and a real ``pre-commit try-repo`` run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

#: The environment before conftest's isolation (pre-commit needs the package index to build its venv).
_ORIGINAL_ENV = dict(os.environ)

FILES_RE = r"(^|/)(pyproject\.toml|uv\.toml)$"

BROKEN = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch==2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
"""
FIXED = BROKEN + "explicit = true\n"


def _hooks() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return {h["id"]: h for h in data}


def test_manifest_fields() -> None:
    hooks = _hooks()
    assert list(hooks) == ["torchlint", "torchlint-online"]
    main, online = hooks["torchlint"], hooks["torchlint-online"]
    for hook in (main, online):
        assert hook["language"] == "python"
        assert hook["files"] == FILES_RE
        assert hook["require_serial"] is True
        assert hook["minimum_pre_commit_version"] == "3.2.0"
        assert isinstance(hook["name"], str) and hook["name"]
    assert main["entry"] == "torchlint check --offline"
    assert "stages" not in main
    assert online["stages"] == ["manual"]
    assert "--no-offline" in str(online["entry"]).split()


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("pyproject.toml", True),
        ("services/api/pyproject.toml", True),
        ("uv.toml", True),
        ("sub/uv.toml", True),
        ("pyproject_toml", False),
        ("mypyproject.toml", False),
        ("pyproject.toml.bak", False),
    ],
)
def test_files_pattern(path: str, matches: bool) -> None:
    assert bool(re.search(FILES_RE, path)) is matches


def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    loaded = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in loaded] == ["torchlint", "torchlint-online"]


def test_readme_pre_commit_snippet() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## pre-commit", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```yaml\n(.*?)^```", section, flags=re.S | re.M)
    config = yaml.safe_load(block)
    (repo,) = config["repos"]
    assert [h["id"] for h in repo["hooks"]] == list(_hooks())
    assert config["ci"]["skip"] == ["torchlint-online"]
    from cfgv import validate
    from pre_commit.clientlib import CONFIG_SCHEMA

    validate(config, CONFIG_SCHEMA)


def test_ci_example_workflow_parses() -> None:
    wf = yaml.safe_load((ROOT / "examples" / "ci" / "torchlint.yml").read_text(encoding="utf-8"))
    steps = wf["jobs"]["torchlint"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any(r.startswith("pip install ") for r in runs)
    assert "torchlint check --output-format github" in runs


# --------------------------------------------------------------------------- real pre-commit


_SKIP = {
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


def _git(args: list[str], cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _repo_copy(dest: Path) -> Path:
    """The working tree as a fresh one-commit git repo (try-repo clones HEAD; this is the tree under test)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in _SKIP or n.endswith((".egg-info", ".pyc")) or n == ".hypothesis"}

    shutil.copytree(ROOT, dest, ignore=ignore)
    _git(["init", "-q"], dest)
    _git(["add", "-A"], dest)
    _git(["commit", "-q", "-m", "snapshot"], dest)
    return dest


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    hooks_repo = _repo_copy(tmp_path / "torchlint-repo")
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    _git(["init", "-q"], work)
    _git(["add", "pyproject.toml"], work)
    env = {k: v for k, v in _ORIGINAL_ENV.items() if not k.startswith(("TORCHLINT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        TORCHLINT_CACHE_DIR=str(tmp_path / "tlcache"),
        NO_COLOR="1",
    )
    cmd = [
        sys.executable,
        "-m",
        "pre_commit",
        "try-repo",
        str(hooks_repo),
        "torchlint",
        "--files",
        "pyproject.toml",
    ]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)

    proc = run()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "torchlint" in proc.stdout and "Failed" in proc.stdout
    assert "pyproject.toml:10:1: TL001 [warning] PyTorch index `pytorch-cpu` is not explicit" in proc.stdout
    (work / "pyproject.toml").write_text(FIXED, encoding="utf-8")
    _git(["add", "pyproject.toml"], work)
    proc = run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"torchlint\.+Passed", proc.stdout), proc.stdout

"""The managers' own documentation examples (issue 15): a valid, current file is never an error.

``tests/docs_examples/<name>/`` holds pixi, Poetry 2 and PDM manifests taken from those projects'
documentation (each file names its source and commit, and says what was adapted);
``uv-settings-examples.json`` holds the example of every uv option, in the ``uv.toml`` form the
settings reference shows. Each is checked offline: no TL000 (invalid value), no unknown key, no
error; the warnings a file does get are listed here with the fact behind them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli
from torchlint.check import CheckOptions, run_check

EXAMPLES = ROOT / "tests" / "docs_examples"
DIRS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())

#: Warnings the documentation's files really deserve: the CUDA 11.8 index has no macOS or
#: Linux aarch64 torch wheels, so `poetry install` fails there (the example is Linux/Windows only).
EXPECTED_WARNINGS = {
    "poetry2-dynamic-deps": {"TL101"},
    "poetry2-project-enriched": {"TL101"},
}


@pytest.mark.parametrize("folder", DIRS, ids=lambda p: p.name)
def test_documentation_manifest_is_not_an_error(folder: Path) -> None:
    proc = run_cli(["check", "--offline", "--output-format", "json"], cwd=folder)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    diags: list[dict[str, Any]] = json.loads(proc.stdout) if proc.stdout.strip() else []
    assert [d for d in diags if d["severity"] == "error"] == [], diags
    assert {d["code"] for d in diags} == EXPECTED_WARNINGS.get(folder.name, set()), diags
    assert proc.returncode == (1 if folder.name in EXPECTED_WARNINGS else 0)


@pytest.mark.parametrize("folder", DIRS, ids=lambda p: p.name)
def test_documentation_manifest_is_read(folder: Path) -> None:
    """The loader really sees the torch requirement and its index (not an empty pass)."""
    from torchlint.project.detect import load_any

    (path,) = [p for p in folder.iterdir() if p.suffix == ".toml"]
    project = load_any(str(path))
    assert project.problems == [], project.problems
    if "torch" in path.read_text():
        assert project.requirements_named("torch"), project.requirements
        assert any("pytorch" in i.url for i in project.indexes), project.indexes


def test_pixi_feature_platforms_narrow_its_requirements() -> None:
    """`[feature.gpu] platforms = ["linux-64-cuda-12-0"]`: the CUDA torch is Linux x86_64 only."""
    from torchlint.project.detect import load_any

    project = load_any(str(EXAMPLES / "pixi-platform-tables" / "pixi.toml"))
    (torch,) = project.requirements_named("torch")
    assert str(torch.marker) == 'sys_platform == "linux" and platform_machine == "x86_64"'


UV_SETTINGS = json.loads((EXAMPLES / "uv-settings-examples.json").read_text())["examples"]
PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.12"\ndependencies = []\n'


def _pyproject_form(uv_toml: str) -> str:
    """The same option under [tool.uv] (as the reference's pyproject.toml tab shows it)."""
    lines = []
    for line in uv_toml.splitlines():
        if line.startswith("[["):
            line = "[[tool.uv." + line[2:]
        elif line.startswith("["):
            line = "[tool.uv." + line[1:]
        lines.append(line)
    head = [] if lines and lines[0].startswith("[") else ["[tool.uv]"]
    return PYPROJECT + "\n" + "\n".join([*head, *lines]) + "\n"


@pytest.mark.parametrize("form", ["uv.toml", "pyproject.toml"])
def test_every_uv_option_example_is_known(form: str, tmp_path: Path) -> None:
    assert len(UV_SETTINGS) > 100
    unknown: list[str] = []
    for key, example in UV_SETTINGS.items():
        folder = tmp_path / key.replace(".", "_")
        folder.mkdir()
        if form == "uv.toml":
            (folder / "pyproject.toml").write_text(PYPROJECT)
            (folder / "uv.toml").write_text(example)
        else:
            (folder / "pyproject.toml").write_text(_pyproject_form(example))
        result = run_check(
            [str(folder / "pyproject.toml")], CheckOptions(config_only=True, codes=["TL000", "TL006"])
        )
        for d in result.diagnostics:
            if d.code == "TL000" or "is not a key uv knows" in d.message:
                unknown.append(f"{key}: {d.code} {d.message}")
    assert unknown == []

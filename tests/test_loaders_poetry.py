"""Poetry loader: sources, priorities, constraints, markers, positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_project
from torchlint.project.detect import load_any
from torchlint.project.poetry import convert_constraint, python_marker

PO = """\
[tool.poetry]
name = "demo"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
torch = [
  { version = "^2.6.0", source = "pytorch-cpu", platform = "darwin" },
  { version = "^2.6.0", source = "pytorch-cu", markers = "sys_platform == 'linux'" },
]
numpy = "~1.26"
wheel = { url = "https://download.pytorch.org/whl/cu116/torch-1.12.1%2Bcu116-cp310-cp310-win_amd64.whl" }

[tool.poetry.group.dev.dependencies]
pytest = ">=8 <9"

[[tool.poetry.source]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
priority = "explicit"

[[tool.poetry.source]]
name = "pytorch-cu"
url = "https://download.pytorch.org/whl/cu126"
priority = "supplemental"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example/simple"
"""


def test_poetry_model(tmp_path: Path) -> None:
    p = load_any(str(write_project(tmp_path, PO)))
    assert p.manager == "poetry" and p.problems == []
    assert str(p.requires_python) == "<4.0,>=3.10"
    cpu, cu, mirror = p.indexes
    assert (cpu.name, cpu.explicit, cpu.default, cpu.declared_in) == (
        "pytorch-cpu",
        True,
        False,
        "[[tool.poetry.source]]",
    )
    assert (cu.explicit, cu.default) == (False, False)  # supplemental
    assert mirror.default  # the only primary source replaces PyPI
    assert cpu.location is not None and (cpu.location.row, cpu.location.column) == (17, 1)
    assert cpu.url_location is not None and (cpu.url_location.row, cpu.url_location.column) == (19, 7)
    torch = p.requirements_named("torch")
    assert [str(r.requirement) for r in torch] == [
        'torch<3.0.0,>=2.6.0; sys_platform == "darwin"',
        'torch<3.0.0,>=2.6.0; sys_platform == "linux"',
    ]
    assert torch[0].native_constraint == "^2.6.0"
    assert [(e.index, e.marker_raw, e.location.row if e.location else 0) for e in p.sources["torch"]] == [
        ("pytorch-cpu", "sys_platform == 'darwin'", 8),
        ("pytorch-cu", "sys_platform == 'linux'", 9),
    ]
    assert str(p.requirements_named("numpy")[0].specifier) == "<1.27,>=1.26"
    (wheel,) = p.requirements_named("wheel")
    assert wheel.requirement.url and wheel.requirement.url.endswith("win_amd64.whl")
    assert p.sources["wheel"][0].kind == "url"
    (pt,) = p.requirements_named("pytest")
    assert pt.scope.label() == "group `dev`" and str(pt.specifier) == "<9,>=8"


def test_legacy_secondary_and_two_primaries(tmp_path: Path) -> None:
    text = PO.replace('priority = "explicit"', "secondary = true").replace(
        'priority = "supplemental"', 'priority = "primary"'
    )
    p = load_any(str(write_project(tmp_path, text)))
    cpu, cu, mirror = p.indexes
    assert not cpu.explicit and not cpu.default
    assert cu.default and not mirror.default
    assert p.uv.index_strategy is not None and p.uv.index_strategy.value == "unsafe-best-match"


def test_poetry2_project_with_overrides(tmp_path: Path) -> None:
    text = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch>=2.6"]

[tool.poetry.dependencies]
torch = { source = "pytorch" }

[[tool.poetry.source]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cpu"
priority = "explicit"
"""
    p = load_any(str(write_project(tmp_path, text)))
    assert [r.raw for r in p.requirements] == ["torch>=2.6"]
    assert p.sources["torch"][0].index == "pytorch"
    assert str(p.requires_python) == ">=3.11"


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^2.0.0+cu118", ">=2.0.0,<3.0.0"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("1.2.3", "==1.2.3"),
        ("2.0.0+cu118", "==2.0.0+cu118"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        (">=1.0,<2.0", ">=1.0,<2.0"),
        (">= 1.0 < 2.0", ">=1.0,<2.0"),
        ("~=1.4", "~=1.4"),
        ("^1.0 || ^2.0", ""),
    ],
)
def test_convert_constraint(poetry: str, pep440: str) -> None:
    assert convert_constraint(poetry) == (pep440, True)


def test_python_marker() -> None:
    assert python_marker("^3.10") == "python_version >= '3.10' and python_version < '4.0'"


def test_corpus_041_loads(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    src = (ROOT / "tests/corpus/real/041-gpu-using-with-poetry.toml").read_text()
    p = load_any(str(write_project(tmp_path, src)))
    assert p.manager == "poetry" and p.problems == []
    (idx,) = p.indexes
    assert not idx.explicit and not idx.default  # legacy secondary = true
    (torch,) = p.requirements_named("torch")
    assert str(torch.specifier) == "<3.0.0,>=2.0.0" and p.sources["torch"][0].index == "pytorch"
    assert {r.name for r in p.requirements if r.scope.kind == "group"} == {"black", "flake8", "isort", "mypy"}

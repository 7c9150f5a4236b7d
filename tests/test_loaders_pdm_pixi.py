"""PDM and pixi loaders: sources, include_packages, per-package index URLs, platforms, TOML 1.1."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers import check_json, write_project
from torchlint.project.detect import load_any

PDM = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch==2.7.0", "torchvision", "numpy"]

[[tool.pdm.source]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cpu"
include_packages = ["torch", "torchvision*"]
exclude_packages = ["numpy"]

[[tool.pdm.source]]
name = "links"
url = "https://example.invalid/links.html"
type = "find_links"

[tool.pdm.dev-dependencies]
test = ["pytest"]
"""


def test_pdm_model(tmp_path: Path) -> None:
    p = load_any(str(write_project(tmp_path, PDM)))
    assert p.manager == "pdm" and p.problems == []
    pt, links = p.indexes
    assert (
        pt.explicit and pt.include_packages == ("torch", "torchvision*") and pt.exclude_packages == ("numpy",)
    )
    assert pt.declared_in == "[[tool.pdm.source]]" and pt.origin == "[[tool.uv.index]]"
    assert links.format == "flat" and not links.explicit
    assert sorted(p.sources) == ["torch", "torchvision"]
    tv = p.sources["torchvision"][0]
    assert tv.index == "pytorch" and tv.location is not None
    assert (tv.location.row, tv.location.column) == (10, 30)  # the matching glob
    assert p.uv.index_strategy is not None and p.uv.index_strategy.value == "unsafe-best-match"
    assert [r.name for r in p.requirements if r.scope.kind == "group"] == ["pytest"]


def test_pdm_respect_source_order(tmp_path: Path) -> None:
    p = load_any(str(write_project(tmp_path, PDM + "\n[tool.pdm.resolution]\nrespect-source-order = true\n")))
    assert p.uv.index_strategy is not None and p.uv.index_strategy.value == "first-index"
    assert p.uv.index_strategy.location is not None and p.uv.index_strategy.location.row == 22


def test_pdm_corpus_043(tmp_path: Path) -> None:
    src = (ROOT / "tests/corpus/real/043-bentoml-pdm.toml").read_text()
    p = load_any(str(write_project(tmp_path, src)))
    assert p.manager == "pdm" and p.problems == []
    (idx,) = p.indexes
    assert idx.name == "torch" and not idx.explicit and not idx.default
    assert "docs" in p.groups and p.sources == {}


PIXI = """\
[workspace]
name = "demo"
channels = ["conda-forge"]
platforms = ["linux-64", "osx-arm64"]

[dependencies]
python = ">=3.11,<3.13"

[pypi-options]
extra-index-urls = ["https://download.pytorch.org/whl/nightly/cu128"]
find-links = [{ url = "https://example.invalid/links/" }]

[pypi-dependencies]
torch = { version = ">=2.5", index = "https://download.pytorch.org/whl/cu124" }
requests = "*"

[target.osx-arm64.pypi-dependencies]
torch = { version = ">=2.5", index = "https://download.pytorch.org/whl/cpu" }

[feature.cuda.pypi-dependencies]
torchvision = { version = ">=0.20", index = "https://download.pytorch.org/whl/cu124" }
"""


def test_pixi_model(tmp_path: Path) -> None:
    p = load_any(str(write_project(tmp_path, PIXI, "pixi.toml")))
    assert p.manager == "pixi" and p.problems == []
    assert str(p.requires_python) == "<3.13,>=3.11"
    assert [e.raw for e in p.uv.environments] == [
        "sys_platform == 'linux' and platform_machine == 'x86_64'",
        "sys_platform == 'darwin' and platform_machine == 'arm64'",
    ]
    by_url = {(i.url, i.explicit, i.format) for i in p.indexes}
    assert by_url == {
        ("https://download.pytorch.org/whl/nightly/cu128", False, "simple"),
        ("https://example.invalid/links/", False, "flat"),
        ("https://download.pytorch.org/whl/cu124", True, "simple"),
        ("https://download.pytorch.org/whl/cpu", True, "simple"),
    }
    cu = p.index_by_name("https://download.pytorch.org/whl/cu124")
    assert cu is not None and cu.location is not None and (cu.location.row, cu.location.column) == (14, 38)
    # the platform-specific entry comes first (uv applies the first matching source)
    assert [(e.index, e.marker_raw) for e in p.sources["torch"]] == [
        ("https://download.pytorch.org/whl/cpu", "sys_platform == 'darwin' and platform_machine == 'arm64'"),
        # the general entry yields to the target table where it applies (pixi's override)
        (
            "https://download.pytorch.org/whl/cu124",
            "(sys_platform != 'darwin' or platform_machine != 'arm64')",
        ),
    ]
    (tv,) = p.requirements_named("torchvision")
    assert tv.scope.label() == "group `cuda`" and p.sources["torchvision"][0].group == "cuda"
    assert str(p.requirements_named("requests")[0].requirement) == "requests"


def test_pixi_in_pyproject(tmp_path: Path) -> None:
    text = """\
[project]
name = "px1"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["numpy"]

[tool.pixi.project]
channels = ["conda-forge"]
platforms = ["linux-64"]

[tool.pixi.pypi-dependencies]
torch = { version = "==2.5.1+cu121" }
"""
    p = load_any(str(write_project(tmp_path, text)))
    assert p.manager == "pixi"
    assert [r.raw for r in p.requirements] == ["numpy", "torch==2.5.1+cu121"]
    assert p.requirements[1].location.row == 12 and len(p.uv.environments) == 1


def test_pixi_toml11_corpus_045(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests/corpus/real/045-pixi-docs-pytorch-pypi.toml", tmp_path / "pixi.toml")
    p = load_any(str(tmp_path / "pixi.toml"))
    assert p.problems == []
    assert {e.index for e in p.sources["torchvision"]} == {
        "https://download.pytorch.org/whl/cpu",
        "https://download.pytorch.org/whl/cu124",
    }
    assert p.sources["torch"][0].marker_raw == "sys_platform == 'darwin'"
    # positions come from the original (multi-line) text
    assert p.requirements_named("torchvision")[0].location.row == 16


def test_px2_pixi_nightly_without_triton_offline() -> None:
    path = ROOT / "examples/px2-nightly-without-triton/pixi.toml"
    code, diags, _ = check_json(path, "--offline")
    tl201 = [d for d in diags if d["code"] == "TL201"]
    assert code == 1 and len(tl201) == 1 and "pytorch-triton" in tl201[0]["message"]
    assert tl201[0]["location"]["row"] == 10
    fixed = ROOT / "examples/px2-nightly-with-extra-index-fixed/pixi.toml"
    _, diags, _ = check_json(fixed, "--offline")
    assert not [d for d in diags if d["code"] == "TL201"]

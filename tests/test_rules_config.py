"""Config-only rules TL004-TL008, TL301, TL302: unseen realistic variants, negative controls, positions.

Every case runs in-process, offline, on the bundled snapshot (config rules need no index data).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli
from torchlint.check import CheckOptions, run_check
from torchlint.diagnostics import Diagnostic
from torchlint.index.probe import ProbeOptions

MINE = ("TL004", "TL005", "TL006", "TL007", "TL008", "TL301", "TL302")
HEAD = """\
[project]
name = "proj"
version = "0.1.0"
requires-python = ">=3.11,<3.14"
"""


def run(tmp_path: Path, text: str, codes: tuple[str, ...] = MINE) -> list[Diagnostic]:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    # rule-level tests see every finding, infos included (--pedantic)
    opts = CheckOptions(
        codes=list(codes), pedantic=True, probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "c"))
    )
    return run_check([str(path)], opts, environ={}).diagnostics


def found(diags: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in diags if d.code == code]


def index(name: str, url: str, explicit: bool = True) -> str:
    return f'\n[[tool.uv.index]]\nname = "{name}"\nurl = "{url}"\n' + (
        "explicit = true\n" if explicit else ""
    )


CPU = "https://download.pytorch.org/whl/cpu"
CU128 = "https://download.pytorch.org/whl/cu128"
CU126 = "https://download.pytorch.org/whl/cu126"
ROCM = "https://download.pytorch.org/whl/rocm6.4"
XPU = "https://download.pytorch.org/whl/xpu"


# ----------------------------------------------------------------------------- negative controls

GUIDE = {
    "cpu-everywhere": HEAD
    + """dependencies = ["torch>=2.9", "torchvision>=0.24"]

[tool.uv.sources]
torch = [{ index = "pytorch-cpu" }]
torchvision = [{ index = "pytorch-cpu" }]
"""
    + index("pytorch-cpu", CPU),
    "cuda-linux-windows-cpu-elsewhere": HEAD
    + """dependencies = ["torch>=2.9", "torchvision>=0.24"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", marker = "sys_platform != 'linux' and sys_platform != 'win32'" },
  { index = "pytorch-cu128", marker = "sys_platform == 'linux' or sys_platform == 'win32'" },
]
torchvision = [
  { index = "pytorch-cpu", marker = "sys_platform != 'linux' and sys_platform != 'win32'" },
  { index = "pytorch-cu128", marker = "sys_platform == 'linux' or sys_platform == 'win32'" },
]
"""
    + index("pytorch-cpu", CPU)
    + index("pytorch-cu128", CU128),
    "backend-extras": HEAD
    + """dependencies = []

[project.optional-dependencies]
cpu = ["torch>=2.9", "torchvision>=0.24"]
cu128 = ["torch>=2.9", "torchvision>=0.24"]

[tool.uv]
conflicts = [
  [
    { extra = "cpu" },
    { extra = "cu128" },
  ],
]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu128", extra = "cu128" },
]
torchvision = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu128", extra = "cu128" },
]
"""
    + index("pytorch-cpu", CPU)
    + index("pytorch-cu128", CU128),
    "backend-groups": HEAD
    + """dependencies = []

[dependency-groups]
cpu = ["torch>=2.9"]
cu126 = ["torch>=2.9"]

[tool.uv]
conflicts = [[{ group = "cpu" }, { group = "cu126" }]]
default-groups = []

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", group = "cpu" },
  { index = "pytorch-cu126", group = "cu126" },
]
"""
    + index("pytorch-cpu", CPU)
    + index("pytorch-cu126", CU126),
    "rocm": HEAD
    + """dependencies = [
  "torch>=2.9",
  "pytorch-triton-rocm>=3.5.1 ; sys_platform == 'linux'",
]

[tool.uv.sources]
torch = [{ index = "pytorch-rocm", marker = "sys_platform == 'linux'" }]
pytorch-triton-rocm = [{ index = "pytorch-rocm", marker = "sys_platform == 'linux'" }]
"""
    + index("pytorch-rocm", ROCM),
    "xpu": HEAD
    + """dependencies = ["torch>=2.9", "triton-xpu ; sys_platform == 'linux' or sys_platform == 'win32'"]

[tool.uv.sources]
torch = [{ index = "pytorch-xpu", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
triton-xpu = [{ index = "pytorch-xpu", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
"""
    + index("pytorch-xpu", XPU),
    "loopback-http-index": HEAD
    + """dependencies = ["torch>=2.9"]

[tool.uv.sources]
torch = { index = "local" }
"""
    + index("local", "http://127.0.0.1:8080/whl/cpu")
    + index("local6", "http://[::1]:9000/simple")
    + index("localhost", "http://localhost/simple"),
}


@pytest.mark.parametrize("name", sorted(GUIDE))
def test_recommended_configurations_are_clean(name: str, tmp_path: Path) -> None:
    diags = run(tmp_path, GUIDE[name])
    noisy = [d for d in diags if d.severity in ("warning", "error")]
    if name == "loopback-http-index":
        noisy = [d for d in noisy if d.code != "TL006"]
    assert noisy == [], [(d.code, d.message) for d in noisy]


# ----------------------------------------------------------------------------- TL004


def test_tl004_marker_extra_in_list_with_row_and_column(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = []

[project.optional-dependencies]
gpu = ["torch==2.7.1"]
cpu = ["torch==2.7.1"]

[tool.uv.sources]
torch = [
    { index = "torch-cpu", marker = "'cpu' == extra" },
    { index = "torch-gpu", marker = "extra == 'gpu' and sys_platform == 'linux'" },
]
"""
        + index("torch-cpu", CPU)
        + index("torch-gpu", CU128)
    )
    diags = found(run(tmp_path, text), "TL004")
    marker_diags = [d for d in diags if "with `marker =" in d.message]
    assert [(d.location.row, d.location.column) for d in marker_diags] == [(13, 5), (14, 5)]
    assert "extra `cpu`" in marker_diags[0].message and 'extra = "cpu"' in (marker_diags[0].help or "")
    conflicts = [d for d in diags if "conflicts" in d.message and "with `marker =" not in d.message]
    assert (
        len(conflicts) == 1
        and "`torch-cpu`" in conflicts[0].message
        and "`torch-gpu`" in conflicts[0].message
    )
    assert all(d.severity == "warning" for d in diags)


def test_tl004_group_marker_form(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = []

[dependency-groups]
cuda = ["torch>=2.6"]

[tool.uv.sources]
torch = { index = "cu", marker = "'cuda' in dependency_groups" }
"""
        + index("cu", CU126)
    )
    diags = found(run(tmp_path, text), "TL004")
    assert (
        len(diags) == 1 and "group `cuda`" in diags[0].message and 'group = "cuda"' in (diags[0].help or "")
    )


def test_tl004_missing_conflicts_between_two_indexes(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = []

[project.optional-dependencies]
cpu = ["torch>=2.7"]
cu128 = ["torch>=2.7"]
rocm = ["torch>=2.7"]

[tool.uv]
conflicts = [[{ extra = "cpu" }, { extra = "cu128" }]]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu128", extra = "cu128" },
  { index = "pytorch-rocm", extra = "rocm" },
]
"""
        + index("pytorch-cpu", CPU)
        + index("pytorch-cu128", CU128)
        + index("pytorch-rocm", ROCM)
    )
    diags = found(run(tmp_path, text), "TL004")
    assert len(diags) == 1, [d.message for d in diags]
    d = diags[0]
    assert "extra `rocm`" in d.message and d.location.row == 19
    assert 'extra = "rocm"' in (d.help or "") and d.related and d.related[0].location.row == 13


def test_tl004_unknown_extra_is_an_error(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = []

[project.optional-dependencies]
cuda128 = ["torch>=2.7"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu128", extra = "cuda-128" }]
"""
        + index("pytorch-cu128", CU128)
    )
    diags = found(run(tmp_path, text), "TL004")
    assert [d.severity for d in diags] == ["error"]
    assert "`cuda-128`" in diags[0].message and "cuda128" in (diags[0].help or "")


def test_tl004_unknown_group_is_an_error(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = []

[dependency-groups]
gpu = ["torch>=2.7"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu128", group = "cuda" }]
"""
        + index("pytorch-cu128", CU128)
    )
    diags = found(run(tmp_path, text), "TL004")
    assert [d.severity for d in diags] == ["error"] and "group `cuda`" in diags[0].message


def test_tl004_base_plus_extras_and_local_pins(tmp_path: Path) -> None:
    base = (
        HEAD
        + """dependencies = ["torchaudio>=2.6"]

[project.optional-dependencies]
cpu = ["torchaudio{cpu}"]
cu126 = ["torchaudio{cu}"]

[tool.uv]
conflicts = [[{{ extra = "cpu" }}, {{ extra = "cu126" }}]]

[tool.uv.sources]
torchaudio = [
  {{ index = "pytorch-cpu", extra = "cpu" }},
  {{ index = "pytorch-cu126", extra = "cu126" }},
]
"""
        + index("pytorch-cpu", CPU)
        + index("pytorch-cu126", CU126)
    )
    diags = found(run(tmp_path, base.format(cpu=">=2.6", cu=">=2.6")), "TL004")
    assert len(diags) == 1 and diags[0].location.row == 5 and "`torchaudio`" in diags[0].message
    assert diags[0].targets  # names the targets where the base and a variant meet
    # exact local pins force each fork's build: not reported (corpus 027)
    assert found(run(tmp_path, base.format(cpu="==2.6.0+cpu", cu="==2.6.0+cu126")), "TL004") == []


# ----------------------------------------------------------------------------- TL005


def test_tl005_unsafe_first_match_with_non_explicit_cuda_index(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch>=2.6", "numpy"]

[tool.uv]
index-strategy = "unsafe-first-match"
"""
        + index("nvidia", "https://nvidia.example.invalid/simple", explicit=False)
        + index("cu", CU126, explicit=False)
    )
    diags = found(run(tmp_path, text), "TL005")
    assert len(diags) == 1 and diags[0].severity == "warning"
    assert (diags[0].location.row, diags[0].location.column) == (8, 18)
    assert "`cu`" in diags[0].message and "first compatible" in diags[0].message


def test_tl005_all_pytorch_indexes_explicit_is_info(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch>=2.6"]

[tool.uv]
index-strategy = "unsafe-best-match"

[tool.uv.sources]
torch = { index = "cu" }
"""
        + index("cu", CU126)
    )
    diags = found(run(tmp_path, text), "TL005")
    assert [d.severity for d in diags] == ["info"]


def test_tl005_strategy_without_pytorch_index_is_not_reported(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["requests"]

[tool.uv]
index-strategy = "unsafe-best-match"
"""
        + index("corp", "https://corp.example.invalid/simple", explicit=False)
    )
    assert found(run(tmp_path, text), "TL005") == []


def test_tl005_extra_index_url_under_first_index_is_info(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv]
extra-index-url = [
  "https://download.pytorch.org/whl/nightly/cu128",
]
"""
    )
    diags = found(run(tmp_path, text), "TL005")
    assert [d.severity for d in diags] == ["info"] and diags[0].location.row == 9


# ----------------------------------------------------------------------------- TL006


@pytest.mark.parametrize(
    ("snippet", "needle", "hint", "row"),
    [
        ('[tool.uv.souces]\ntorch = { index = "cu" }\n', "`souces`", "`sources`", 7),
        ('[tool.uv]\nindex-stratgy = "first-index"\n', "`index-stratgy`", "`index-strategy`", 8),
    ],
)
def test_tl006_misspelled_tool_uv_keys(
    tmp_path: Path, snippet: str, needle: str, hint: str, row: int
) -> None:
    text = HEAD + 'dependencies = ["torch"]\n\n' + snippet + index("cu", CU126)
    diags = [d for d in found(run(tmp_path, text), "TL006") if d.severity == "warning"]
    assert len(diags) == 1 and needle in diags[0].message and hint in (diags[0].help or "")
    assert diags[0].location.row == row


def test_tl006_index_and_source_keys(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv.sources]
torch = { index = "cu", markers = "sys_platform == 'linux'" }

[[tool.uv.index]]
name = "cu"
url = "https://download.pytorch.org/whl/cu126"
explict = true
priority = "supplemental"
"""
    )
    diags = found(run(tmp_path, text), "TL006")
    by_row = {d.location.row: d for d in diags}
    assert "`markers`" in by_row[8].message and "`marker`" in (by_row[8].help or "")
    assert "`explicit`" in (by_row[13].help or "")
    assert "priority" in by_row[14].message and "explicit = true" in (by_row[14].help or "")


def test_tl006_uv_pip_index_url_and_find_links(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch==2.7.1+cu128"]

[tool.uv.pip]
index-url = "https://download.pytorch.org/whl/cu128"
compile-bytecode = true
find-links = ["https://download.pytorch.org/whl/cu128/torch/"]
"""
    )
    diags = found(run(tmp_path, text), "TL006")
    assert [(d.location.row, "uv pip" in d.message) for d in diags] == [(8, True), (10, True)]


def test_tl006_undeclared_sources_and_declared_ones(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch>=2.6", "timm"]

[dependency-groups]
dev = ["torchaudio"]

[tool.uv.sources]
torch = { index = "cu" }
torchaudio = { index = "cu" }
torchvision = [{ index = "cu", marker = "sys_platform == 'linux'" }]
"""
        + index("cu", CU126)
    )
    diags = found(run(tmp_path, text), "TL006")
    assert [(d.location.row, d.location.column) for d in diags] == [(13, 16)]
    assert "`torchvision`" in diags[0].message and "not a dependency" in diags[0].message


def test_tl006_unused_explicit_index_is_info(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv.sources]
torch = { index = "cu128" }
"""
        + index("cu128", CU128)
        + index("cu126", CU126)
    )
    diags = found(run(tmp_path, text), "TL006")
    assert [(d.severity, d.location.row) for d in diags] == [("info", 15)] and "`cu126`" in diags[0].message


def test_tl006_torch_backend_and_required_version(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv]
required-version = ">=0.4"
torch-backend = "cu128"

[tool.uv.sources]
torch = { index = "cu128" }
"""
        + index("cu128", CU128)
    )
    diags = found(run(tmp_path, text), "TL006")
    assert sorted((d.location.row, d.severity) for d in diags) == [(8, "info"), (9, "warning")]
    text2 = text.replace('">=0.4"', '">=0.6"')
    assert [d.location.row for d in found(run(tmp_path, text2), "TL006")] == [9]


def test_tl006_tool_pip_table(tmp_path: Path) -> None:
    text = HEAD + 'dependencies = ["torch"]\n\n[tool.pip]\nextra-index-url = ["' + CU128 + '"]\n'
    diags = found(run(tmp_path, text), "TL006")
    assert len(diags) == 1 and "[tool.pip]" in diags[0].message and diags[0].location.row == 8


# ----------------------------------------------------------------------------- TL007


def test_tl007_platform_system_with_sys_platform_values(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch", "torchvision ; platform_system != 'win32'"]

[tool.uv]
environments = ["sys_platform == 'Linux'"]

[tool.uv.sources]
torch = [{ index = "cu", marker = "platform_system == 'linux'" }]
"""
        + index("cu", CU126)
    )
    diags = found(run(tmp_path, text), "TL007")
    rows = sorted((d.location.row, d.message.split("`")[1]) for d in diags)
    assert rows == [
        (5, "platform_system != 'win32'"),
        (8, "sys_platform == 'Linux'"),
        (11, "platform_system == 'linux'"),
    ]
    assert any("always true" in d.message for d in diags)
    assert all(d.help and "sys_platform" in d.help for d in diags)


def test_tl007_overlap_names_the_targets(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv.sources]
torch = [
  { index = "cu", marker = "platform_machine == 'x86_64'" },
  { index = "cpu", marker = "sys_platform == 'darwin'" },
]
"""
        + index("cu", CU126)
        + index("cpu", CPU)
    )
    diags = found(run(tmp_path, text), "TL007")
    assert len(diags) == 1
    d = diags[0]
    assert d.location.row == 10 and "macOS x86_64" in d.message and "macos-arm64" not in d.message
    assert all(t.startswith("macos-x86_64") for t in d.targets)


def test_tl007_overlap_on_required_target_is_an_error(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv]
required-environments = ["sys_platform == 'win32'"]

[tool.uv.sources]
torch = [
  { index = "cu", marker = "sys_platform != 'darwin'" },
  { index = "cpu", marker = "sys_platform != 'linux'" },
]
"""
        + index("cu", CU126)
        + index("cpu", CPU)
    )
    diags = found(run(tmp_path, text), "TL007")
    assert [d.severity for d in diags] == ["error"] and "Windows amd64" in diags[0].message


def test_tl007_darwin_workaround_is_info(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv.sources]
torch = [{ index = "pytorch-cpu", marker = "platform_system != 'Darwin'" }]
"""
        + index("pytorch-cpu", CPU)
    )
    diags = found(run(tmp_path, text), "TL007")
    assert [(d.severity, d.location.row) for d in diags] == [("info", 8)] and "0.5.12" in diags[0].message


def test_tl007_contradictory_marker(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv.sources]
torch = [{ index = "cu", marker = "sys_platform == 'linux' and sys_platform == 'win32'" }]
"""
        + index("cu", CU126)
    )
    diags = found(run(tmp_path, text), "TL007")
    assert len(diags) == 1 and "never applies" in diags[0].message


# ----------------------------------------------------------------------------- TL008


@pytest.mark.parametrize(
    ("url", "fmt", "needle", "suggest"),
    [
        (
            "https://download.pytorch.org/whl/nightly/torch_nightly.html",
            "flat",
            "legacy flat page",
            "whl/nightly/cu118",
        ),
        ("https://download.pytorch.org/whl/cu118/torch_stable.html", "flat", "legacy flat page", "whl/cu118"),
        ("https://download.pytorch.org/whl/", "simple", "aggregated", "whl/cu118"),
        ("https://download.pytorch.org/whl/release/cu118", "simple", "no known channel", "whl/cu118"),
        ("https://download.pytorch.org/whl/cpu-cxx11-abi", "simple", "retired variant", "whl/cu118"),
    ],
)
def test_tl008_shapes(tmp_path: Path, url: str, fmt: str, needle: str, suggest: str) -> None:
    text = (
        HEAD
        + f"""dependencies = ["torch==2.0.1+cu118"]

[tool.uv.sources]
torch = {{ index = "pt" }}

[[tool.uv.index]]
name = "pt"
url = "{url}"
format = "{fmt}"
explicit = true
"""
    )
    diags = found(run(tmp_path, text), "TL008")
    assert len(diags) == 1 and needle in diags[0].message, [d.message for d in diags]
    assert diags[0].location.row == 12 and suggest in (diags[0].help or "")


def test_tl008_project_page_find_links_is_fine(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch==2.9.0.dev20250801+cpu"]

[tool.uv]
find-links = ["https://download.pytorch.org/whl/nightly/cpu/torch/"]
"""
    )
    assert found(run(tmp_path, text), "TL008") == []


# ----------------------------------------------------------------------------- TL301 / TL302

SECRET = "pa55-Wd-not-real-7731"


def test_tl301_variants(tmp_path: Path) -> None:
    text = (
        HEAD
        + f"""dependencies = ["torch"]

[tool.uv]
extra-index-url = ["https://tok_{SECRET}@mirror.example.invalid/simple"]
find-links = ["https://mirror.example.invalid/flat/?token={SECRET}"]

[tool.uv.sources]
torch = {{ index = "internal" }}

[[tool.uv.index]]
name = "internal"
url = "https://reader:{SECRET}@mirror.example.invalid/pytorch/whl/cu128"
explicit = true
"""
    )
    diags = found(run(tmp_path, text), "TL301")
    assert sorted(d.location.row for d in diags) == [8, 9, 14]
    for d in diags:
        assert SECRET not in d.message and SECRET not in (d.help or "")
        assert "***" in d.message


@pytest.mark.parametrize("fmt", ["json", "concise", "full", "json-lines", "github", "sarif"])
def test_tl301_secret_never_printed(tmp_path: Path, fmt: str) -> None:
    text = (
        HEAD
        + f"""dependencies = ["torch"]

[tool.uv.sources]
torch = {{ index = "internal" }}

[[tool.uv.index]]
name = "internal"
url = "https://reader:{SECRET}@mirror.example.invalid/pytorch/whl/cu128"
explicit = true
"""
    )
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    proc = run_cli(
        ["check", "pyproject.toml", "--offline", "--select", "TL301,TL302,TL001", "--output-format", fmt],
        cwd=tmp_path,
    )
    if proc.returncode == 2 and "output-format" in proc.stderr:
        pytest.skip(f"output format {fmt} not available")
    assert "TL301" in proc.stdout
    if fmt == "full":
        # the excerpt shows the source line: the diagnostic must sit on a line without the secret
        row = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("[[tool.uv.index]]"))
        assert f"{row} | [[tool.uv.index]]" in proc.stdout or "url =" not in proc.stdout
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    if fmt == "json":
        assert json.loads(proc.stdout)[0]["code"] == "TL301"


def test_tl302_http_only_non_loopback(tmp_path: Path) -> None:
    text = (
        HEAD
        + """dependencies = ["torch"]

[tool.uv]
find-links = ["HTTP://wheels.example.invalid/torch/"]

[tool.uv.sources]
torch = { index = "mirror" }
"""
        + index("mirror", "http://10.0.0.5:8080/pytorch/whl/cu128")
        + index("local", "http://127.0.0.2/simple")
        + index("secure", "https://download.pytorch.org/whl/cu128")
    )
    diags = found(run(tmp_path, text), "TL302")
    assert sorted(d.location.row for d in diags) == [8, 15]
    assert all("https://" in (d.help or "") for d in diags)

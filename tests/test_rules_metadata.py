"""TL202 closed-index-coverage, TL203 backtracking-cost, TL204 family-version-mismatch: offline on the
bundled snapshot and live against the local index server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import check_json, write_project
from tests.indexserver.worlds import founding_case_world

PUBLIC = "https://download.pytorch.org"

PYS = ("cp312", "cp313")


def _wheel(filename: str, requires: list[str], **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"filename": filename, "requires_dist": requires, "requires_python": ">=3.9"}
    spec.update(extra)
    return spec


def _pure(dist: str, version: str, requires: list[str] | None = None) -> list[dict[str, Any]]:
    return [_wheel(f"{dist}-{version}-py3-none-any.whl", requires or [])]


def closed_nightly_world(mirror_spmd: bool, spmd_dir: str = "spmd_types") -> dict[str, Any]:
    """U50: a nightly index whose torch requires ``spmd_types==0.2.0`` (unnormalised, as written).

    With ``mirror_spmd`` the index serves the project (under the directory name ``spmd_dir``);
    without it, the dependency is on no index a closed configuration consults.
    """
    torch = [
        _wheel(
            f"torch-2.16.0.dev2026112{d}+cu130-{py}-{py}-manylinux_2_28_x86_64.whl",
            ["filelock", "spmd_types==0.2.0"],
        )
        for d in (4, 5)
        for py in PYS
    ]
    projects: dict[str, Any] = {"torch": torch, "filelock": _pure("filelock", "3.16.1")}
    if mirror_spmd:
        projects[spmd_dir] = _pure("spmd_types", "0.2.0")
    return {"indexes": {"/whl/nightly/cu130": {"projects": projects}}}


def family_world() -> dict[str, Any]:
    """A default index with torch 2.5.1 / 2.6.0 and the torchvision builds that pin them."""
    torch = [
        _wheel(f"torch-{v}-{py}-{py}-manylinux1_x86_64.whl", ["filelock"])
        for v in ("2.5.1", "2.6.0")
        for py in PYS
    ]
    vision = [
        _wheel(f"torchvision-{v}-{py}-{py}-manylinux1_x86_64.whl", [f"torch=={t}"])
        for v, t in (("0.20.1", "2.5.1"), ("0.21.0", "2.6.0"))
        for py in PYS
    ]
    projects = {"torch": torch, "torchvision": vision, "filelock": _pure("filelock", "3.16.1")}
    return {"indexes": {"/simple": {"projects": projects}}}


LINUX_ONLY = """
[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]
"""


def _only(diags: list[dict], code: str) -> list[dict]:
    return [d for d in diags if d["code"] == code]


# ---------------------------------------------------------------------------------------- TL202

U35 = """\
[project]
name = "u35"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch>=2.7", "scikit-learn>=1.5"]
{linux}
[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
default = true
""".replace("{linux}", LINUX_ONLY)


def test_tl202_offline_names_dependency_and_index(tmp_path: Path) -> None:
    _, diags, _ = check_json(write_project(tmp_path, U35), "--offline", "--select", "TL202")
    (d,) = _only(diags, "TL202")
    assert d["severity"] == "error"
    assert "`scikit-learn`" in d["message"] and "`pytorch-cu118`" in d["message"]
    assert "default = true" in d["message"]
    assert any("does not list scikit-learn" in e for e in d["evidence"])


def test_tl202_index_url_and_environment(tmp_path: Path) -> None:
    text = U35.replace("default = true", "explicit = true")
    path = write_project(tmp_path, text)
    # explicit index, public default index stands: nothing to say
    _, diags, _ = check_json(path, "--offline", "--select", "TL202")
    assert _only(diags, "TL202") == []
    # the same project with UV_DEFAULT_INDEX pointing at the PyTorch index
    env = {"UV_DEFAULT_INDEX": f"{PUBLIC}/whl/cu118"}
    _, diags, _ = check_json(path, "--offline", "--select", "TL202", env=env)
    assert len(_only(diags, "TL202")) == 1 and "UV_DEFAULT_INDEX" in _only(diags, "TL202")[0]["message"]


def test_tl202_requirements_index_url_fully_mirrored_is_silent(tmp_path: Path) -> None:
    text = (
        f"--index-url {PUBLIC}/whl/rocm6.2\n"
        "torch==2.5.1+rocm6.2; sys_platform == 'linux'\n"
        "torchvision==0.20.1+rocm6.2; sys_platform == 'linux'\n"
    )
    _, diags, _ = check_json(
        write_project(tmp_path, text, "requirements.txt"), "--offline", "--select", "TL202"
    )
    assert _only(diags, "TL202") == []


def test_tl202_unverifiable_default_is_silent(tmp_path: Path) -> None:
    # a company mirror as the default index: offline there is nothing to verify against
    text = U35.replace(f"{PUBLIC}/whl/cu118", "https://mirror.invalid/simple")
    _, diags, _ = check_json(write_project(tmp_path, text), "--offline", "--select", "TL202")
    assert _only(diags, "TL202") == []


U50 = """\
[project]
name = "u50"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch"]
{linux}prerelease = "allow"

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cu130"
default = true
""".replace("{linux}", LINUX_ONLY)


def test_tl202_live_u50_normalised_names(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = index_server_factory(closed_nightly_world(mirror_spmd=False), json=False, missing_status=403)
    path = write_project(tmp_path / "bad", U50)
    code, diags, _ = check_json(path, "--mirror", f"{PUBLIC}={bad.url}", "--select", "TL202")
    (d,) = _only(diags, "TL202")
    assert code == 1 and d["severity"] == "error"
    assert "spmd-types" in d["message"] or "spmd_types" in d["message"]
    assert "every `torch` candidate fails" in d["message"]
    assert "live" in d["basis"]
    # mirrored under the unnormalised directory name: PEP 503 lookup finds it
    good = index_server_factory(closed_nightly_world(mirror_spmd=True), json=False, missing_status=403)
    _, diags, _ = check_json(path, "--mirror", f"{PUBLIC}={good.url}", "--select", "TL202")
    assert _only(diags, "TL202") == []


# ---------------------------------------------------------------------------------------- TL203

FOUNDING = (
    Path(__file__).resolve().parent.parent / "examples" / "u01-nightly-without-triton" / "pyproject.toml"
).read_text()


def test_tl203_live_fires_without_metadata_and_range(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = founding_case_world(nightlies=11, torch_size=2_000_000)
    slow = index_server_factory(world, json=True, missing_status=403, metadata=False, range=False)
    path = write_project(tmp_path, FOUNDING)
    args = ["--select", "TL203", "--default-index", slow.index_url("/simple")]
    _, diags, _ = check_json(path, "--mirror", f"{PUBLIC}={slow.url}", *args)
    (d,) = [x for x in _only(diags, "TL203") if x["message"].startswith("`torch`")]
    assert d["severity"] == "warning"
    assert "22 of the 22 versions" in d["message"] and "44 MB" in d["message"], d["message"]
    assert "`pytorch-nightly`" in d["message"] and "torch>=" in d["help"]
    fast = index_server_factory(world, json=True, missing_status=403, metadata=True, range=False)
    args = ["--select", "TL203", "--default-index", fast.index_url("/simple")]
    _, diags, _ = check_json(path, "--mirror", f"{PUBLIC}={fast.url}", *args)
    assert _only(diags, "TL203") == []


def test_tl203_offline_estimates_sizes_from_snapshot(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    path = root / "p4-backtracking-cost-open-floor" / "pyproject.toml"
    _, diags, _ = check_json(write_project(tmp_path, path.read_text()), "--offline", "--select", "TL203")
    (d,) = _only(diags, "TL203")
    assert "estimated" in d["message"] and "GB" in d["message"]


# ---------------------------------------------------------------------------------------- TL204

FAMILY = (
    """\
[project]
name = "fam"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch{torch}", "torchvision{vision}"]
"""
    + LINUX_ONLY
)


def _family(torch: str, vision: str) -> str:
    return FAMILY.replace("{torch}", torch).replace("{vision}", vision)


def test_tl204_offline_pin_mismatch(tmp_path: Path) -> None:
    path = write_project(tmp_path, _family("==2.6.0", "==0.20.1"))
    _, diags, _ = check_json(path, "--offline", "--select", "TL204")
    (d,) = _only(diags, "TL204")
    assert d["severity"] == "error"
    assert "torch==2.5.1" in d["message"] and "==2.6.0" in d["message"]


def test_tl204_offline_fallback_is_an_info(tmp_path: Path) -> None:
    # torch held below 2.6; the newest torchvision needs a newer torch, older ones fit: ordinary
    # resolution, an info (shown with --pedantic, or when TL204 is selected by its code)
    path = write_project(tmp_path, _family("<2.6", ">=0.19"))
    _, diags, _ = check_json(path, "--offline")
    assert _only(diags, "TL204") == []  # not in the default output
    _, diags, _ = check_json(path, "--offline", "--select", "TL204")  # a rule named outright shows its infos
    (d,) = _only(diags, "TL204")
    assert d["severity"] == "info" and "falls back to `torchvision` 0.20.1" in d["message"], d["message"]


def test_tl204_nightly_sibling_with_unrouted_torch(tmp_path: Path) -> None:
    text = _family(">=2.9", "").replace("[tool.uv]", '[tool.uv]\nprerelease = "allow"') + (
        '\n[tool.uv.sources]\ntorchvision = [{ index = "nightly" }]\n\n'
        f'[[tool.uv.index]]\nname = "nightly"\nurl = "{PUBLIC}/whl/nightly/cu130"\nexplicit = true\n'
    )
    _, diags, _ = check_json(write_project(tmp_path, text), "--offline", "--select", "TL204")
    (d,) = _only(diags, "TL204")
    assert d["severity"] == "error" and ".dev" in d["message"] and "the default index" in d["message"]


def test_tl204_live(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = index_server_factory(family_world(), json=False, missing_status=403)
    args = ["--select", "TL204", "--default-index", server.index_url("/simple")]
    _, diags, _ = check_json(write_project(tmp_path / "bad", _family("==2.6.0", "==0.20.1")), *args)
    (d,) = _only(diags, "TL204")
    assert "live" in d["basis"] and "torch==2.5.1" in d["message"]
    _, diags, _ = check_json(write_project(tmp_path / "good", _family("==2.6.0", "==0.21.0")), *args)
    assert _only(diags, "TL204") == []

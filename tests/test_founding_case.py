"""The founding case (astral-sh/uv#9651) end to end: offline on the snapshot, live against the local
index server in each index mode, and real uv as the oracle on the same configs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, python_for_uv, uv_exe
from tests.helpers import check_json, write_project
from tests.indexserver.worlds import founding_case_world

BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()
FIXED = (ROOT / "examples" / "u01-nightly-without-triton-fixed" / "pyproject.toml").read_text()
PUBLIC = "https://download.pytorch.org"


def _tl201(diags: list[dict]) -> list[dict]:
    return [d for d in diags if d["code"] == "TL201"]


def test_offline_broken_reports_tl201_at_torch_source(tmp_path: Path) -> None:
    path = write_project(tmp_path, BROKEN)
    code, diags, stderr = check_json(path, "--offline")
    assert code == 1
    found = _tl201(diags)
    assert len(found) == 1, diags
    d = found[0]
    assert d["severity"] == "error"
    line = BROKEN.splitlines()[d["location"]["row"] - 1]
    assert line.startswith("torch = [{ index")
    assert "pytorch-triton" in d["message"] and "`pytorch-nightly`" in d["message"]
    assert any(t.startswith("linux-x86_64") for t in d["targets"])
    assert any("Requires-Dist: pytorch-triton" in e for e in d["evidence"])
    assert "snapshot" in d["basis"]
    assert "bundled snapshot" in stderr


def test_offline_fixed_has_no_tl201(tmp_path: Path) -> None:
    path = write_project(tmp_path, FIXED)
    _code, diags, _ = check_json(path, "--offline")
    assert _tl201(diags) == [], diags


VARIANTS = {
    "other-index-name": BROKEN.replace("pytorch-nightly", "torch-nightly-builds"),
    "cuda-nightly": BROKEN.replace("whl/nightly/cpu", "whl/nightly/cu128"),
    "torchaudio": BROKEN.replace("torchvision>=0.20.1", "torchaudio>=2.5.1").replace(
        "torchvision =", "torchaudio ="
    ),
    "platform-system-marker": BROKEN.replace("sys_platform == 'linux'", "platform_system == 'Linux'"),
    "not-darwin-marker": BROKEN.replace("sys_platform == 'linux'", "sys_platform != 'darwin'"),
    "no-marker": BROKEN.replace(", marker = \"sys_platform == 'linux'\"", ""),
    "table-not-list": BROKEN.replace(
        'torch = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]',
        'torch = { index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }',
    ),
    "group-scoped": BROKEN.replace(
        'dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]',
        'dependencies = []\n\n[dependency-groups]\ngpu = ["torch>=2.5.1", "torchvision>=0.20.1"]',
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_offline_unseen_variants_get_the_same_verdict(tmp_path: Path, name: str) -> None:
    text = VARIANTS[name]
    path = write_project(tmp_path, text)
    code, diags, _ = check_json(path, "--offline")
    assert code == 1 and len(_tl201(diags)) == 1, (name, diags)
    assert "pytorch-triton" in _tl201(diags)[0]["message"]


def _live_args(server) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")]


@pytest.mark.parametrize(
    ("mode", "switches"),
    [
        ("metadata", {"metadata": True, "range": False}),
        ("range", {"metadata": False, "range": True}),
        ("neither", {"metadata": False, "range": False}),
    ],
)
def test_live_verdict_in_each_index_mode(
    index_server_factory, tmp_path: Path, mode: str, switches: dict
) -> None:  # type: ignore[no-untyped-def]
    server = index_server_factory(
        founding_case_world(nightlies=4), json=False, missing_status=403, **switches
    )
    path = write_project(tmp_path / "broken", BROKEN)
    code, diags, _ = check_json(path, *_live_args(server))
    assert code == 1
    (d,) = _tl201(diags)
    assert "live" in d["basis"]
    ev = " ".join(d["evidence"])
    if mode == "metadata":
        assert "pep658" in ev and "pytorch-triton==3.2.0+git35c6c7c6" in ev
    elif mode == "range":
        assert "range" in ev and "pytorch-triton==3.2.0+git35c6c7c6" in ev
    else:
        assert "unavailable" in ev and "derived" in ev
    # never a whole wheel: no complete 200 response for a wheel
    wheels = [r for r in server.requests() if r.get("kind") == "wheel" and r.get("method") == "GET"]
    assert all(r["status"] == 206 for r in wheels), wheels
    path = write_project(tmp_path / "fixed", FIXED)
    code, diags, _ = check_json(path, *_live_args(server))
    assert _tl201(diags) == [], diags


@pytest.mark.uv
def test_uv_agrees(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uv, py = uv_exe(), python_for_uv()
    if uv is None or py is None:
        pytest.skip("uv or a Python >= 3.12 is not available")
    server = index_server_factory(founding_case_world(nightlies=3), json=False, missing_status=403)
    env = dict(os.environ)
    env.update(
        UV_DEFAULT_INDEX=server.index_url("/simple"),
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_PYTHON=py,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(tmp_path),
    )
    verdicts = {}
    for name, text in (("broken", BROKEN), ("fixed", FIXED)):
        local = text.replace(f"{PUBLIC}/whl/nightly/cpu", server.index_url("/whl/nightly/cpu"))
        path = write_project(tmp_path / name, local)
        proc = subprocess.run(
            [uv, "lock"], cwd=path.parent, env=env, capture_output=True, text=True, timeout=180
        )
        _, diags, _ = check_json(write_project(tmp_path / f"{name}-lint", text), *_live_args(server))
        verdicts[name] = (proc.returncode == 0, bool(_tl201(diags)), proc.stderr[-2000:])
    assert verdicts["broken"][0] is False and verdicts["broken"][1] is True, verdicts["broken"]
    assert "pytorch-triton" in verdicts["broken"][2]
    assert verdicts["fixed"][0] is True and verdicts["fixed"][1] is False, verdicts["fixed"]


@pytest.mark.parametrize(
    "name", ["other-index-name", "cuda-nightly", "torchaudio", "platform-system-marker", "no-marker"]
)
def test_live_unseen_variants_get_the_same_verdict(index_server_factory, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """The variants, live against a local index that serves what the snapshot records."""
    from tests.indexserver.snapshot_world import world_from_snapshot

    text = VARIANTS[name]
    key = "whl/nightly/cu128" if "cu128" in text else "whl/nightly/cpu"
    world = world_from_snapshot(
        {key: ["torch", "torchvision", "torchaudio", "pytorch-triton"], "default": ["pytorch-triton"]},
        newest=5,
    )
    server = index_server_factory(world, json=False, missing_status=403)
    path = write_project(tmp_path, text)
    code, diags, _ = check_json(path, *_live_args(server))
    assert code == 1
    (d,) = _tl201(diags)
    assert d["severity"] == "error" and "pytorch-triton" in d["message"] and "live" in d["basis"]

"""Real `uv lock` as the judge of TL101, TL102, TL103 and TL104.

Each case builds a world from the bundled snapshot (only the keys and projects involved), serves it
on the local index server, rewrites the PyTorch URLs of the configuration to the server and runs
`uv lock`: the bad configuration must fail (or, for TL104, lock the variant that merely sorts
highest) and the good one must lock; torchlint, pointed at the same server, must flag the bad one
and not the good one.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import python_for_uv, uv_exe
from tests.helpers import check_json, write_project
from tests.indexserver.snapshot_world import world_from_snapshot

PUBLIC = "https://download.pytorch.org"
HEAD = '[project]\nname = "demo"\nversion = "0.1.0"\n'

#: TL101: uv locks a bad config whose gap is only on an unrequired platform (it fails at install),
#: so the bad config names Linux aarch64 in `required-environments`: then the lock itself must fail.
TL101_BAD = (
    HEAD
    + """requires-python = ">=3.12,<3.13"
dependencies = [
  "torch==2.5.1 ; sys_platform == 'darwin'",
  "torch==2.5.1+cu124 ; sys_platform != 'darwin'",
]

[tool.uv]
environments = ["sys_platform == 'linux'"]
required-environments = ["sys_platform == 'linux' and platform_machine == 'aarch64'"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu124", marker = "sys_platform != 'darwin'" }]

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
"""
)
TL101_GOOD = TL101_BAD.replace(
    "\"torch==2.5.1 ; sys_platform == 'darwin'\",\n  \"torch==2.5.1+cu124 ; sys_platform != 'darwin'\",",
    "\"torch==2.5.1 ; platform_machine == 'aarch64'\",\n"
    "  \"torch==2.5.1+cu124 ; platform_machine == 'x86_64'\",",
).replace("marker = \"sys_platform != 'darwin'\"", "marker = \"platform_machine == 'x86_64'\"")

TL102_BAD = (
    HEAD
    + """requires-python = ">=3.12,<3.13"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
"""
)
TL102_GOOD = TL102_BAD.replace('/whl"', '/whl/cu121"')

TL103_BAD = (
    HEAD
    + """requires-python = ">=3.12,<3.13"
dependencies = []

[dependency-groups]
torchgpu = ["torch>=2.16.0.dev0", "pytorch-triton ; sys_platform == 'linux'"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'", "sys_platform == 'darwin' and platform_machine == 'arm64'"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly-gpu"
url = "https://download.pytorch.org/whl/nightly/cu128"
explicit = true
"""
)
TL103_GOOD = TL103_BAD.replace(", \"sys_platform == 'darwin' and platform_machine == 'arm64'\"]", "]")

TL104_BAD = (
    HEAD
    + """requires-python = ">=3.12,<3.13"
dependencies = ["torch>=2.14", "triton-xpu ; sys_platform == 'linux'"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "pytorch" }
triton-xpu = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
"""
)
TL104_GOOD = (
    TL104_BAD.replace('/whl"', '/whl/cpu"')
    .replace(", \"triton-xpu ; sys_platform == 'linux'\"", "")
    .replace('triton-xpu = { index = "pytorch" }\n', "")
)

CASES: dict[str, dict[str, Any]] = {
    "TL101": {
        "bad": TL101_BAD,
        "good": TL101_GOOD,
        "world": ({"whl/cu124": ["torch"], "default": ["torch"]}, ["2.5.1+cu124", "2.5.1"], 0),
        "placeholders": [("sympy", "1.13.1"), ("triton", "3.1.0")],
    },
    "TL102": {
        "bad": TL102_BAD,
        "good": TL102_GOOD,
        "world": ({"whl": ["torch"], "whl/cu121": ["torch"]}, ["2.3.1+cu121", "2.15.0+cpu"], 0),
    },
    "TL103": {
        "bad": TL103_BAD,
        "good": TL103_GOOD,
        "world": (
            {"whl/nightly/cu128": ["torch", "pytorch-triton"], "default": ["torch"]},
            ["3.10.0+git2d3d6d42"],
            1,
        ),
    },
    "TL104": {
        "bad": TL104_BAD,
        "good": TL104_GOOD,
        "world": ({"whl": ["torch", "triton-xpu"], "whl/cpu": ["torch"]}, [], 2),
    },
}


def _uv_lock(uv: str, py: str, server, text: str, where: Path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    env.update(
        UV_DEFAULT_INDEX=server.index_url("/simple"),
        UV_CACHE_DIR=str(where / "uv-cache"),
        UV_PYTHON=py,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(where),
    )
    path = write_project(where / "proj", text.replace(PUBLIC, server.url.rstrip("/")))
    return subprocess.run([uv, "lock"], cwd=path.parent, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.uv
@pytest.mark.parametrize("code", sorted(CASES))
def test_uv_agrees(code: str, index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uv, py = uv_exe(), python_for_uv()
    if uv is None or py is None:
        pytest.skip("uv or a Python >= 3.12 is not available")
    case = CASES[code]
    keys, keep, newest = case["world"]
    world = world_from_snapshot(keys, newest=newest, keep_versions=keep)
    for name, version in case.get("placeholders", ()):
        # world_from_snapshot intersects every marker branch of a Requires-Dist (``sympy==1.12.1 ;
        # python_version == '3.8'`` and ``sympy==1.13.1``) and then adds no placeholder
        files = world["indexes"]["/simple"]["projects"].setdefault(name, [])
        files.append({"filename": f"{name}-{version}-py3-none-any.whl", "requires_dist": []})
    server = index_server_factory(world, json=False, missing_status=403)
    args = ["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")]
    if code == "TL104":
        args.append("--extend-select=TL104")  # a pedantic (opt-in) rule
    results = {}
    for kind in ("bad", "good"):
        proc = _uv_lock(uv, py, server, case[kind], tmp_path / kind)
        _, diags, _ = check_json(write_project(tmp_path / f"{kind}-lint", case[kind]), *args)
        flagged = [d for d in diags if d["code"] == code and d["severity"] in ("error", "warning")]
        lock = tmp_path / kind / "proj" / "uv.lock"
        results[kind] = (
            proc.returncode,
            flagged,
            proc.stderr[-1500:],
            lock.read_text() if lock.exists() else "",
        )
    bad_rc, bad_flag, bad_err, bad_lock = results["bad"]
    good_rc, good_flag, good_err, good_lock = results["good"]
    assert bad_flag, f"torchlint does not flag the bad {code} config"
    assert not good_flag, good_flag
    assert good_rc == 0, good_err
    if code == "TL104":
        # uv locks, but the variant is decided by local-label sort order: +xpu beats +cpu
        assert bad_rc == 0, bad_err
        assert "+xpu" in bad_lock and "+cpu" not in bad_lock, bad_lock[:2000]
        assert "+cpu" in good_lock
    else:
        assert bad_rc != 0, f"uv locked the bad {code} config:\n{bad_lock[:1500]}"

"""The listing rules (TL101-TL105, TL303) beyond their EXAMPLES: severities, the negative
controls, and the cases the bundled snapshot cannot show (hash state, stale nightly numbering),
live against the local index server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import check_json, write_project
from torchlint.check import CheckOptions, run_check
from torchlint.index.probe import ProbeOptions

PUBLIC = "https://download.pytorch.org"
HEAD = '[project]\nname = "demo"\nversion = "0.1.0"\n'


def _offline(tmp_path: Path, text: str) -> list[Any]:
    path = write_project(tmp_path, text)
    # rule-level tests see every finding, infos and pedantic rules included (--pedantic)
    opts = CheckOptions(pedantic=True, probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache")))
    result = run_check([str(path)], opts, environ={})
    assert not [s for s in getattr(result, "skipped", []) if "internal error" in s[1]]
    return list(result.diagnostics)


def test_cpu_index_everywhere_is_info_only(tmp_path: Path) -> None:
    """U06: on uv >= 0.5.12 macOS falls back to the non-local build; nothing above info."""
    text = HEAD + (
        'requires-python = ">=3.11"\ndependencies = ["torch>=2.4,<2.5"]\n\n'
        '[tool.uv.sources]\ntorch = { index = "torch-cpu" }\n\n'
        f'[[tool.uv.index]]\nname = "torch-cpu"\nurl = "{PUBLIC}/whl/cpu"\nexplicit = true\n'
    )
    diags = [d for d in _offline(tmp_path, text) if d.code.startswith("TL1")]
    assert diags and all(d.severity == "info" for d in diags), [
        (d.code, d.severity, d.message) for d in diags
    ]
    assert not any("macos-arm64" in d.targets[0] for d in diags if d.targets)


def test_environments_limited_to_macos_takes_the_non_local_build(tmp_path: Path) -> None:
    """With `environments` naming macOS only, uv rejects `2.4.1+cpu` (no macOS wheel) at lock time
    and takes `2.4.1` from the same index: nothing fails (checked with real uv)."""
    text = HEAD + (
        'requires-python = ">=3.11,<3.13"\ndependencies = ["torch>=2.4,<2.5"]\n\n'
        "[tool.uv]\nenvironments = [\"sys_platform == 'darwin' and platform_machine == 'arm64'\"]\n\n"
        '[tool.uv.sources]\ntorch = { index = "torch-cpu" }\n\n'
        f'[[tool.uv.index]]\nname = "torch-cpu"\nurl = "{PUBLIC}/whl/cpu"\nexplicit = true\n'
    )
    diags = [d for d in _offline(tmp_path, text) if d.code == "TL101"]
    assert diags == [], [(d.severity, d.message) for d in diags]


def test_intel_macos_is_info_unless_required(tmp_path: Path) -> None:
    """U10: not required → info (nothing serves it); required → error."""
    base = HEAD + 'requires-python = ">=3.11,<3.13"\ndependencies = ["torch>=2.5"]\n'
    diags = [d for d in _offline(tmp_path / "a", base) if d.code == "TL101"]
    assert [d.severity for d in diags] == ["info"], [(d.severity, d.message) for d in diags]
    assert "macOS x86_64" in diags[0].message
    req = (
        base
        + "\n[tool.uv]\nrequired-environments = [\"sys_platform == 'darwin' and platform_machine == 'x86_64'\"]\n"
    )
    diags = [d for d in _offline(tmp_path / "b", req) if d.code == "TL101"]
    assert [d.severity for d in diags] == ["error"], [(d.severity, d.message) for d in diags]
    assert "macOS x86_64" in diags[0].message


def test_messages_name_package_index_targets_and_evidence(tmp_path: Path) -> None:
    text = HEAD + (
        'requires-python = ">=3.12,<3.13"\n'
        "dependencies = [\"torch==2.5.1+cu124 ; sys_platform != 'darwin'\"]\n\n"
        '[tool.uv.sources]\ntorch = [{ index = "pytorch-cu124", marker = "sys_platform != \'darwin\'" }]\n\n'
        f'[[tool.uv.index]]\nname = "pytorch-cu124"\nurl = "{PUBLIC}/whl/cu124"\nexplicit = true\n'
    )
    (d,) = [d for d in _offline(tmp_path, text) if d.code == "TL101" and d.severity == "warning"]
    assert "`torch`" in d.message and "`pytorch-cu124`" in d.message and "Linux aarch64" in d.message
    assert any("whl/cu124/torch/" in e for e in d.evidence)
    assert d.location.row == 8


def test_incomplete_local_label(tmp_path: Path) -> None:
    text = HEAD + (
        'requires-python = ">=3.10,<3.13"\ndependencies = ["torch==2.5.1+rocm"]\n\n'
        '[tool.uv.sources]\ntorch = { index = "rocm" }\n\n'
        f'[[tool.uv.index]]\nname = "rocm"\nurl = "{PUBLIC}/whl/rocm6.2"\nexplicit = true\n'
    )
    (d,) = [d for d in _offline(tmp_path, text) if d.code == "TL102"]
    assert d.severity == "error" and "2.5.1+rocm6.2" in d.message


def _wheel(name: str, version: str, plat: str, **extra: Any) -> dict[str, Any]:
    return {"filename": f"{name}-{version}-cp312-cp312-{plat}.whl", "requires_dist": [], **extra}


def _live(server, tmp_path: Path, text: str, *extra: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    path = write_project(tmp_path, text)
    _, diags, _ = check_json(
        path, "--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple"), *extra
    )
    return diags


def test_live_hashes_and_stale_nightly(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """U17 (partly hashed → warning), U18 (no hashes at all → info), U46 (nightly below stable)."""
    world = {
        "indexes": {
            "/whl/cpu": {
                "projects": {
                    "torch": [
                        _wheel("torch", "2.7.0+cpu", "manylinux_2_28_x86_64"),
                        _wheel("torch", "2.7.0+cpu", "manylinux_2_28_aarch64", hash=False),
                    ]
                }
            },
            "/whl/nightly/cpu": {
                "projects": {
                    "torchcodec": [
                        _wheel("torchcodec", "0.7.0.dev20251014", "manylinux_2_28_x86_64", hash=False)
                    ]
                }
            },
            "/simple": {"projects": {"torchcodec": [_wheel("torchcodec", "0.7.0", "manylinux_2_28_x86_64")]}},
        }
    }
    server = index_server_factory(world, json=False, missing_status=403)
    text = HEAD + (
        'requires-python = ">=3.12,<3.13"\ndependencies = ["torch", "torchcodec"]\n\n'
        "[tool.uv]\nenvironments = [\"sys_platform == 'linux'\"]\n\n"
        '[tool.uv.sources]\ntorch = { index = "cpu" }\ntorchcodec = { index = "nightly" }\n\n'
        f'[[tool.uv.index]]\nname = "cpu"\nurl = "{PUBLIC}/whl/cpu"\nexplicit = true\n\n'
        f'[[tool.uv.index]]\nname = "nightly"\nurl = "{PUBLIC}/whl/nightly/cpu"\nexplicit = true\n'
    )
    diags = _live(server, tmp_path, text, "--pedantic")
    got = sorted((d["code"], d["severity"]) for d in diags if d["code"] in ("TL303", "TL105"))
    assert got == [("TL105", "info"), ("TL303", "info"), ("TL303", "warning")], [
        (d["code"], d["severity"], d["message"]) for d in diags
    ]
    (mixed,) = [d for d in diags if d["code"] == "TL303" and d["severity"] == "warning"]
    assert "aarch64" in " ".join(mixed["evidence"]) and "live" in mixed["basis"]

"""Every project under examples/ is a test: its expected.json lists the diagnostics torchlint must
report (code and severity, and row when given): errors and warnings no more and no fewer; infos it
lists must be reported (other infos, such as "no index serves Intel macOS", may appear). Each runs offline on the
bundled snapshot, and live against the local index server serving the same facts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli
from tests.indexserver.snapshot_world import world_from_snapshot
from torchlint.index.snapshot import Snapshot
from torchlint.index.urls import parse_pytorch_url

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "expected.json").is_file())
CONFIG_NAMES = ("pyproject.toml", "pixi.toml", "requirements.txt", "uv.toml")
PUBLIC = "https://download.pytorch.org"
_URL = re.compile(r"https?://download\.pytorch\.org/whl[^\s\"'\]]*")
_PIN = re.compile(r"==\s*([0-9][0-9A-Za-z.+!]*)")


def _expected(example: Path) -> dict:
    return json.loads((example / "expected.json").read_text())


def _configs(example: Path) -> list[Path]:
    return [example / n for n in CONFIG_NAMES if (example / n).is_file()]


def _run(example: Path, *extra: str) -> tuple[int, list[dict], str]:
    proc = run_cli(["check", str(example), "--output-format", "json", *extra], cwd=example)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout or "[]"), proc.stderr


def _compare(expected: dict, diags: list[dict]) -> None:
    """Errors and warnings must match exactly; listed infos must be there, others may be."""
    want = sorted((e["code"], e["severity"]) for e in expected["expect"] if e["severity"] != "info")
    got = sorted((d["code"], d["severity"]) for d in diags if d["severity"] != "info")
    infos = {(d["code"], d["severity"]) for d in diags if d["severity"] == "info"}
    for e in expected["expect"]:
        if e["severity"] == "info":
            assert (e["code"], "info") in infos, (e, diags)
    assert got == want, "\n".join(
        f"{d['code']} {d['severity']} {d['location']} {d['message']}" for d in diags
    )
    for e in expected["expect"]:
        if "row" in e:
            assert any(d["code"] == e["code"] and d["location"]["row"] == e["row"] for d in diags), (e, diags)


def test_examples_exist() -> None:
    assert len(EXAMPLES) >= 2
    for example in EXAMPLES:
        assert _configs(example), f"{example.name} has expected.json but no configuration file"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_offline(example: Path) -> None:
    code, diags, _ = _run(example, "--offline", *_expected(example).get("args", []))
    expected = _expected(example)
    _compare(expected, diags)
    assert code == (1 if any(e["severity"] in ("error", "warning") for e in expected["expect"]) else 0)


def _world_for(example: Path) -> dict:
    snap = Snapshot.bundled()
    text = "\n".join(p.read_text() for p in _configs(example))
    keys = {"default"}
    for url in _URL.findall(text):
        pt = parse_pytorch_url(url)
        if pt is not None and snap.key_for_url(f"{PUBLIC}/{pt.key}") is not None:
            keys.add(pt.key)
    names = {
        "torch",
        "torchvision",
        "torchaudio",
        "torchcodec",
        "torchao",
        "xformers",
        "triton",
        "pytorch-triton",
        "pytorch-triton-rocm",
        "triton-rocm",
        "pytorch-triton-xpu",
        "triton-xpu",
    }
    return world_from_snapshot(
        {k: sorted(names) for k in keys}, newest=1000, keep_versions=_PIN.findall(text)
    )


_OWN_DEFAULT = re.compile(r"(?m)^\s*default\s*=\s*true|^\s*index-url\s*=|^\s*(-i|--index-url)[\s=]")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_live(example: Path, index_server_factory) -> None:  # type: ignore[no-untyped-def]
    if _expected(example).get("live_skip"):
        pytest.skip(_expected(example)["live_skip"])
    server = index_server_factory(_world_for(example), missing_status=403, json=False)
    text = "\n".join(p.read_text() for p in _configs(example))
    # the public default index is played by the server's /simple, unless the config replaces it
    default = [] if _OWN_DEFAULT.search(text) else ["--default-index", server.index_url("/simple")]
    _code, diags, _ = _run(
        example, "--mirror", f"{PUBLIC}={server.url}", *default, *_expected(example).get("args", [])
    )
    _compare(_expected(example), diags)
    assert all("snapshot" not in d["basis"] for d in diags), [d["basis"] for d in diags]

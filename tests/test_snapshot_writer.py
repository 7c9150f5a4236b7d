"""`torchlint snapshot` writes a snapshot from live indexes that `check --snapshot` then uses."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers import run_cli
from tests.indexserver.worlds import founding_case_world

PUBLIC = "https://download.pytorch.org"


def test_snapshot_from_live_index_is_used_offline(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = index_server_factory(founding_case_world(nightlies=3), json=False, missing_status=403)
    out = tmp_path / "snap"
    proc = run_cli(
        ["snapshot", "--out", str(out), "--mirror", f"{PUBLIC}={server.url}", "--timeout", "5"], timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "refreshed from live indexes" in proc.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert "live indexes" in manifest["source"]
    assert not any(server.url in p.read_bytes().decode("latin-1") for p in out.glob("*.json"))

    example = ROOT / "examples" / "u01-nightly-without-triton"
    proc = run_cli(
        [
            "check",
            str(example / "pyproject.toml"),
            "--offline",
            "--snapshot",
            str(out),
            "--output-format",
            "json",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    (d,) = [d for d in json.loads(proc.stdout) if d["code"] == "TL201"]
    # the verdict now rests on what the live (local) index listed: the Dec 2024 nightlies
    assert "2.6.0.dev20241204" in d["message"]
    assert "pytorch-triton==3.2.0+git35c6c7c6" in " ".join(d["evidence"])


def test_snapshot_refuses_a_non_snapshot_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    proc = run_cli(["snapshot", "--out", str(tmp_path), "--timeout", "1"])
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"

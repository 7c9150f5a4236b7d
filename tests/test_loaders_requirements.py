"""pip requirements files: options, includes, continuations, ignored per-line options, pip as oracle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import check_json, run_cli, write_project
from tests.indexserver.worlds import _pure
from torchlint.project.detect import load_any

REQ = """\
# comment
--pre
-i https://download.pytorch.org/whl/nightly/cu128
--extra-index-url=https://download.pytorch.org/whl/cpu
-f https://download.pytorch.org/whl/torch_stable.html
torch==2.7.0+cpu ; sys_platform == "linux"  # trailing comment
torchvision \\
    --hash=sha256:abc \\
    --hash=sha256:def
torchaudio --index-url https://download.pytorch.org/whl/cu126 --pre
wheel @ https://example.invalid/wheel-1.0-py3-none-any.whl
https://download.pytorch.org/whl/cu116/torch-1.12.1%2Bcu116-cp310-cp310-win_amd64.whl
-e ./local
-c constraints.txt
-r more.txt
"""


def test_requirements_model(tmp_path: Path) -> None:
    (tmp_path / "constraints.txt").write_text("numpy<2\n")
    (tmp_path / "more.txt").write_text("-r requirements.txt\nrequests>=2\n-r missing.txt\n")
    p = load_any(str(write_project(tmp_path, REQ, "requirements.txt")))
    assert p.manager == "pip"
    assert p.uv.prerelease is not None and p.uv.prerelease.value == "allow"
    default, extra, flat = p.indexes
    assert (default.origin, default.default, default.url) == (
        "--index-url",
        True,
        "https://download.pytorch.org/whl/nightly/cu128",
    )
    assert default.location is not None and (default.location.row, default.location.column) == (3, 1)
    assert default.url_location is not None and (default.url_location.row, default.url_location.column) == (
        3,
        4,
    )
    assert (extra.origin, extra.default, extra.explicit) == ("--extra-index-url", False, False)
    assert extra.url_location is not None and extra.url_location.column == 19
    assert (flat.origin, flat.format) == ("--find-links", "flat")
    assert p.uv.index_strategy is not None and p.uv.index_strategy.value == "unsafe-best-match"
    names = [(r.name, r.location.row, r.location.column) for r in p.requirements]
    assert names == [
        ("torch", 6, 1),
        ("torchvision", 7, 1),
        ("torchaudio", 10, 1),
        ("wheel", 11, 1),
        ("torch", 12, 1),
        ("requests", 2, 1),
    ]
    torch = p.requirements[0]
    assert str(torch.marker) == 'sys_platform == "linux"' and torch.location.end_column == 43
    assert p.requirements[1].hashes == ("sha256:abc", "sha256:def")
    assert p.requirements[4].requirement.url is not None and p.sources["torch"][0].kind == "url"
    assert p.requirements[5].location.filename.endswith("more.txt")
    assert [(c.name, c.location.filename.endswith("constraints.txt")) for c in p.constraints] == [
        ("numpy", True)
    ]
    ignored = [(o.option, o.package, o.location.row, o.location.column) for o in p.ignored_options]
    assert ignored == [("--index-url", "torchaudio", 10, 12), ("--pre", "torchaudio", 10, 63)]
    problems = [(pr.message, pr.location.row) for pr in p.problems]
    assert len(problems) == 2
    assert "include cycle" in problems[0][0] and "missing.txt" in problems[1][0]


def test_later_index_url_replaces_earlier_indexes(tmp_path: Path) -> None:
    text = "--extra-index-url https://a.invalid/simple\n--index-url https://b.invalid/simple\ntorch\n"
    p = load_any(str(write_project(tmp_path, text, "requirements.txt")))
    assert [i.url for i in p.indexes] == ["https://b.invalid/simple"]
    assert p.uv.index_strategy is None
    (ign,) = p.ignored_options
    assert ign.option == "--extra-index-url" and ign.location.row == 1 and "replaced" in ign.reason


def test_corpus_txt_files_load(tmp_path: Path) -> None:
    for src in sorted((ROOT / "tests/corpus/real").glob("*.txt")):
        (tmp_path / "requirements.txt").write_text(src.read_text())
        proc = run_cli(["check", "requirements.txt", "--offline", "--output-format", "json"], cwd=tmp_path)
        assert proc.returncode in (0, 1), (src.name, proc.stderr)
    p = load_any(str(ROOT / "tests/corpus/real/049-seed-vc.txt"))
    assert {(o.option, o.package) for o in p.ignored_options} == {
        ("--pre", "torch"),
        ("--index-url", "torch"),
        ("--pre", "torchvision"),
        ("--index-url", "torchvision"),
        ("--pre", "torchaudio"),
        ("--index-url", "torchaudio"),
    }
    assert p.indexes == [] and p.uv.prerelease is None


def test_check_directory_reports_each_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "d"\nversion = "0"\ndependencies = ["torch"]\n\n'
        '[[tool.uv.index]]\nname = "cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n'
    )
    (tmp_path / "requirements.txt").write_text(
        "--extra-index-url https://download.pytorch.org/whl/cpu\ntorch\n"
    )
    (tmp_path / "pixi.toml").write_text(
        '[workspace]\nname = "d"\nchannels = []\nplatforms = ["linux-64"]\n\n[pypi-options]\n'
        'index-url = "https://download.pytorch.org/whl/cpu"\n\n[pypi-dependencies]\ntorch = "*"\n'
    )
    proc = run_cli(
        ["check", ".", "--offline", "--output-format", "json", "--select", "TL001,TL005"], cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    where = sorted((d["filename"], d["location"]["row"], d["code"]) for d in json.loads(proc.stdout))
    # pip has no explicit indexes: its --extra-index-url is TL005's business, not TL001's
    assert where == [
        ("pixi.toml", 7, "TL001"),
        ("pyproject.toml", 6, "TL001"),
        ("requirements.txt", 1, "TL005"),
    ]
    (tmp_path / "empty").mkdir()
    proc = run_cli(["check", "empty", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def _pip(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "--no-cache-dir", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_pip_agrees_extra_index_merges_and_line_options_are_ignored(
    index_server_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """pip is the oracle: --extra-index-url merges (best version from any index), and an
    --index-url on a requirement line is not applied."""
    world = {
        "indexes": {
            "/simple": {"projects": _pure("torchtriton", "torchtriton", "3.0.0")},
            "/whl/nightly/cpu": {"projects": _pure("torchtriton", "torchtriton", "2.0.0")},
        }
    }
    server = index_server_factory(world)
    req = write_project(
        tmp_path,
        f"--index-url {server.url}/simple\n--extra-index-url {server.url}/whl/nightly/cpu\ntorchtriton\n",
        "requirements.txt",
    )
    proc = _pip(
        ["install", "--dry-run", "--ignore-installed", "--no-deps", "--report", "r.json", "-r", str(req)],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (item,) = json.loads((tmp_path / "r.json").read_text())["install"]
    assert item["download_info"]["url"].endswith("/simple/torchtriton-3.0.0-py3-none-any.whl")
    p = load_any(str(req))
    assert p.uv.index_strategy is not None and p.uv.index_strategy.value == "unsafe-best-match"

    req.write_text(
        f"--index-url {server.url}/simple\ntorchtriton==2.0.0 --index-url {server.url}/whl/nightly/cpu\n"
    )
    proc = _pip(["install", "--dry-run", "--ignore-installed", "--no-deps", "-r", str(req)], tmp_path)
    assert proc.returncode != 0 and "torchtriton==2.0.0" in proc.stderr
    p = load_any(str(req))
    assert [(o.option, o.package) for o in p.ignored_options] == [("--index-url", "torchtriton")]
    assert [i.url for i in p.indexes] == [f"{server.url}/simple"]
    code, _diags, _ = check_json(req, "--offline")
    assert code in (0, 1)

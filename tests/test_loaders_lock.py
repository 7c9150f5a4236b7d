"""uv.lock loading and TL401 lock-drift (the lock-based cases the example runner cannot express)."""

from __future__ import annotations

from pathlib import Path

import pytest

import torchlint.rules.tl401_lock_drift as tl401
from torchlint.check import CheckOptions, run_check
from torchlint.index.probe import ProbeOptions
from torchlint.project.detect import load_any

LOCK_HEAD = 'version = 1\nrevision = 3\nrequires-python = ">=3.12"\n'


def _run(tmp_path: Path, pyproject: str, lock: str | None) -> list[tuple[str, str, int]]:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    if lock is not None:
        (tmp_path / "uv.lock").write_text(lock)
    opts = CheckOptions(select=["TL401"], probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache")))
    result = run_check([str(tmp_path / "pyproject.toml")], opts, environ={})
    return [(d.code, Path(d.location.filename).name, d.location.row) for d in result.diagnostics]


def test_uv_lock_is_attached(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(tl401.EXAMPLES[0].pyproject)
    (tmp_path / "uv.lock").write_text(tl401.EXAMPLE_FILES[0]["uv.lock"])
    p = load_any(str(tmp_path / "pyproject.toml"))
    assert p.lock is not None
    (pkg,) = p.lock.packages
    assert (pkg.name, pkg.version, pkg.source_kind) == ("torch", "2.7.1+cu124", "registry")
    assert pkg.source_url == "https://download.pytorch.org/whl/cu124"
    assert pkg.location is not None and pkg.location.row == 5
    (w,) = pkg.wheels
    assert w.hash == "sha256:00" and w.filename == "torch-2.7.1+cu124-cp312-cp312-manylinux_2_28_x86_64.whl"


@pytest.mark.parametrize(("i", "ex"), list(enumerate(tl401.EXAMPLES)))
def test_examples_with_their_files(tmp_path: Path, i: int, ex: tl401.Example) -> None:
    files = tl401.EXAMPLE_FILES.get(i, {})
    found = _run(tmp_path, ex.pyproject, files.get("uv.lock"))
    assert bool(found) == (ex.kind == "bad"), found
    if found:
        assert found == [("TL401", "pyproject.toml", 8)]  # at the torch source entry


def test_relocked_is_clean(tmp_path: Path) -> None:
    lock = tl401.EXAMPLE_FILES[0]["uv.lock"].replace("cu124", "cu126")
    assert _run(tmp_path, tl401.EXAMPLES[0].pyproject, lock) == []


def test_mixed_hashes(tmp_path: Path) -> None:
    lock = LOCK_HEAD + (
        '\n[[package]]\nname = "torch"\nversion = "2.7.1+cu126"\n'
        'source = { registry = "https://download.pytorch.org/whl/cu126" }\nwheels = [\n'
        '    { url = "https://download.pytorch.org/whl/cu126/torch-2.7.1%2Bcu126-cp312-cp312-manylinux_2_28_x86_64.whl", hash = "sha256:00" },\n'
        '    { url = "https://download.pytorch.org/whl/cu126/torch-2.7.1%2Bcu126-cp312-cp312-win_amd64.whl" },\n'
        "]\n"
    )
    assert _run(tmp_path, tl401.EXAMPLES[0].pyproject, lock) == [("TL401", "uv.lock", 5)]


def test_pruned_nightly(tmp_path: Path) -> None:
    pyproject = (
        tl401.EXAMPLES[0]
        .pyproject.replace("whl/cu126", "whl/nightly/cu128")
        .replace("torch==2.7.1", "torch>=2.6.0.dev0")
    )
    lock = LOCK_HEAD + (
        '\n[[package]]\nname = "torch"\nversion = "2.6.0.dev20241001+cu128"\n'
        'source = { registry = "https://download.pytorch.org/whl/nightly/cu128" }\n'
    )
    found = _run(tmp_path, pyproject, lock)
    assert found == [("TL401", "uv.lock", 5)]


def test_unreadable_lock_is_a_problem_not_an_exit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(tl401.EXAMPLES[0].pyproject)
    (tmp_path / "uv.lock").write_text("[[package]\n")
    p = load_any(str(tmp_path / "pyproject.toml"))
    assert p.lock is None and len(p.problems) == 1 and "uv.lock" in p.problems[0].message

"""The disk cache never fails a check: corrupt entries, concurrent runs, an unwritable directory.

Live runs of the founding case against the local index server; a cache problem may cost a
re-fetch, never a wrong or missing verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, torchlint_exe
from tests.helpers import run_cli
from tests.indexserver.worlds import founding_case_world

BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()
PUBLIC = "https://download.pytorch.org"


def _args(server) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        *["check", "pyproject.toml", "--output-format", "json", "--mirror", f"{PUBLIC}={server.url}"],
        *["--default-index", server.index_url("/simple"), "--refresh"],
    ]


def _verdict(stdout: str) -> list[tuple[str, int, str]]:
    return sorted((d["code"], d["location"]["row"], d["message"]) for d in json.loads(stdout))


@pytest.fixture
def live(index_server_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    server = index_server_factory(founding_case_world(nightlies=2), missing_status=403)
    (tmp_path / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    return server, tmp_path


def _corrupt(cache: Path, how: str) -> int:
    n = 0
    for f in sorted(cache.rglob("*")):
        if not f.is_file() or f.name in ("generation",) or "results" in f.parts:
            continue
        data = f.read_bytes()
        if how == "truncate":
            f.write_bytes(data[: len(data) // 2])
        elif how == "garbage":
            f.write_bytes(os.urandom(len(data)))
        elif how == "wrong-json":
            f.write_text(json.dumps({"v": 1, "f": [[1, 2]], "s": "ok", "t": "yesterday"}))
        elif how == "empty":
            f.write_bytes(b"")
        n += 1
    return n


@pytest.mark.parametrize("how", ["truncate", "garbage", "wrong-json", "empty"])
def test_corrupt_cache_entries_are_misses(live, how: str) -> None:  # type: ignore[no-untyped-def]
    server, tmp = live
    cache = tmp / "cache"
    env = {"TORCHLINT_CACHE_DIR": str(cache)}
    first = run_cli(_args(server)[:-1], cwd=tmp, env=env)  # fills the cache
    assert first.returncode == 1, first.stderr
    assert _corrupt(cache, how) > 0
    # without --refresh, so the corrupt entries are read
    again = run_cli([*_args(server)[:-1], "--target", "linux-x86_64"], cwd=tmp, env=env)
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert any(d[0] == "TL201" for d in _verdict(again.stdout))


def test_two_concurrent_runs_share_a_cache(live) -> None:  # type: ignore[no-untyped-def]
    server, tmp = live
    env = dict(os.environ, TORCHLINT_CACHE_DIR=str(tmp / "cache"))
    procs = [
        subprocess.Popen(
            [*torchlint_exe(), *_args(server)],
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [o[1] for o in outs]
    assert _verdict(outs[0][0]) == _verdict(outs[1][0])
    assert any(d[0] == "TL201" for d in _verdict(outs[0][0]))
    # no temporary files left behind
    assert not [f for f in (tmp / "cache").rglob(".tmp-*")]


def test_cache_dir_that_cannot_be_created(live) -> None:  # type: ignore[no-untyped-def]
    """The cache directory's parent is a regular file (works as root, where chmod would not)."""
    server, tmp = live
    blocker = tmp / "not-a-dir"
    blocker.write_text("a file where the cache's parent directory should be")
    proc = run_cli(_args(server), cwd=tmp, env={"TORCHLINT_CACHE_DIR": str(blocker / "cache")})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert any(d[0] == "TL201" for d in _verdict(proc.stdout))
    assert blocker.is_file()


def test_cache_dir_is_a_file(live) -> None:  # type: ignore[no-untyped-def]
    server, tmp = live
    (tmp / "cachefile").write_text("x")
    proc = run_cli(_args(server), cwd=tmp, env={"TORCHLINT_CACHE_DIR": str(tmp / "cachefile")})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert any(d[0] == "TL201" for d in _verdict(proc.stdout))


def test_full_cache_dir() -> None:
    pytest.skip(
        "a full file system needs a small tmpfs mount (root + mount); the same code path "
        "(OSError on write -> no caching) is pinned by test_cache_dir_that_cannot_be_created"
    )

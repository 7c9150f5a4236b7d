"""Deadlines, not just timeouts: a server that never answers, or answers one byte at a time,
ends a check within ``--timeout`` + 5 s, with the fallback said in one line on stderr.

Each request has a total deadline (connect, headers and the whole body: the read loop checks a
monotonic clock after every chunk), and the run has one (``--timeout`` plus 1 s across every
index, retry and phase); past it the cache or the bundled snapshot stands in. The real CLI runs
against the local index server with stdout and stderr captured (no terminal).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.indexserver.worlds import founding_case_world
from tests.test_hostile_index import BROKEN, PUBLIC

FAULTS = {
    "never-answers": ["--stall-path", "."],
    "drip": ["--drip-path", ".", "--drip-interval", "0.2"],
}


def _check(server, tmp: Path, timeout: str, *extra: str):  # type: ignore[no-untyped-def]
    (tmp / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    start = time.monotonic()
    proc = run_cli(
        [
            *["check", "pyproject.toml", "--output-format", "json", "--timeout", timeout],
            *["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")],
            *extra,
        ],
        cwd=tmp,
        timeout=60,
    )
    return proc, time.monotonic() - start


def _assert_fallback_stated(proc, server) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("torchlint: no answer from")]
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert f"127.0.0.1:{server.port}" in line and "--offline skips the network" in line, line
    # honest counts: how many requests timed out, how many were never sent
    m = re.search(r"\((\d+) requests? timed out", line)
    assert m is not None and int(m.group(1)) >= 1, line
    # the verdict still comes, from the snapshot, and says so
    diags = json.loads(proc.stdout)
    tl201 = [d for d in diags if d["code"] == "TL201"]
    assert tl201 and "snapshot" in tl201[0]["basis"], diags


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_stalling_index_ends_within_timeout_plus_5s(index_server_factory, tmp_path: Path, fault: str) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=FAULTS[fault])
    proc, seconds = _check(server, tmp_path, "2", "--no-cache")
    _assert_fallback_stated(proc, server)
    assert seconds < 2 + 5, (fault, seconds, proc.stderr)
    # the server really was asked (and never finished an answer)
    reqs = server.requests()
    assert reqs and all(not r["complete"] for r in reqs if r["path"] != "/_stats"), reqs


def test_two_stalling_indexes_share_one_deadline(index_server_factory, tmp_path: Path) -> None:
    """The deadline is the run's, not per index: two dead hosts cost no more than one."""
    a = index_server_factory(founding_case_world(nightlies=2), extra_args=FAULTS["never-answers"])
    b = index_server_factory(founding_case_world(nightlies=2), extra_args=FAULTS["drip"])
    # the PyTorch host goes to a, the default index to b
    (tmp_path / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    start = time.monotonic()
    proc = run_cli(
        [
            *["check", "pyproject.toml", "--output-format", "json", "--timeout", "2", "--no-cache"],
            *["--mirror", f"{PUBLIC}={a.url}", "--default-index", b.index_url("/simple")],
        ],
        cwd=tmp_path,
        timeout=60,
    )
    seconds = time.monotonic() - start
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("torchlint: no answer from")]
    assert f"127.0.0.1:{a.port}" in line and f"127.0.0.1:{b.port}" in line, line
    assert seconds < 2 + 5, (seconds, proc.stderr)


def test_expired_cache_stands_in_when_the_index_stops_answering(index_server_factory, tmp_path: Path) -> None:
    """Fall back to the cache first: a page cached by an earlier run, now stale, is used."""
    cache = tmp_path / "cache"
    good = index_server_factory(founding_case_world(nightlies=2))
    (tmp_path / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    args = ["check", "pyproject.toml", "--output-format", "json", "--timeout", "2"]
    env = {"TORCHLINT_CACHE_DIR": str(cache)}
    first = run_cli(
        [*args, "--mirror", f"{PUBLIC}={good.url}", "--default-index", good.index_url("/simple")],
        cwd=tmp_path,
        env=env,
    )
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr
    port = good.port
    good.stop()
    # the port is closed now (connections refused); --refresh makes every cached page stale
    start = time.monotonic()
    proc = run_cli(
        [
            *args,
            "--refresh",
            *["--mirror", f"{PUBLIC}=http://127.0.0.1:{port}"],
            *["--default-index", f"http://127.0.0.1:{port}/simple"],
        ],
        cwd=tmp_path,
        env=env,
    )
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    assert time.monotonic() - start < 2 + 5
    assert "from an expired cache entry" in proc.stderr, proc.stderr
    tl201 = [d for d in json.loads(proc.stdout) if d["code"] == "TL201"]
    assert tl201 and "snapshot" not in tl201[0]["basis"], tl201


@pytest.mark.slow
def test_default_timeout_ends_within_15s(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=FAULTS["never-answers"])
    (tmp_path / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    start = time.monotonic()
    proc = run_cli(
        [
            *["check", "pyproject.toml", "--output-format", "full", "--no-cache"],
            *["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")],
        ],
        cwd=tmp_path,
        timeout=60,
    )
    seconds = time.monotonic() - start
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    assert "within the run's 11 s network deadline" in proc.stderr, proc.stderr
    assert seconds < 15, seconds


def test_map_gives_late_items_their_fallback_at_the_deadline() -> None:
    """In process: work still running at the run's deadline is abandoned, errors are not lost."""
    from torchlint.index.client import SimpleClient

    c = SimpleClient(run_budget=1.0)
    assert c.map(lambda x: x * 2, [1, 2, 3], late=lambda x: -1) == [2, 4, 6]  # clock not started
    with pytest.raises(ZeroDivisionError):
        c.map(lambda x: 1 // 0, [1, 2], late=lambda x: -1)
    c._start_clock()
    start = time.monotonic()
    assert c.map(lambda x: (time.sleep(5), x)[1], [1, 2], late=lambda x: -x) == [-1, -2]
    assert time.monotonic() - start < 3

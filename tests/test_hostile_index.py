"""Hostile indexes: the real CLI against the local index server with each fault switched on.

Every run uses the founding case (astral-sh/uv#9651) with ``--mirror`` pointing the PyTorch host
at the server, ``--default-index <server>/simple`` and ``--timeout 2``. Whatever the server does,
a run must end within :data:`TIME_BOUND` seconds, below :data:`RSS_BOUND_MB` of peak memory,
with a diagnostic or a one-line note saying which index was unusable and why, never a traceback,
and never by downloading a whole wheel. Only loopback addresses are used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, torchlint_exe
from tests.indexserver.worlds import founding_case_world

BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()
PUBLIC = "https://download.pytorch.org"
TIME_BOUND = 30.0
RSS_BOUND_MB = 200
#: Bytes of wheels a run may receive: Range reads of zip tails, never a wheel.
WHEEL_BYTES_CAP = 1 << 20

# Runs the CLI as a grandchild and reports its peak RSS (RUSAGE_CHILDREN of a fresh process
# counts only that run, not earlier children of the test process such as index servers).
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL)\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(p.returncode)\n"
)


@dataclass
class Run:
    code: int
    diags: list[dict[str, Any]]
    stderr: str
    seconds: float
    rss_mb: float

    def tl201(self) -> dict[str, Any] | None:
        found = [d for d in self.diags if d["code"] == "TL201"]
        return found[0] if found else None


def _report(name: str, **fields: Any) -> None:
    out = os.environ.get("TORCHLINT_RELIABILITY_REPORT")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": "index", "name": name, **fields}) + "\n")


def run_live(server: Any, tmp: Path, *extra: str, text: str = BROKEN) -> Run:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "pyproject.toml").write_text(text, encoding="utf-8")
    rss_file = tmp / "rss.txt"
    args = [
        *torchlint_exe(),
        *["check", "pyproject.toml", "--output-format", "json"],
        *([] if "--timeout" in extra else ["--timeout", "2"]),
        *["--mirror", f"{PUBLIC}={server.url}", "--default-index", server.index_url("/simple")],
        *extra,
    ]
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, str(rss_file), *args],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=TIME_BOUND * 3,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - start
    assert "Traceback" not in proc.stderr, proc.stderr
    diags = json.loads(proc.stdout) if proc.stdout.strip() else []
    rss_mb = int(rss_file.read_text()) / 1024 if rss_file.exists() else 0.0
    return Run(proc.returncode, diags, proc.stderr, seconds, rss_mb)


def _bounded(run: Run, name: str, bound: float = TIME_BOUND) -> None:
    _report(name, seconds=round(run.seconds, 1), rss_mb=round(run.rss_mb), exit=run.code)
    assert run.code in (0, 1), run.stderr
    assert run.seconds < bound, (name, run.seconds)
    assert 0 < run.rss_mb < RSS_BOUND_MB, (name, run.rss_mb)


def _unusable_note(run: Run, label: str, why: str) -> None:
    notes = [line for line in run.stderr.splitlines() if "unusable" in line and label in line]
    assert notes, run.stderr
    assert any(why in line for line in notes), notes


NIGHTLY = "`pytorch-nightly`"


def _wheel_bytes(server: Any) -> int:
    return sum(int(r.get("bytes", 0)) for r in server.requests() if r.get("kind") == "wheel")


# ------------------------------------------------------------------------------ slow and dead


def test_slow_index_every_response_later_than_the_timeout(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=["--delay", "3"])
    run = run_live(server, tmp_path)
    _bounded(run, "delay 3 s > timeout 2 s")
    _unusable_note(run, NIGHTLY, "timed out after 2 s")
    _unusable_note(run, "/simple", "timed out after 2 s")
    # the verdict still comes, from the snapshot, and says so
    d = run.tl201()
    assert d is not None and "snapshot" in d["basis"]


def test_stalled_pytorch_index_others_still_checked_live(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=["--stall-path", "^/whl/"])
    run = run_live(server, tmp_path)
    _bounded(run, "stall (never answers)")
    _unusable_note(run, NIGHTLY, "timed out after 2 s")
    d = run.tl201()
    assert d is not None
    # the default index answered and its facts are live
    assert any("/simple> lists pytorch-triton 0.0.1 only (live)" in e for e in d["evidence"]), d["evidence"]


def test_5xx_bounded_retries_then_unusable(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=["--fail-5xx", "100"])
    run = run_live(server, tmp_path)
    _bounded(run, "HTTP 503 on every request")
    _unusable_note(run, NIGHTLY, "HTTP 503 after 3 tries")
    per_path: dict[str, int] = {}
    for r in server.requests():
        per_path[r["path"]] = per_path.get(r["path"], 0) + 1
    assert per_path and max(per_path.values()) <= 3, per_path  # 1 try + 2 retries, no more
    times = sorted(r["t"] for r in server.requests() if r["path"] == "/whl/nightly/cpu/torch/")
    assert len(times) == 3 and times[-1] - times[0] >= 0.7, times  # backoff 0.2 s, then 0.6 s


def test_5xx_once_recovers_on_retry(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=["--fail-5xx", "1"])
    run = run_live(server, tmp_path)
    _bounded(run, "HTTP 503 once per path")
    d = run.tl201()
    assert d is not None and "live" in d["basis"] and "unusable" not in run.stderr


# ------------------------------------------------------------------------------ bad answers


@pytest.mark.parametrize(
    ("name", "kwargs", "why"),
    [
        ("redirect loop", {"extra_args": ["--redirect-loop-path", "^/whl/"]}, "too many redirects"),
        ("wrong content type", {"extra_args": ["--bad-content-type"]}, "invalid HTML page"),
        ("invalid JSON page", {"extra_args": ["--garbage-page-path", "^/whl/"]}, "invalid JSON page"),
        (
            "invalid HTML page",
            {"json": False, "extra_args": ["--garbage-page-path", "^/whl/"]},
            "invalid HTML page",
        ),
        ("gzip bomb (1 GiB)", {"extra_args": ["--gzip-bomb-path", "^/whl/"]}, "inflates more than"),
    ],
)
def test_bad_pages_make_the_index_unusable(
    index_server_factory, tmp_path: Path, name: str, kwargs: dict[str, Any], why: str
) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), **kwargs)
    run = run_live(server, tmp_path)
    _bounded(run, name)
    _unusable_note(run, NIGHTLY, why)
    d = run.tl201()
    assert d is not None and "snapshot" in d["basis"]


def test_gzip_bomb_is_not_inflated(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=1), extra_args=["--gzip-bomb-path", "^/whl/"])
    run = run_live(server, tmp_path)
    _bounded(run, "gzip bomb: bytes read")
    # each bomb response is abandoned after a few MB inflated (a few kB on the wire)
    bombs = [r for r in server.requests() if r.get("fault") == "gzip-bomb"]
    assert bombs, server.requests()
    assert run.seconds < 20, run.seconds


# ------------------------------------------------------------------------------ wheels


def test_server_ignoring_range_never_sends_a_whole_multi_gb_wheel(
    index_server_factory, tmp_path: Path
) -> None:
    server = index_server_factory(
        founding_case_world(nightlies=1, torch_size=2 * 1024**3),
        metadata=False,
        range=False,
        hashes=False,
        missing_status=403,
    )
    # The server builds a 2 GiB (sparse) wheel on its first request, which takes seconds: a
    # longer timeout here, so the answer under test is "no Range", not "too slow".
    run = run_live(server, tmp_path, "--timeout", "60")
    _bounded(run, "Range ignored, 2 GiB wheels", bound=90)
    assert _wheel_bytes(server) < WHEEL_BYTES_CAP, _wheel_bytes(server)
    d = run.tl201()
    assert d is not None
    assert any("ignores Range requests" in e for e in d["evidence"]), d["evidence"]


def test_truncated_wheels(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(
        founding_case_world(nightlies=2), metadata=False, extra_args=["--truncate-wheels"]
    )
    run = run_live(server, tmp_path)
    _bounded(run, "truncated wheel bodies")
    d = run.tl201()
    assert d is not None
    assert any("unavailable" in e and "connection failed" in e for e in d["evidence"]), d["evidence"]
    # a cut-short wheel body says nothing about the host: the index pages stay live
    assert "unusable" not in run.stderr, run.stderr
    assert _wheel_bytes(server) < WHEEL_BYTES_CAP


def test_metadata_hash_mismatch_is_unavailable_with_the_reason(index_server_factory, tmp_path: Path) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), extra_args=["--bad-metadata-hash"])
    run = run_live(server, tmp_path)
    _bounded(run, "PEP 658 metadata hash mismatch")
    d = run.tl201()
    assert d is not None
    assert any("unavailable (metadata hash mismatch)" in e for e in d["evidence"]), d["evidence"]


# ------------------------------------------------------------------------------ unit level


def test_https_to_http_redirect_is_refused_for_pages_and_metadata() -> None:
    import httpx

    from torchlint.index.client import SimpleClient
    from torchlint.index.model import FileEntry

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": "http://127.0.0.1:9/" + request.url.path})
        return httpx.Response(200, text="<a href='x'>never</a>")

    with SimpleClient(transport=httpx.MockTransport(handler), retries=0) as c:
        lst = c.get_listing("https://127.0.0.1:8443/simple", "torch")
        assert lst.status == "error" and lst.error == "refused redirect from https to http"
        name = "torch-2.5.1-cp312-cp312-linux_x86_64.whl"
        entry = FileEntry(name, "https://127.0.0.1:8443/f/" + name, has_metadata=True)
        meta = c.get_metadata(entry)
        assert getattr(meta, "reason", "") == "refused redirect from https to http"
    assert all(u.startswith("https://") for u in seen), seen


def test_random_bytes_as_a_zip_never_raise() -> None:
    """Invalid zips: METADATA by range reads of random or truncated data is a ZipMetaError."""
    import random

    from torchlint.index.zipmeta import ZipMetaError, read_metadata

    rng = random.Random(658)
    count = 0
    for _ in range(300):
        size = rng.choice([0, 1, 21, 22, 100, 70_000])
        blob = bytearray(rng.getrandbits(8) for _ in range(size))
        if size >= 22 and rng.random() < 0.5:  # a plausible end-of-central-directory record
            blob[-22:-18] = b"PK\x05\x06"

        def fetch(start: int | None, length: int, blob: bytes = bytes(blob)) -> tuple[bytes, int | None]:
            if start is None:
                return blob[-length:], len(blob)
            return blob[start : start + length], len(blob)

        try:
            read_metadata(fetch, filename="torch-2.5.1-cp312-cp312-linux_x86_64.whl", max_size=1 << 20)
        except ZipMetaError:
            pass
        count += 1
    _report("random bytes as a wheel zip", inputs=count)

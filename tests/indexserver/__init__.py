"""A real local simple-repository server (PEP 503 / 691 / 658) for tests and benchmarks.

``IndexServer(world).start()`` runs ``tests/indexserver/server.py`` as a subprocess bound to
127.0.0.1 on a random port; ``stop()`` ends it by its process id. Pytest fixtures live in
``tests.indexserver.fixtures``; ready-made worlds in ``tests.indexserver.worlds``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SERVER_SCRIPT = Path(__file__).with_name("server.py")

__all__ = ["SERVER_SCRIPT", "IndexServer", "IndexServerError"]


class IndexServerError(RuntimeError):
    """The server subprocess failed to start."""


class IndexServer:
    """A context manager running the index server subprocess for one ``world`` spec."""

    def __init__(
        self,
        world: dict[str, Any],
        *,
        data_dir: Path | None = None,
        missing_status: int = 404,
        metadata: bool = True,
        range: bool = True,
        json: bool = True,
        hashes: bool = True,
        requires_python: bool = True,
        extra_args: Sequence[str] = (),
        max_seconds: float = 300,
    ) -> None:
        self.world = world
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.missing_status = missing_status
        self.metadata = metadata
        self.range = range
        self.json = json
        self.hashes = hashes
        self.requires_python = requires_python
        self.extra_args = list(extra_args)
        self.max_seconds = max_seconds
        self.port: int | None = None
        self.url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.workdir: Path | None = None
        self.log_path: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def command(self) -> list[str]:
        assert self.workdir is not None
        onoff = {True: "on", False: "off"}
        cmd = [
            sys.executable, str(SERVER_SCRIPT),
            "--world", str(self.workdir / "world.json"),
            "--host", "127.0.0.1", "--port", "0",
            "--port-file", str(self.workdir / "port"),
            "--log", str(self.workdir / "requests.jsonl"),
            "--max-seconds", str(self.max_seconds),
            "--missing-status", str(self.missing_status),
            "--metadata", onoff[bool(self.metadata)],
            "--range", onoff[bool(self.range)],
            "--json", onoff[bool(self.json)],
            "--hashes", onoff[bool(self.hashes)],
            "--requires-python", onoff[bool(self.requires_python)],
        ]  # fmt: skip
        cmd += ["--data-dir", str(self.data_dir if self.data_dir is not None else self.workdir / "data")]
        return cmd + self.extra_args

    def start(self, timeout: float = 15.0) -> IndexServer:
        if self.proc is not None:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="indexserver-run-")
        self.workdir = Path(self._tmp.name)
        (self.workdir / "world.json").write_text(json.dumps(self.world), encoding="utf-8")
        self.log_path = self.workdir / "requests.jsonl"
        self.log_path.touch()
        port_file = self.workdir / "port"
        errf = open(self.workdir / "stderr.txt", "wb")  # noqa: SIM115 - owned by the child
        try:
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=errf,
                stderr=errf,
                start_new_session=True,
            )
        finally:
            errf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_file.exists():
                text = port_file.read_text().strip()
                if text.isdigit():
                    self.port = int(text)
                    self.url = f"http://127.0.0.1:{self.port}"
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        err = (self.workdir / "stderr.txt").read_text(errors="replace")
        self.stop()
        raise IndexServerError(f"index server did not start within {timeout} s:\n{err}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        if self._tmp is not None and proc is not None:
            # keep the log readable after stop: copy it out before the temp dir goes away
            try:
                self._final_log = self.log_path.read_text(encoding="utf-8") if self.log_path else ""
            except OSError:
                self._final_log = ""
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- queries ---------------------------------------------------------------------------------
    def index_url(self, prefix: str) -> str:
        return self.url + "/" + prefix.strip("/")

    def requests(self) -> list[dict[str, Any]]:
        """Parsed request-log lines so far (also available after ``stop()``)."""
        if self._tmp is not None and self.log_path is not None:
            text = self.log_path.read_text(encoding="utf-8")
        else:
            text = getattr(self, "_final_log", "")
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line being written right now
        return out

    def bytes_served(self) -> int:
        return sum(int(r.get("bytes", 0)) for r in self.requests())

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

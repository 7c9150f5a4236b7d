"""The terminal contract: data on stdout, status on stderr, colour switches, statistics, output files."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, torchlint_exe
from tests.helpers import run_cli, write_project
from tests.indexserver.worlds import founding_case_world

PROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests"]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"

[tool.uv.sources]
torch = { index = "pytorch-nowhere" }
"""
# two TL001 warnings (7:1, 11:1) and one TL002 error: the statistics are 2 and 1
ARGS = ["check", "--offline", "--select", "TL001,TL002"]
ESC = "\x1b["


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, PROJECT)
    return tmp_path


def test_statistics(project: Path) -> None:
    proc = run_cli([*ARGS, "--statistics"], cwd=project)
    assert proc.returncode == 1
    assert proc.stdout == "   2  TL001  index-not-explicit\n   1  TL002  undeclared-index\n"
    proc = run_cli([*ARGS, "--statistics", "--output-format", "json"], cwd=project)
    assert json.loads(proc.stdout) == [
        {"code": "TL001", "name": "index-not-explicit", "count": 2},
        {"code": "TL002", "name": "undeclared-index", "count": 1},
    ]
    proc = run_cli([*ARGS, "--statistics", "--exit-zero"], cwd=project)
    assert proc.returncode == 0 and proc.stdout.startswith("   2  TL001")


def test_output_file(project: Path) -> None:
    proc = run_cli([*ARGS, "--output-format", "concise", "-o", "report.txt"], cwd=project)
    assert proc.returncode == 1 and proc.stdout == ""
    report = (project / "report.txt").read_text(encoding="utf-8")
    assert report.startswith("pyproject.toml:16:9: TL002 [error] ")  # errors first
    assert "Found 1 error, 2 warnings.\n" in report
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "report.txt"]  # no temp left
    proc = run_cli([*ARGS, "--output-format", "json", "--output-file", "r.json"], cwd=project)
    assert [d["code"] for d in json.loads((project / "r.json").read_text())] == ["TL002", "TL001", "TL001"]
    # never coloured, even when forced, unless --color always
    run_cli([*ARGS, "-o", "c.txt"], cwd=project, env={"FORCE_COLOR": "1"})
    assert ESC not in (project / "c.txt").read_text()
    run_cli([*ARGS, "-o", "c.txt", "--color", "always"], cwd=project)
    assert ESC in (project / "c.txt").read_text()


def test_output_file_unwritable_is_exit_2(project: Path) -> None:
    proc = run_cli([*ARGS, "-o", "no/such/dir/report.txt", "--exit-zero"], cwd=project)
    assert proc.returncode == 2
    assert proc.stderr.startswith("no/such/dir/report.txt:1:1: cannot write the report: ")


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], False),  # a pipe
        ({"FORCE_COLOR": "1"}, [], True),
        ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the flag wins
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),  # NO_COLOR beats FORCE_COLOR
        ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
        ({"FORCE_COLOR": "1"}, ["--output-format", "json"], False),  # data formats never
    ],
)
def test_colour_switches(project: Path, env: dict[str, str], args: list[str], coloured: bool) -> None:
    proc = run_cli([*ARGS, *args], cwd=project, env=env)
    assert proc.returncode == 1
    assert (ESC in proc.stdout) is coloured
    assert ESC not in proc.stderr


def test_data_on_stdout_status_on_stderr(project: Path) -> None:
    proc = run_cli([*ARGS, "--output-format", "json"], cwd=project)
    assert json.loads(proc.stdout)  # stdout is pure data
    assert proc.stderr == ""  # config-only rules: nothing to say about index facts
    proc = run_cli(["check", "--offline", "--output-format", "json", "--select", "TL201"], cwd=project)
    assert proc.stdout.strip() == "[]"


def test_exit_zero_never_masks_2(project: Path) -> None:
    proc = run_cli([*ARGS, "--exit-zero", "--select", "NOPE"], cwd=project)
    assert proc.returncode == 2
    proc = run_cli([*ARGS, "--exit-zero"], cwd=project)
    assert proc.returncode == 0


def test_quiet_drops_the_summary(project: Path) -> None:
    proc = run_cli([*ARGS, "--quiet", "--output-format", "concise"], cwd=project)
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 3 and "Found" not in proc.stdout


def _run_with_tty_stderr(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run torchlint with stderr on a pseudo-terminal (stdout stays a pipe)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*torchlint_exe(), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "TERM": "xterm"},
        )
        os.close(slave)
        slave = -1
        chunks: list[bytes] = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out, _ = proc.communicate(timeout=120)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_line_only_on_a_terminal_and_for_human_formats(
    index_server_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), json=False)
    write_project(tmp_path, BROKEN)
    live = [
        "check",
        "--mirror",
        f"https://download.pytorch.org={server.url}",
        "--default-index",
        server.index_url("/simple"),
        "--no-cache",
        "--select",
        "TL201",
    ]
    code, out, err = _run_with_tty_stderr([*live, "--output-format", "concise"], tmp_path)
    assert code == 1, (out, err)
    assert "probing " in err and "index pages…" in err  # the status line, on stderr
    assert err.endswith("\r\x1b[2K")  # and cleared before the report
    assert "probing" not in out and out.startswith("pyproject.toml:")
    code, out, err = _run_with_tty_stderr([*live, "--output-format", "json"], tmp_path)
    assert code == 1 and json.loads(out)[0]["code"] == "TL201"
    assert "probing" not in err  # machine-readable: no progress
    proc = run_cli([*live, "--output-format", "concise"], cwd=tmp_path)  # stderr is a pipe
    assert proc.returncode == 1 and "probing" not in proc.stderr

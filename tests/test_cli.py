"""The command line as users and CI meet it: exit codes, one-line errors, formats, start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import check_json, run_cli, write_project

CLEAN = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests"]
"""


def test_version() -> None:
    proc = run_cli(["--version"])
    assert proc.returncode == 0
    assert proc.stdout.startswith("torchlint ")


def test_version_imports_neither_httpx_nor_jinja2() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "torchlint", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "torchlint" in {m.split(".")[0] for m in imported}
    assert not {m for m in imported if m.split(".")[0] in ("httpx", "jinja2")}


def test_clean_project_exits_0(tmp_path: Path) -> None:
    path = write_project(tmp_path, CLEAN)
    code, diags, _ = check_json(path, "--offline")
    assert (code, diags) == (0, [])


def test_default_path_is_pyproject_in_cwd(tmp_path: Path) -> None:
    write_project(tmp_path, CLEAN)
    proc = run_cli(["check", "--offline"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "All checks passed!" in proc.stdout


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[project\nname = 1\n", "pyproject.toml:1:"),
        ('[project]\nname = "a"\nname = "b"\n', "pyproject.toml:3:"),
        ("a = \n", "pyproject.toml:1:"),
    ],
)
def test_invalid_toml_is_one_line_exit_2(tmp_path: Path, text: str, where: str) -> None:
    write_project(tmp_path, text)
    proc = run_cli(["check", "pyproject.toml", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(where) and "invalid TOML" in lines[0]
    assert "Traceback" not in proc.stderr


def test_non_utf8_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "\xff"\n')
    proc = run_cli(["check", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "pyproject.toml:2:9: not valid UTF-8 (byte 0xff)"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    proc = run_cli(["check", "nope.toml", "--offline"], cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (2, "nope.toml:1:1: no such file")
    (tmp_path / "d").mkdir()
    proc = run_cli(["check", "d", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2 and "no pyproject.toml" in proc.stderr


def test_invalid_requirement_is_a_diagnostic_at_its_line(tmp_path: Path) -> None:
    path = write_project(tmp_path, CLEAN.replace('["requests"]', '[\n  "requests",\n  "torch>=2.5;;",\n]'))
    code, diags, _ = check_json(path, "--offline")
    assert code == 1
    (d,) = diags
    assert d["code"] == "TL000" and d["location"] == {"row": 7, "column": 3}


def test_json_fields(tmp_path: Path) -> None:
    path = write_project(
        tmp_path,
        CLEAN + '\n[[tool.uv.index]]\nname = "pytorch-cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n',
    )
    code, diags, _ = check_json(path, "--offline", "--select", "TL001")
    assert code == 1
    (d,) = diags
    for key in (
        "code",
        "name",
        "severity",
        "message",
        "filename",
        "location",
        "end_location",
        "targets",
        "related",
        "fix",
        "url",
        "evidence",
        "help",
    ):
        assert key in d
    assert d["code"] == "TL001" and d["name"] == "index-not-explicit" and d["severity"] == "warning"
    assert d["location"]["row"] == 7 and d["url"].endswith("TL001.md")


def test_unknown_selector_is_usage_error(tmp_path: Path) -> None:
    write_project(tmp_path, CLEAN)
    proc = run_cli(["check", "--select", "XX9", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2 and "unknown rule selector" in proc.stderr


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    text = CLEAN + '\n[[tool.uv.index]]\nname = "pytorch-cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n'
    path = write_project(tmp_path, text)
    assert check_json(path, "--offline", "--ignore", "TL0")[:2] == (0, [])
    assert check_json(path, "--offline", "--select", "TL2")[:2] == (0, [])
    code, diags, _ = check_json(path, "--offline", "--select", "TL2", "--extend-select", "TL001")
    assert code == 1 and [d["code"] for d in diags] == ["TL001"]


def test_exit_zero(tmp_path: Path) -> None:
    path = write_project(
        tmp_path, CLEAN + '\n[[tool.uv.index]]\nname = "p"\nurl = "https://download.pytorch.org/whl/cpu"\n'
    )
    proc = run_cli(["check", str(path), "--offline", "--exit-zero"])
    assert proc.returncode == 0 and "TL001" in proc.stdout


def test_rule_and_rules_commands() -> None:
    proc = run_cli(["rule", "TL201"])
    assert (
        proc.returncode == 0
        and "## What it does" in proc.stdout
        and "orphaned-index-dependency" in proc.stdout
    )
    proc = run_cli(["rule", "TL201", "--output-format", "json"])
    doc = json.loads(proc.stdout)
    assert doc["code"] == "TL201" and doc["examples"]
    proc = run_cli(["rules", "--output-format", "json"])
    listed = [r["code"] for r in json.loads(proc.stdout)]
    assert {"TL000", "TL001", "TL002", "TL003", "TL201"} <= set(listed)
    proc = run_cli(["rule", "TL999"])
    assert proc.returncode == 2


def test_bad_mirror_option(tmp_path: Path) -> None:
    write_project(tmp_path, CLEAN)
    proc = run_cli(["check", "--mirror", "nonsense"], cwd=tmp_path)
    assert proc.returncode == 2 and "FROM=TO" in proc.stderr


def test_console_entry_exit_status_and_output_survive_the_fast_exit(tmp_path: Path) -> None:
    """``torchlint`` leaves with ``os._exit``: its output must be complete and its status kept."""
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[project\nname = 1\n")
    r = subprocess.run(
        [sys.executable, "-m", "torchlint", "check", str(bad), "--offline"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"{bad}:1:")
    ok = tmp_path / "ok" / "pyproject.toml"
    ok.parent.mkdir()
    ok.write_text('[project]\nname = "x"\nversion = "0"\ndependencies = []\n')
    r = subprocess.run(
        [sys.executable, "-m", "torchlint", "check", str(ok), "--offline", "--output-format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []

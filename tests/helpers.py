"""Small helpers for running torchlint inside tests (in-process and as a real process)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import torchlint_exe


def write_project(tmp: Path, text: str, name: str = "pyproject.toml") -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [*torchlint_exe(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def check_json(
    path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    """Run ``torchlint check --output-format json``; returns (exit code, diagnostics, stderr)."""
    proc = run_cli(["check", str(path), "--output-format", "json", *extra], cwd=path.parent, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    diags = json.loads(proc.stdout) if proc.stdout.strip() else []
    return proc.returncode, diags, proc.stderr


def codes(diags: list[dict[str, Any]]) -> list[str]:
    return sorted(d["code"] for d in diags)

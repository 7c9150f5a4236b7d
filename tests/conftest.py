"""Shared test set-up: the local index server fixtures, and isolation from the user's machine.

Every test gets its own cache directory and no ambient index variables, so results depend only on
what the test sets up. Nothing here touches a non-loopback address.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pytest_plugins = ["tests.indexserver.fixtures"]

ROOT = Path(__file__).resolve().parent.parent

_AMBIENT = (
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "TORCHLINT_OFFLINE",
    "TORCHLINT_OUTPUT_FORMAT",
    "NO_COLOR",
    "FORCE_COLOR",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TORCHLINT_CACHE_DIR", str(tmp_path_factory.mktemp("tlcache")))
    # anything that would leave loopback goes to a closed port instead
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")


def torchlint_exe() -> list[str]:
    """The installed console script if present, else ``python -m torchlint``."""
    exe = Path(sys.executable).parent / "torchlint"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "torchlint"]


def uv_exe() -> str | None:
    cand = Path(sys.executable).parent / "uv"
    if cand.exists():
        return str(cand)
    return shutil.which("uv")


def python_for_uv() -> str | None:
    """A working CPython >= 3.12 for `uv lock` (the founding case requires it); uv must not download one."""
    import subprocess

    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    cands = [str(p) for p in sorted(pyenv.glob("3.1[2-9]*/bin/python3"))]
    cands += [c for c in (shutil.which("python3.13"), shutil.which("python3.12")) if c]
    if sys.version_info >= (3, 12):
        cands.insert(0, sys.executable)
    for cand in cands:
        try:
            ok = (
                subprocess.run(
                    [cand, "-c", "import sys; assert sys.version_info >= (3, 12)"],
                    capture_output=True,
                    timeout=30,
                ).returncode
                == 0
            )
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return cand
    return None

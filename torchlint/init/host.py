"""``--backend auto``: which accelerator this host has, read the way uv reads it.

The order is uv's (``crates/uv-torch/src/accelerator.rs``):

1. ``UV_CUDA_DRIVER_VERSION`` (an override; also what the tests use);
2. ``/sys/module/nvidia/version`` (the driver version alone);
3. ``/proc/driver/nvidia/version`` (the second double-space separated field of its first line);
4. ``nvidia-smi --query-gpu=driver_version --format=csv,noheader`` (first line);
5. an Intel display adapter under ``/sys/bus/pci/devices`` (class 0x03xxxx, vendor 0x8086): XPU.

AMD GPUs are not mapped here (uv maps each ``gfx`` architecture to ROCm versions with a table of
its own); ``rocm_agent_enumerator`` finding one makes ``auto`` refuse and ask for ``--backend
rocmX.Y``. The driver minimum per CUDA version is documented data
(``torchlint/resources/cuda-driver-minimums.json``, with its source), never code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

_DATA = Path(__file__).resolve().parent.parent / "resources" / "cuda-driver-minimums.json"

Reader = Callable[[str], "str | None"]
Runner = Callable[[list[str]], "str | None"]


@dataclass(frozen=True)
class Detected:
    """What the host has: ``cuda`` (with the driver version), ``xpu``, ``amd`` or ``none``."""

    kind: str
    driver: Version | None
    #: Where it was read ("from /proc/driver/nvidia/version").
    how: str


@lru_cache(maxsize=1)
def driver_minimums() -> dict[str, Any]:
    with open(_DATA, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def minimum_driver(cuda: str, host_os: str) -> Version | None:
    """The documented minimum driver for CUDA *cuda* (``12.8``) on *host_os* (``linux``, ``windows``)."""
    table = driver_minimums().get(host_os) or {}
    value = table.get(cuda)
    return None if value is None else Version(value)


def cuda_of(variant: str) -> str:
    """``cu128`` → ``12.8``; ``cu130`` → ``13.0``; ``cu92`` → ``9.2``."""
    digits = variant[2:]
    return f"{digits[:-1]}.{digits[-1]}"


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _run(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _version(text: str) -> Version | None:
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def detect(
    environ: Mapping[str, str] | None = None,
    read: Reader = _read,
    run: Runner = _run,
    pci_root: str = "/sys/bus/pci/devices",
) -> Detected:
    """The host's accelerator, in uv's order (see the module docstring)."""
    env = os.environ if environ is None else environ
    override = env.get("UV_CUDA_DRIVER_VERSION")
    if override:
        v = _version(override)
        if v is not None:
            return Detected("cuda", v, "from UV_CUDA_DRIVER_VERSION")
    text = read("/sys/module/nvidia/version")
    if text is not None and _version(text) is not None:
        return Detected("cuda", _version(text), "from /sys/module/nvidia/version")
    text = read("/proc/driver/nvidia/version")
    if text is not None:
        fields = text.split("  ")
        if len(fields) > 1 and _version(fields[1]) is not None:
            return Detected("cuda", _version(fields[1]), "from /proc/driver/nvidia/version")
    out = run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"])
    if out and out.splitlines() and _version(out.splitlines()[0]) is not None:
        return Detected("cuda", _version(out.splitlines()[0]), "from nvidia-smi")
    out = run(["rocm_agent_enumerator"])
    if out and any(line.strip().startswith("gfx") and line.strip() != "gfx000" for line in out.splitlines()):
        return Detected("amd", None, "from rocm_agent_enumerator")
    try:
        devices = sorted(os.listdir(pci_root))[:512]
    except OSError:
        devices = []
    for dev in devices:
        cls = read(os.path.join(pci_root, dev, "class")) or ""
        vendor = read(os.path.join(pci_root, dev, "vendor")) or ""
        try:
            if (int(cls.strip(), 16) & 0xFF0000) == 0x030000 and int(vendor.strip(), 16) == 0x8086:
                return Detected("xpu", None, f"an Intel display adapter at {pci_root}/{dev}")
        except ValueError:
            continue
    return Detected("none", None, "no NVIDIA driver, AMD GPU or Intel GPU found")


def host_os() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return sys.platform

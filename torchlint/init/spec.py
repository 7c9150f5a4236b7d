"""The ``--backend`` SPEC: one backend, a platform split, or a choice between backends.

Grammar (documented in the README and ``torchlint init --help``)::

    SPEC    := "auto" | BACKEND | BACKEND ":" PLATS | BACKEND ("," BACKEND)+
    BACKEND := cpu | cuNNN | rocmX.Y[.Z] | xpu
    PLATS   := PLAT ("," PLAT)*         PLAT := linux | macos | windows | linux-x86_64 | ...

* ``cu128``: every torch-family package comes from the cu128 index;
* ``cu128:linux,windows``: the cu128 build on those platforms, the default index's build elsewhere
  (the uv guide's common case);
* ``cpu,cu128``: the user chooses at install time (``--extra cu128``): one extra (or dependency
  group) per backend, declared as ``conflicts``.

The colon decides: with one, the commas after it list platforms; without one, commas list a
choice. Which variants exist is not decided here (that is the index's answer, :mod:`.facts`);
only the shape of a variant name is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from torchlint.errors import InputError
from torchlint.index.urls import variant_kind
from torchlint.targets import PLATFORMS, Platform

SpecKind = Literal["single", "split", "choice", "auto"]

_OS_ALIASES = {
    "linux": "linux",
    "macos": "macos",
    "darwin": "macos",
    "windows": "windows",
    "win32": "windows",
}


@dataclass(frozen=True)
class Spec:
    kind: SpecKind
    #: The backends, in the order written (``("cpu", "cu128")``); ``("auto",)`` for auto.
    backends: tuple[str, ...]
    #: For a split: the platforms the backend is used on (the default build elsewhere).
    platforms: tuple[Platform, ...] = ()
    #: The platform words as written (for messages and markers).
    platform_words: tuple[str, ...] = ()


def parse_spec(text: str) -> Spec:
    """Parse SPEC; :class:`InputError` (exit 2) with the reason when it is malformed."""
    raw = text.strip().lower()
    if not raw:
        raise InputError("--backend: empty SPEC (expected e.g. cu128, cpu,cu128 or cu128:linux,windows)")
    if raw == "auto":
        return Spec("auto", ("auto",))
    if ":" in raw:
        backend, _, plats = raw.partition(":")
        backend = backend.strip()
        if "," in backend:
            raise InputError(
                f"--backend {text!r}: a platform split names one backend before ':' (e.g. cu128:linux,windows)"
            )
        _check_backend(backend, text)
        words = tuple(p.strip() for p in plats.split(","))
        if not words or any(not w for w in words):
            raise InputError(f"--backend {text!r}: expected platforms after ':' (e.g. cu128:linux,windows)")
        platforms = parse_platforms(words, f"--backend {text!r}")
        if len(platforms) == len(PLATFORMS):
            raise InputError(f"--backend {text!r}: the split names every platform; use --backend {backend}")
        return Spec("split", (backend,), platforms, words)
    parts = tuple(p.strip() for p in raw.split(","))
    if any(not p for p in parts):
        raise InputError(f"--backend {text!r}: empty backend in the list")
    for p in parts:
        _check_backend(p, text)
    if len(set(parts)) != len(parts):
        raise InputError(f"--backend {text!r}: a backend is named twice")
    return Spec("single" if len(parts) == 1 else "choice", parts)


def _check_backend(name: str, text: str) -> None:
    if name == "auto":
        raise InputError(f"--backend {text!r}: `auto` stands alone (it picks one backend)")
    if variant_kind(name) in ("unknown",):
        raise InputError(
            f"--backend {text!r}: {name!r} is not a backend name (expected cpu, cuNNN, rocmX.Y or xpu)"
        )


def parse_platforms(words: tuple[str, ...] | list[str], what: str) -> tuple[Platform, ...]:
    """``linux`` (every Linux architecture), ``linux-x86_64``, ``macos-arm64``, ``windows``... → platforms."""
    out: list[Platform] = []
    for w in words:
        key = w.strip().lower().replace("_", "-").replace("x86-64", "x86_64")
        os_name = _OS_ALIASES.get(key)
        if os_name is not None:
            found = [p for p in PLATFORMS if p.os == os_name]
        else:
            key = {
                "linux-arm64": "linux-aarch64",
                "macos-aarch64": "macos-arm64",
                "windows-x86_64": "windows-amd64",
            }.get(key, key)
            found = [p for p in PLATFORMS if p.name == key]
        if not found:
            names = ", ".join(["linux", "macos", "windows", *(p.name for p in PLATFORMS)])
            raise InputError(f"{what}: unknown platform {w!r} (expected one of {names})")
        out.extend(p for p in found if p not in out)
    return tuple(p for p in PLATFORMS if p in out)


def marker_for(platforms: tuple[Platform, ...]) -> str:
    """The marker for *platforms* in uv's canonical spelling (``sys_platform == 'linux'``).

    A whole OS is named by ``sys_platform`` alone; a single architecture adds ``platform_machine``.
    """
    parts: list[str] = []
    for os_name in ("linux", "macos", "windows"):
        mine = [p for p in platforms if p.os == os_name]
        if not mine:
            continue
        every = [p for p in PLATFORMS if p.os == os_name]
        sysp = f"sys_platform == '{mine[0].sys_platform}'"
        if len(mine) == len(every):
            parts.append(sysp)
        else:
            parts.extend(f"{sysp} and platform_machine == '{p.platform_machine}'" for p in mine)
    if len(parts) > 1 and any(" and " in p for p in parts):
        parts = [f"({p})" if " and " in p else p for p in parts]
    return " or ".join(parts)


def extra_name(backend: str) -> str:
    """The extra / group a backend gets in a choice (normalised: ``rocm6.4`` → ``rocm6-4``)."""
    return re.sub(r"[-_.]+", "-", backend).lower()

"""The platform × Python matrix a configuration must work on.

uv resolves universally: one lock for every platform and Python version the project allows.
torchlint therefore checks each target of that matrix, narrowed by ``[tool.uv] environments``
(uv will not resolve for the others) and marking those named by ``required-environments`` or
``[tool.torchlint] targets`` as required (a warning about a required target is an error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from torchlint.errors import InputError

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    from torchlint.project.model import Project

#: Newest CPython with a final release at the time of this torchlint release (3.15.0: 2026-10).
NEWEST_PYTHON = (3, 15)
#: Oldest minor considered when ``requires-python`` gives no lower bound.
OLDEST_PYTHON = (3, 8)
DEFAULT_FLOOR = (3, 10)


@dataclass(frozen=True, slots=True)
class Platform:
    os: str  # linux | macos | windows
    arch: str  # x86_64 | aarch64 | arm64 | amd64
    sys_platform: str
    platform_system: str
    platform_machine: str
    os_name: str

    @property
    def name(self) -> str:
        return f"{self.os}-{self.arch}"


PLATFORMS: tuple[Platform, ...] = (
    Platform("linux", "x86_64", "linux", "Linux", "x86_64", "posix"),
    Platform("linux", "aarch64", "linux", "Linux", "aarch64", "posix"),
    Platform("macos", "arm64", "darwin", "Darwin", "arm64", "posix"),
    Platform("macos", "x86_64", "darwin", "Darwin", "x86_64", "posix"),
    Platform("windows", "amd64", "win32", "Windows", "AMD64", "nt"),
)


@dataclass(frozen=True, slots=True)
class Target:
    platform: Platform
    python: tuple[int, int]
    required: bool = False

    @property
    def name(self) -> str:
        return f"{self.platform.name}-py{self.python[0]}.{self.python[1]}"

    @property
    def os(self) -> str:
        return self.platform.os

    @property
    def arch(self) -> str:
        return self.platform.arch

    def environment(self, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> dict[str, Any]:
        """A PEP 508 marker environment for this target (``extra`` for one active extra)."""
        p = self.platform
        major, minor = self.python
        env: dict[str, Any] = {
            "implementation_name": "cpython",
            "implementation_version": f"{major}.{minor}.0",
            "os_name": p.os_name,
            "platform_machine": p.platform_machine,
            "platform_release": "",
            "platform_system": p.platform_system,
            "platform_version": "",
            "python_full_version": f"{major}.{minor}.0",
            "platform_python_implementation": "CPython",
            "python_version": f"{major}.{minor}",
            "sys_platform": p.sys_platform,
        }
        ex = list(extras)
        env["extra"] = ex[0] if len(ex) == 1 else ""
        env["extras"] = frozenset(ex)
        env["dependency_groups"] = frozenset(groups)
        return env

    def matches(self, marker: Marker | None, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> bool:
        """Does *marker* hold on this target (with the given extras and groups active)?

        Memoised per (marker, platform, Python, the extras and groups the marker can see): a
        project with hundreds of marked requirements asks the same question thousands of times.
        """
        if marker is None:
            return True
        text = _MARKER_TEXT.get(id(marker))
        if text is None or text[0] is not marker:
            text = _MARKER_TEXT[id(marker)] = (marker, str(marker))
        raw = text[1]
        ex = tuple(sorted(extras)) if "extra" in raw else ()
        gr = tuple(sorted(groups)) if "dependency_groups" in raw else ()
        key = (raw, self.platform.name, self.python, ex, gr)
        hit = _MATCHES.get(key)
        if hit is None:
            try:
                hit = any(marker.evaluate(self.environment([e] if e else [], gr)) for e in (list(ex) or [""]))
            except Exception:  # an undefined variable in an exotic marker: treat as not matching
                hit = False
            if len(_MATCHES) > 200_000:
                _MATCHES.clear()
            _MATCHES[key] = hit
        return hit


#: Memo of :meth:`Target.matches` (marker text, platform, Python, extras, groups) → result.
_MATCHES: dict[tuple[object, ...], bool] = {}
_MARKER_TEXT: dict[int, tuple[object, str]] = {}


_OS_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def describe(targets: Sequence[Target]) -> str:
    """Targets for a message, merged: ``Linux x86_64/aarch64, Python 3.11–3.13; macOS arm64, Python 3.12``.

    Platforms with the same Pythons share one entry; architectures of one OS are joined with
    ``/``; runs of consecutive Python minors become ranges.
    """
    by_platform: dict[Platform, set[tuple[int, int]]] = {}
    for t in targets:
        by_platform.setdefault(t.platform, set()).add(t.python)
    groups: dict[tuple[tuple[int, int], ...], list[Platform]] = {}
    for plat in PLATFORMS:  # a stable order: Linux, macOS, Windows
        if plat in by_platform:
            groups.setdefault(tuple(sorted(by_platform[plat])), []).append(plat)
    parts = []
    for pys, plats in groups.items():
        by_os: dict[str, list[str]] = {}
        for p in plats:
            by_os.setdefault(p.os, []).append(p.arch)
        where = ", ".join(f"{_OS_NAMES.get(os_, os_)} {'/'.join(archs)}" for os_, archs in by_os.items())
        parts.append(f"{where}, Python {python_ranges(pys)}")
    return "; ".join(parts)


def python_ranges(pythons: Iterable[tuple[int, int]]) -> str:
    """``3.10, 3.12–3.14`` for the minors given."""
    runs: list[list[tuple[int, int]]] = []
    for py in sorted(set(pythons)):
        if runs and py[0] == runs[-1][-1][0] and py[1] == runs[-1][-1][1] + 1:
            runs[-1].append(py)
        else:
            runs.append([py])
    return ", ".join(
        f"{r[0][0]}.{r[0][1]}" if len(r) == 1 else f"{r[0][0]}.{r[0][1]}–{r[-1][0]}.{r[-1][1]}" for r in runs
    )


def python_minors(requires_python: SpecifierSet | None) -> list[tuple[int, int]]:
    """The CPython minors requires-python allows, from the oldest considered to the newest released."""
    minors = [(3, m) for m in range(OLDEST_PYTHON[1], NEWEST_PYTHON[1] + 1)]
    if requires_python is None:
        return [m for m in minors if m >= DEFAULT_FLOOR]
    from packaging.version import Version

    out = []
    for major, minor in minors:
        # a minor is allowed if any of its patch releases is (">=3.12.1" allows 3.12)
        if any(Version(f"{major}.{minor}.{patch}") in requires_python for patch in (0, 1, 5, 20)):
            out.append((major, minor))
    return out


def parse_target_option(value: str) -> tuple[str, tuple[int, int] | None]:
    """``linux-x86_64``, ``macos-arm64-py3.12``, ``windows-amd64@3.13`` → (platform, python)."""
    v = value.strip().lower().replace("@", "-py").replace("_", "-")
    v = v.replace("linux-x86-64", "linux-x86_64").replace("macos-x86-64", "macos-x86_64")
    py: tuple[int, int] | None = None
    if "-py" in v:
        v, _, pyv = v.partition("-py")
        try:
            major, minor = (int(x) for x in pyv.split(".")[:2])
            py = (major, minor)
        except ValueError:
            raise InputError(f"invalid --target {value!r}: Python version must look like 3.12") from None
    names = {p.name for p in PLATFORMS}
    aliases = {
        "darwin-arm64": "macos-arm64",
        "win-amd64": "windows-amd64",
        "windows-x86_64": "windows-amd64",
        "linux-arm64": "linux-aarch64",
        "macos-aarch64": "macos-arm64",
        "win32": "windows-amd64",
    }
    v = aliases.get(v, v)
    if v not in names:
        raise InputError(
            f"invalid --target {value!r}: expected one of {', '.join(sorted(names))} (optionally -py3.X)"
        )
    return v, py


def build_targets(
    project: Project, selected: Sequence[str] = (), extra_required: Sequence[str] = ()
) -> list[Target]:
    """The matrix for *project*: platforms × allowed minors, narrowed by ``environments``.

    ``--target`` (*selected*) and ``[tool.torchlint] targets`` (*extra_required*) mean the same:
    the targets the project must work on. They are marked required (a gap there is an error), as
    are those of ``required-environments``; every target uv resolves for is still checked, since
    a fork uv cannot solve fails the whole lock.
    """
    envs = [e.marker for e in project.uv.environments]
    required = [e.marker for e in project.uv.required_environments]
    req_names = [parse_target_option(t) for t in (*selected, *extra_required)]
    out: list[Target] = []
    for py in python_minors(project.requires_python):
        for plat in PLATFORMS:
            t = Target(plat, py)
            if envs and not any(t.matches(m) for m in envs):
                continue
            is_req = any(t.matches(m) for m in required) or any(
                p == plat.name and (v is None or v == py) for p, v in req_names
            )
            out.append(Target(plat, py, required=is_req))
    return out

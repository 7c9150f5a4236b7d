"""Wheel and sdist filenames: version, local label, tags, and which platforms a tag serves.

Importing this module is cheap: :mod:`packaging` is imported inside the functions that need it.
The tag predicates work on plain strings and answer one question: could a CPython ``X.Y`` on
a given OS/architecture install a wheel carrying this tag?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import unquote

if TYPE_CHECKING:
    from packaging.tags import Tag
    from packaging.version import Version

_CANON = re.compile(r"[-_.]+")

#: Architecture spellings that mean the same machine.
_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x86_64": "x86_64",
    "x64": "x86_64",
    "arm64": "aarch64",
    "aarch64": "aarch64",
    "i386": "i686",
    "i686": "i686",
    "x86": "i686",
    "win32": "i686",
}
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(.+)")
_MUSLLINUX = re.compile(r"musllinux_(\d+)_(\d+)_(.+)")
_MACOS = re.compile(r"macosx_(\d+)_(\d+)_(.+)")
_CP = re.compile(r"cp3(\d+)")
_PY = re.compile(r"py3(\d*)")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation (stdlib only)."""
    return _CANON.sub("-", name).lower()


class _TagLike(Protocol):
    @property
    def interpreter(self) -> str: ...
    @property
    def abi(self) -> str: ...
    @property
    def platform(self) -> str: ...


class WheelName(NamedTuple):
    """A parsed wheel filename (a named tuple: index pages hold thousands, built once each)."""

    #: Canonical project name.
    project: str
    version: Version
    #: ``()`` or ``(number, suffix)``.
    build: tuple[()] | tuple[int, str]
    tags: frozenset[Tag]

    @property
    def local(self) -> str | None:
        """The local version label without ``+`` (``cu128``), or None."""
        return self.version.local

    @property
    def public(self) -> str:
        """The version without its local label (``2.5.1``)."""
        return self.version.public

    @property
    def python_tags(self) -> frozenset[str]:
        return frozenset(t.interpreter for t in self.tags)

    @property
    def abi_tags(self) -> frozenset[str]:
        return frozenset(t.abi for t in self.tags)

    @property
    def platform_tags(self) -> frozenset[str]:
        return frozenset(t.platform for t in self.tags)

    def supports(
        self,
        os: str,
        arch: str,
        python_minor: tuple[int, int],
        free_threaded: bool = False,
        *,
        glibc: tuple[int, int] | None = None,
        macos: tuple[int, int] | None = None,
    ) -> bool:
        """True when any of the wheel's tags matches the target (see :func:`tag_matches`)."""
        return any(
            tag_matches(t, os, arch, python_minor, free_threaded, glibc=glibc, macos=macos) for t in self.tags
        )


@lru_cache(maxsize=4096)
def _version(text: str) -> Version:
    from packaging.version import Version

    return Version(text)


@lru_cache(maxsize=4096)
def _tags(python: str, abi: str, platform: str) -> frozenset[Tag]:
    from packaging.tags import Tag

    return frozenset(
        Tag(x, y, z) for x in python.split(".") for y in abi.split(".") for z in platform.split(".")
    )


@lru_cache(maxsize=65536)
def parse_wheel(filename: str) -> WheelName | None:
    """Parse a wheel filename (``%2B`` is unquoted first); None when it is not a valid one.

    Index pages list thousands of wheels of a few dozen versions, so versions and tag sets are
    parsed once each (memoised); anything unusual goes through packaging's full parser.
    """
    name = unquote(filename.strip())
    if "/" in name:
        name = name.rsplit("/", 1)[1]
    parts = name[:-4].split("-") if name.endswith(".whl") else []
    if len(parts) == 5 and _SIMPLE_NAME.fullmatch(parts[0]):
        try:
            return WheelName(
                project=canonical_name(parts[0]),
                version=_version(parts[1]),
                build=(),
                tags=_tags(parts[2], parts[3], parts[4]),
            )
        except ValueError:
            return None
    return _parse_wheel_slow(name)


_SIMPLE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?")


def _parse_wheel_slow(name: str) -> WheelName | None:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename
    from packaging.version import InvalidVersion

    try:
        project, version, build, tags = parse_wheel_filename(name)
    except (InvalidWheelFilename, InvalidVersion, ValueError):
        return None
    return WheelName(project=str(project), version=version, build=build, tags=frozenset(tags))


@dataclass(frozen=True)
class SdistName:
    project: str
    version: Version


_SDIST = re.compile(r"(?P<name>.+?)-(?P<version>\d[^-]*)\.(?:tar\.gz|zip|tar\.bz2|tgz|tar\.xz)", re.I)


@lru_cache(maxsize=4096)
def parse_sdist(filename: str) -> SdistName | None:
    """Parse a source distribution filename (``name-version.tar.gz`` / ``.zip``); None if invalid."""
    from packaging.version import InvalidVersion, Version

    name = unquote(filename.strip())
    if "/" in name:
        name = name.rsplit("/", 1)[1]
    m = _SDIST.fullmatch(name)
    if m is None:
        return None
    try:
        version = Version(m["version"])
    except InvalidVersion:
        return None
    return SdistName(project=canonical_name(m["name"]), version=version)


def project_of_filename(filename: str) -> str | None:
    """Cheap guess of a distribution filename's canonical project name, without packaging."""
    name = unquote(filename)
    if name.endswith(".whl"):
        head = name.split("-", 1)[0]
        return canonical_name(head) if head else None
    m = _SDIST.fullmatch(name)
    return canonical_name(m["name"]) if m else None


# --------------------------------------------------------------------------------------------
# Platform tags


def platform_os(tag: str) -> str:
    """``linux``, ``macos``, ``windows``, ``any``, ``musllinux`` (musl Linux), or ``other``."""
    t = tag.lower()
    if t == "any":
        return "any"
    if t.startswith("musllinux"):
        return "musllinux"
    if t.startswith(("manylinux", "linux")):
        return "linux"
    if t.startswith("macosx"):
        return "macos"
    if t == "win32" or t.startswith("win_"):
        return "windows"
    return "other"


def platform_arch(tag: str) -> str:
    """The architecture part as written: ``x86_64``, ``aarch64``, ``arm64``, ``amd64``, ``universal2``..."""
    t = tag.lower()
    if t == "any":
        return "any"
    if t == "win32":
        return "x86"
    if t.startswith("win_"):
        return t[4:]
    for pattern in (_MANYLINUX, _MUSLLINUX, _MACOS):
        m = pattern.fullmatch(t)
        if m:
            return m[3]
    for legacy in _LEGACY_MANYLINUX:
        if t.startswith(legacy + "_"):
            return t[len(legacy) + 1 :]
    if t.startswith("linux_"):
        return t[6:]
    return t.split("_", 1)[1] if "_" in t else t


def normalize_arch(arch: str) -> str:
    """``amd64`` -> ``x86_64``, ``arm64`` -> ``aarch64``; other names lower-cased."""
    a = arch.lower()
    return _ARCH_ALIASES.get(a, a)


def macos_version(tag: str) -> tuple[int, int] | None:
    """``macosx_11_0_arm64`` -> (11, 0); None for other tags."""
    m = _MACOS.fullmatch(tag.lower())
    return (int(m[1]), int(m[2])) if m else None


def glibc_version(tag: str) -> tuple[int, int] | None:
    """The glibc a manylinux tag requires (``manylinux2014`` -> (2, 17)); None otherwise."""
    t = tag.lower()
    m = _MANYLINUX.fullmatch(t)
    if m:
        return (int(m[1]), int(m[2]))
    for legacy, version in _LEGACY_MANYLINUX.items():
        if t.startswith(legacy + "_"):
            return version
    return None


def _python_matches(interpreter: str, abi: str, minor: int, free_threaded: bool) -> bool:
    interp, abi = interpreter.lower(), abi.lower()
    m = _PY.fullmatch(interp)
    if m:
        if abi != "none":
            return False
        return not m[1] or int(m[1]) <= minor
    m = _CP.fullmatch(interp)
    if not m:
        return False
    tag_minor = int(m[1])
    if abi == "abi3":
        return not free_threaded and tag_minor <= minor
    if abi == "none":
        return tag_minor == minor
    if abi == f"cp3{tag_minor}t":
        return free_threaded and tag_minor == minor
    if abi in (f"cp3{tag_minor}", f"cp3{tag_minor}m"):
        return not free_threaded and tag_minor == minor
    return False


def _platform_matches(
    platform: str, os: str, arch: str, glibc: tuple[int, int] | None, macos: tuple[int, int] | None
) -> bool:
    p = platform.lower()
    if p == "any":
        return True
    tag_os = platform_os(p)
    want_os = {"darwin": "macos", "macosx": "macos", "win": "windows", "win32": "windows"}.get(
        os.lower(), os.lower()
    )
    if tag_os != want_os:
        return False
    want = normalize_arch(arch)
    tag_arch = platform_arch(p)
    if tag_os == "macos":
        version = macos_version(p)
        if macos is not None and version is not None:
            # macOS 10.16 is how 11.0 is spelled by tools built against old SDKs.
            v = (11, 0) if version == (10, 16) else version
            if v > macos:
                return False
        if tag_arch in ("universal2",):
            return want in ("x86_64", "aarch64")
        if tag_arch in ("intel", "universal", "fat3", "fat64"):
            return want == "x86_64"
        return normalize_arch(tag_arch) == want
    if tag_os == "linux":
        required = glibc_version(p)
        if glibc is not None and required is not None and required > glibc:
            return False
    return normalize_arch(tag_arch) == want


def tag_matches(
    tag: _TagLike | str,
    os: str,
    arch: str,
    python_minor: tuple[int, int],
    free_threaded: bool = False,
    *,
    glibc: tuple[int, int] | None = None,
    macos: tuple[int, int] | None = None,
) -> bool:
    """Could CPython ``python_minor`` on ``os``/``arch`` install a wheel with this tag?

    ``tag`` is a :class:`packaging.tags.Tag` or a string ``interpreter-abi-platform`` (each part
    may be a dotted compressed set). ``os`` is ``linux`` (glibc), ``macos`` or ``windows``;
    ``arch`` may be spelled ``x86_64``/``amd64`` or ``aarch64``/``arm64``. ``glibc`` and
    ``macos``, when given, bound the manylinux / macOS deployment target the machine accepts.
    musllinux tags never match a glibc ``linux`` target.
    """
    if isinstance(tag, str):
        parts = tag.split("-")
        if len(parts) != 3:
            return False
        interps, abis, plats = (p.split(".") for p in parts)
    else:
        interps, abis, plats = [tag.interpreter], [tag.abi], [tag.platform]
    major, minor = python_minor
    if major != 3:
        return False
    if not any(_python_matches(i, a, minor, free_threaded) for i in interps for a in abis):
        return False
    return any(_platform_matches(p, os, arch, glibc, macos) for p in plats)

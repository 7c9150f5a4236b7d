"""Candidates: the versions an index listing offers, in uv's order, and which wheel fits a target.

This is the one place the resolution model (and nothing else) turns a listing into candidates:
PEP 440 ordering, local labels, yanked files, tag compatibility, uv's pre-release policy. What
exists on an index always comes from a listing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.index.filenames import parse_wheel, platform_os, tag_matches
from torchlint.index.model import FileEntry, Listing
from torchlint.targets import Target

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from torchlint.project.model import Project


@functools.lru_cache(maxsize=65536)
def _wheel(filename: str):  # type: ignore[no-untyped-def]
    return parse_wheel(filename)


def wheel_version(entry: FileEntry) -> Version | None:
    w = _wheel(entry.filename)
    return None if w is None else w.version


def supports(entry: FileEntry, target: Target) -> bool:
    """Could *target* install this wheel? (sdists are not considered: torch ships none)."""
    return _supports(entry.filename, target.os, target.arch, target.python)


@functools.lru_cache(maxsize=262144)
def _supports(filename: str, os_: str, arch: str, python: tuple[int, int]) -> bool:
    w = _wheel(filename)
    if w is None:
        return False
    return any(tag_matches(tag, os_, arch, python) for tag in w.tags)


@dataclass(eq=False)
class Candidate:
    version: Version
    files: tuple[FileEntry, ...]
    _found: dict[tuple[str, str, tuple[int, int]], FileEntry | None] = field(default_factory=dict, repr=False)
    _by_os: dict[str, list[FileEntry]] | None = field(default=None, repr=False)

    def for_target(self, target: Target) -> FileEntry | None:
        """The first wheel (by filename) *target* can install, memoised per target."""
        key = (target.os, target.arch, target.python)
        if key in self._found:
            return self._found[key]
        if self._by_os is None:
            by_os: dict[str, list[FileEntry]] = {}
            for f in self.files:
                w = _wheel(f.filename)
                if w is None:
                    continue
                for os_name in {platform_os(t.platform) for t in w.tags}:
                    by_os.setdefault(os_name, []).append(f)
            self._by_os = by_os
        found = None
        for f in [*self._by_os.get(target.os, ()), *self._by_os.get("any", ())]:
            if supports(f, target):
                found = f
                break
        self._found[key] = found
        return found


_VERSIONS: dict[int, tuple[Listing, list[Candidate]]] = {}


def versions(listing: Listing) -> list[Candidate]:
    """All versions on a listing (wheels only), newest first; yanked files dropped (memoised)."""
    hit = _VERSIONS.get(id(listing))
    if hit is not None and hit[0] is listing:
        return hit[1]
    out = _versions(listing)
    _VERSIONS[id(listing)] = (listing, out)
    return out


def _versions(listing: Listing) -> list[Candidate]:
    by_version: dict[Version, list[FileEntry]] = {}
    for f in listing.files:
        if f.yanked:
            continue
        v = wheel_version(f)
        if v is not None:
            by_version.setdefault(v, []).append(f)
    return [
        Candidate(v, tuple(sorted(fs, key=lambda e: e.filename)))
        for v, fs in sorted(by_version.items(), reverse=True)
    ]


def newest_for(
    cands: Sequence[Candidate], specifier: SpecifierSet, prereleases: bool | None, target: Target
) -> tuple[Candidate | None, int]:
    """The version uv tries first for *target*, and how many versions satisfy the specifier.

    Cheaper than :func:`matching` with a target: wheels are only inspected until the first fit.
    """
    spec_ok = matching(cands, specifier, prereleases)
    for c in spec_ok:
        if c.for_target(target) is not None:
            return c, len(spec_ok)
    return None, len(spec_ok)


def allows_prereleases(project: Project, package: str, specifier: SpecifierSet) -> bool | None:
    """uv's pre-release policy for *package*: True (allow), False (disallow), None (if necessary)."""
    pp = project.uv.prerelease_package.get(package)
    mode = (
        str(pp.value)
        if pp is not None
        else (str(project.uv.prerelease.value) if project.uv.prerelease else "")
    )
    if mode == "allow":
        return True
    if mode == "disallow":
        return False
    if mode == "explicit" or mode == "if-necessary-or-explicit":
        if any(s.prereleases for s in specifier):
            return True
        return False if mode == "explicit" else None
    return None


def matching(
    cands: Sequence[Candidate],
    specifier: SpecifierSet,
    prereleases: bool | None,
    target: Target | None = None,
) -> list[Candidate]:
    """Candidates that satisfy *specifier* (and have a wheel for *target*), uv-style pre-release policy.

    With the default policy, pre-releases are considered only when no final release satisfies
    the specifier (uv's ``if-necessary``).
    """

    def ok(c: Candidate, pre: bool) -> bool:
        if not _contains(specifier, c.version, pre):
            return False
        return target is None or c.for_target(target) is not None

    if prereleases is None:
        finals = [c for c in cands if not c.version.is_prerelease and ok(c, False)]
        if finals:
            return finals
        return [c for c in cands if ok(c, True)]
    return [c for c in cands if ok(c, prereleases) and (prereleases or not c.version.is_prerelease)]


_CONTAINS: dict[tuple[SpecifierSet, Version, bool], bool] = {}


def _contains(specifier: SpecifierSet, version: Version, pre: bool) -> bool:
    # keyed by the objects (they hash from their parsed form), not their str(): rendering a
    # version or a specifier set costs five times the lookup
    key = (specifier, version, pre)
    hit = _CONTAINS.get(key)
    if hit is None:
        hit = _CONTAINS[key] = specifier.contains(version, prereleases=pre)
    return hit


def short_versions(cands: Iterable[Candidate], limit: int = 4) -> str:
    vs = [str(c.version) for c in cands]
    if len(vs) <= limit:
        return ", ".join(vs) if vs else "none"
    return ", ".join(vs[:limit]) + f", … ({len(vs)} in all)"

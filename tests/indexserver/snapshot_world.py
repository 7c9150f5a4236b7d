"""Build a local-index-server world from the bundled snapshot.

So the same facts can be checked offline (the snapshot) and live (the server), and real ``uv lock``
can run against them: each snapshot key becomes an index under its own path (``whl/cu128`` →
``/whl/cu128``, ``default`` → ``/simple``), each listed wheel a tiny real wheel whose METADATA
carries the snapshot's Requires-Dist. Dependencies that the snapshot records only by name get a
small placeholder wheel on the default index at a version that satisfies what requires them, so a
correct configuration locks; packages the public default index does not have (index-only Triton
builds) are never added there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from torchlint.index.filenames import parse_wheel
from torchlint.index.snapshot import Snapshot

DEFAULT_PREFIX = "/simple"


def prefix_for(key: str) -> str:
    return DEFAULT_PREFIX if key == "default" else "/" + key.strip("/")


def _keep_newest(n: int) -> Callable[[str, list[Version]], set[Version]]:
    def keep(_project: str, versions: list[Version]) -> set[Version]:
        return set(sorted(versions, reverse=True)[:n])

    return keep


def _pick_version(spec: SpecifierSet) -> str | None:
    """A version (without local label) that satisfies *spec*, or None."""
    cands: list[str] = []
    for s in spec:
        v = s.version.replace(".*", "")
        if "+" in v:
            return None  # a pinned local build: only the index that built it has it
        cands.append(v)
    cands += ["1.0", "2.0", "3.0", "5.0", "10.0", "50.0", "100.0", "2025.1.0", "9999.0"]
    for c in cands:
        try:
            if Version(c) in spec or spec.contains(c, prereleases=True):
                return c
        except InvalidVersion:
            continue
    return None


@functools.lru_cache(maxsize=65536)
def _requirement(line: str) -> Requirement | None:
    try:
        return Requirement(line)
    except InvalidRequirement:
        return None


@functools.lru_cache(maxsize=65536)
def _parsed(line: str) -> tuple[str, str, SpecifierSet, tuple[str, ...]] | None:
    """A Requires-Dist line as (normalised name, specifier text, specifier, exact pins); memoised:
    every wheel of a release repeats the same lines."""
    r = _requirement(line)
    if r is None:
        return None
    name = r.name.lower().replace("_", "-").replace(".", "-")
    pins = tuple(s.version for s in r.specifier if s.operator == "==" and "*" not in s.version)
    return name, str(r.specifier), r.specifier, pins


def world_from_snapshot(
    projects: dict[str, Iterable[str]],
    *,
    newest: int = 6,
    keep_versions: Iterable[str] = (),
    snapshot: Snapshot | None = None,
    placeholders: bool = True,
) -> dict[str, Any]:
    """A world with *projects* (snapshot key → project names) and placeholder dependencies.

    Served per project: the *newest* versions, any version in *keep_versions* (exact strings, e.g.
    pins a test needs), and every version another served file pins with ``==`` (so torch's
    ``triton==3.3.1`` is there). Files keep the snapshot's PEP 658 flag; hashes are published
    except on nightly keys (the real nightly pages carry none).
    """
    snap = snapshot or Snapshot.bundled()
    keep_set = set(keep_versions)
    world: dict[str, Any] = {"indexes": {}}
    needed: dict[str, dict[str, SpecifierSet]] = {}
    pinned: dict[str, set[str]] = {}
    chosen: dict[tuple[str, str], set[Version]] = {}
    listings: dict[tuple[str, str], dict[Version, list[Any]]] = {}

    def versions_of(key: str, project: str) -> dict[Version, list[Any]]:
        if (key, project) not in listings:
            lst = snap.listing(key, project)
            by_version: dict[Version, list[Any]] = {}
            if lst is not None and lst.ok:
                for f in lst.files:
                    w = parse_wheel(f.filename)
                    if w is not None:
                        by_version.setdefault(w.version, []).append(f)
            listings[(key, project)] = by_version
        return listings[(key, project)]

    def requirements(key: str, f: Any) -> list[str]:
        md = snap.metadata(key, f.filename)
        return list(md.requires_dist) if md is not None else []

    def choose(key: str, project: str, extra: set[str]) -> None:
        vs = versions_of(key, project)
        pick = set(sorted(vs, reverse=True)[:newest]) | {
            v for v in vs if str(v) in keep_set or str(v) in extra
        }
        chosen.setdefault((key, project), set()).update(pick)
        for v in pick:
            for f in vs[v]:
                for line in requirements(key, f):
                    parsed = _parsed(line)
                    if parsed is None:
                        continue
                    name, text, spec, pins = parsed
                    needed.setdefault(name, {})[text] = spec
                    if pins:
                        pinned.setdefault(name, set()).update(pins)

    for key, names in projects.items():
        for name in names:
            choose(key, name, set())
    # versions pinned by what is served (torch's exact triton pin), on every key serving them
    for (key, name), _ in list(chosen.items()):
        if pinned.get(name):
            choose(key, name, pinned[name])

    for (key, name), vs in chosen.items():
        by_version = versions_of(key, name)
        lst = snap.listing(key, name)
        observed = lst is not None and not lst.derived
        files = []
        for v in sorted(vs, reverse=True):
            for f in by_version[v]:
                md = snap.metadata(key, f.filename)
                path = urlsplit(f.url).path
                files.append(
                    {
                        "filename": f.filename,
                        "requires_dist": list(md.requires_dist) if md is not None else [],
                        "requires_python": (md.requires_python if md is not None else None)
                        or f.requires_python,
                        "url_dir": path.rsplit("/", 1)[0] if path.startswith("/") else prefix_for(key),
                        "metadata": bool(f.has_metadata) or key == "default",
                        # observed pages keep their real hash state (U17: partly hashed versions)
                        "hash": f.sha256 is not None if observed else not key.startswith("whl/nightly"),
                    }
                )
        if files:
            world["indexes"].setdefault(prefix_for(key), {"projects": {}})["projects"][name] = files

    if placeholders:
        # dependencies the snapshot records only by name get a small wheel wherever they are served:
        # on the default index, and on each PyTorch key that mirrors them (closed-index setups)
        for key in {k for k in projects} | {"default"}:
            index = world["indexes"].setdefault(prefix_for(key), {"projects": {}})
            for name, specs in sorted(needed.items()):
                if name in index["projects"]:
                    continue
                lst = snap.listing(key, name)
                if lst is None or lst.status != "ok":
                    continue  # not served there (e.g. triton-xpu on the default index)
                if lst.files:
                    if key == "default":
                        choose(key, name, pinned.get(name, set()))
                        index["projects"][name] = [
                            {"filename": f.filename, "requires_dist": [], "metadata": True}
                            for v in sorted(chosen[(key, name)], reverse=True)
                            for f in versions_of(key, name)[v]
                        ]
                    continue
                versions = sorted({v for spec in specs.values() if (v := _pick_version(spec)) is not None})
                if versions:
                    index["projects"][name] = [
                        {"filename": f"{name.replace('-', '_')}-{v}-py3-none-any.whl", "requires_dist": []}
                        for v in versions
                    ]
    return world

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


def world_from_snapshot(
    projects: dict[str, Iterable[str]],
    *,
    newest: int = 6,
    keep_versions: Iterable[str] = (),
    snapshot: Snapshot | None = None,
    placeholders: bool = True,
) -> dict[str, Any]:
    """A world with *projects* (snapshot key → project names) and placeholder dependencies.

    Only the *newest* versions of each project are served, plus any version in *keep_versions*
    (exact version strings, e.g. pins a test needs).
    """
    snap = snapshot or Snapshot.bundled()
    keep_set = set(keep_versions)
    world: dict[str, Any] = {"indexes": {}}
    needed: dict[str, SpecifierSet] = {}
    served: dict[str, set[str]] = {}

    def add_project(key: str, project: str) -> None:
        lst = snap.listing(key, project)
        if lst is None or not lst.ok or not lst.files:
            return
        versions: dict[Version, list[Any]] = {}
        for f in lst.files:
            w = parse_wheel(f.filename)
            if w is not None:
                versions.setdefault(w.version, []).append(f)
        chosen = set(sorted(versions, reverse=True)[:newest]) | {v for v in versions if str(v) in keep_set}
        files = []
        for v in sorted(chosen, reverse=True):
            for f in versions[v]:
                md = snap.metadata(key, f.filename)
                requires = list(md.requires_dist) if md is not None else []
                for line in requires:
                    try:
                        r = Requirement(line)
                    except InvalidRequirement:
                        continue
                    name = r.name.lower().replace("_", "-").replace(".", "-")
                    needed[name] = needed.get(name, SpecifierSet()) & r.specifier
                path = urlsplit(f.url).path
                files.append(
                    {
                        "filename": f.filename,
                        "requires_dist": requires,
                        "requires_python": (md.requires_python if md is not None else None)
                        or f.requires_python,
                        "url_dir": path.rsplit("/", 1)[0] if path.startswith("/") else prefix_for(key),
                    }
                )
        index = world["indexes"].setdefault(prefix_for(key), {"projects": {}})
        index["projects"][project] = files
        served.setdefault(key, set()).add(project)

    for key, names in projects.items():
        for name in names:
            add_project(key, name)
    if placeholders:
        default = world["indexes"].setdefault(DEFAULT_PREFIX, {"projects": {}})
        for name, spec in sorted(needed.items()):
            if name in served.get("default", set()):
                continue
            lst = snap.listing("default", name)
            if lst is None or lst.status != "ok":
                continue  # the public default index does not serve it (e.g. triton-xpu)
            if lst.files:
                add_project("default", name)
                continue
            version = _pick_version(spec)
            if version is None:
                continue
            default["projects"][name] = [
                {
                    "filename": f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                    "requires_dist": [],
                }
            ]
    return world

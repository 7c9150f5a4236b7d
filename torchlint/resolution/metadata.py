"""What a candidate requires, read from its wheel's METADATA through the probe.

The solver asks three questions of a version: does its ``Requires-Python`` admit a Python, what
does it pin torch to (torch-family packages), and which of its dependencies exist only on an
explicit index uv never consults for them. Answers are memoised per (index, version, platform):
METADATA differs per platform within one version (CUDA builds add ``nvidia-*`` on Linux only).
When a wheel's METADATA cannot be read, the snapshot's recorded dependency pattern stands in and
the evidence says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from torchlint.index.model import CoreMetadata, FileEntry, Listing, MetadataUnavailable
from torchlint.index.urls import redact
from torchlint.project.requirements import canonical, parse_requirement
from torchlint.resolution.candidates import Candidate, matching, short_versions, versions
from torchlint.resolution.model import Orphan
from torchlint.routing import index_display

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    from torchlint.index.probe import Probe
    from torchlint.project.model import IndexDef, Project
    from torchlint.resolution.forks import Fork
    from torchlint.routing import Router
    from torchlint.targets import Target


def origin_text(item: Listing | CoreMetadata) -> str:
    if item.origin == "snapshot":
        return "snapshot" + (", derived" if item.derived else "")
    return item.origin


def page_text(listing: Listing) -> str:
    if listing.index_url.startswith("snapshot:"):
        return f"the default index's {listing.project} page"
    return redact(listing.page_url or f"{listing.index_url.rstrip('/')}/{listing.project}/")


def wheel_of(cand: Candidate, target: Target) -> FileEntry | None:
    """The wheel whose METADATA stands for *cand* on *target* (any of its wheels if none fits)."""
    f = cand.for_target(target)
    if f is not None:
        return f
    wheels = [x for x in cand.files if x.filename.endswith(".whl")]
    same_os = [x for x in wheels if target.platform.os in _os_of(x.filename)]
    found = same_os or wheels
    return found[0] if found else None


def _os_of(filename: str) -> str:
    low = filename.lower()
    if "macosx" in low:
        return "macos"
    if "win" in low:
        return "windows"
    if "linux" in low:
        return "linux"
    return "any"


class MetadataView:
    """Requires-Dist / Requires-Python of candidates, for one run."""

    def __init__(self, probe: Probe, project: Project, router: Router) -> None:
        self.probe = probe
        self.project = project
        self.router = router
        self._lines: dict[tuple[str, str], tuple[list[tuple[str, list[str]]], bool]] = {}
        self._python: dict[tuple[str, str], SpecifierSet | None] = {}
        self._orphans: dict[tuple[str, str, str, str, frozenset[str]], tuple[Orphan, ...]] = {}
        self.reads = 0

    # ------------------------------------------------------------------ raw

    def prefetch(self, items: Sequence[tuple[IndexDef, Listing, Candidate, Target]]) -> None:
        todo = []
        for idx, listing, cand, target in items:
            f = wheel_of(cand, target)
            if f is not None:
                todo.append((idx, f, listing))
        self.probe.prefetch_metadata(todo)

    def lines(
        self, index: IndexDef, listing: Listing, cand: Candidate, target: Target, package: str
    ) -> tuple[list[tuple[str, list[str]]], bool]:
        """Requires-Dist lines of *cand*'s wheel for *target*, each with its evidence; complete?"""
        f = wheel_of(cand, target)
        if f is None:
            return [], False
        key = (index.url, f.url)
        hit = self._lines.get(key)
        if hit is not None:
            return hit
        self.reads += 1
        md = self.probe.metadata(index, f, listing)
        out: tuple[list[tuple[str, list[str]]], bool]
        if isinstance(md, CoreMetadata):
            how = origin_text(md) if md.source == "snapshot" else f"{md.source}, {origin_text(md)}"
            ev = f"METADATA of {f.filename} ({how})"
            out = ([(line, [ev]) for line in md.requires_dist], True)
            if md.requires_python is not None:
                self._python.setdefault((index.url, str(cand.version)), _spec(md.requires_python))
        else:
            assert isinstance(md, MetadataUnavailable)
            pats = []
            for pat in self.probe.patterns(index, package):
                line = pat.requires + (f" ; {pat.marker}" if pat.marker else "")
                ev = (
                    f"metadata of {f.filename} unavailable ({md.reason}); the snapshot of "
                    f"{self.probe.snapshot.date} records the pattern: {pat.note} (derived)"
                )
                pats.append((line, [ev]))
            out = (pats, False)
        self._lines[key] = out
        return out

    def requires_python(
        self, index: IndexDef, listing: Listing, cand: Candidate, target: Target, package: str
    ) -> SpecifierSet | None:
        """The version's Requires-Python: from the listing when it says, else from METADATA."""
        key = (index.url, str(cand.version))
        if key in self._python:
            return self._python[key]
        for f in cand.files:
            if f.requires_python:
                spec = _spec(f.requires_python)
                self._python[key] = spec
                return spec
        self.lines(index, listing, cand, target, package)  # records Requires-Python as a side effect
        return self._python.setdefault(key, None)

    # ------------------------------------------------------------------ questions

    def torch_pin(
        self,
        index: IndexDef,
        listing: Listing,
        cand: Candidate,
        target: Target,
        fork: Fork,
        package: str,
    ) -> tuple[SpecifierSet | None, str | None, list[str]]:
        """What a torch-family version requires of torch on *target*: (specifier, line, evidence)."""
        lines, _ = self.lines(index, listing, cand, target, package)
        for line, ev in lines:
            dep, _err = parse_requirement(line)
            if dep is None or canonical(dep.name) != "torch" or not dep.specifier:
                continue
            if not _holds(dep, target, fork, ()):
                continue
            return dep.specifier, line, [*ev, f"Requires-Dist: {line}"]
        return None, None, []

    def orphans(
        self,
        index: IndexDef,
        listing: Listing,
        cand: Candidate,
        target: Target,
        fork: Fork,
        package: str,
        requirement_extras: frozenset[str] = frozenset(),
    ) -> tuple[Orphan, ...]:
        """Dependencies of *cand* that only *index* (explicit) serves and uv never looks for there."""
        key = (
            index.url,
            str(cand.version),
            target.name,
            package,
            fork.extras | fork.groups | requirement_extras,
        )
        hit = self._orphans.get(key)
        if hit is not None:
            return hit
        out = tuple(self._find_orphans(index, listing, cand, target, fork, package, requirement_extras))
        self._orphans[key] = out
        return out

    def _find_orphans(
        self,
        index: IndexDef,
        listing: Listing,
        cand: Candidate,
        target: Target,
        fork: Fork,
        package: str,
        requirement_extras: frozenset[str],
    ) -> list[Orphan]:
        probe, project, router = self.probe, self.project, self.router
        todo: list[tuple[Requirement, str, str, str | None, list[str]]] = []
        for line, ev in self.lines(index, listing, cand, target, package)[0]:
            dep, _err = parse_requirement(line)
            if dep is None or not _holds(dep, target, fork, tuple(requirement_extras)):
                continue
            q = canonical(dep.name)
            declared = [
                r
                for r in project.requirements_named(q)
                if fork.applies(r) and target.matches(r.marker, fork.extras, fork.groups)
            ]
            if declared and router.route(q, target, fork.extras, fork.groups).kind != "chain":
                continue  # routed (or a direct source): looked up where it is sent
            marker = str(dep.marker) if dep.marker is not None else None
            todo.append((dep, q, line, marker, [*ev, f"Requires-Dist: {line}"]))
        if not todo:
            return []
        probe.prefetch({(index, q) for _, q, *_ in todo})
        suspects = []
        for dep, q, line, marker, ev in todo:
            here = probe.listing(index, q)
            if not here.ok or not here.files:
                continue
            found = matching(versions(here), dep.specifier, None, target)
            if found:
                suspects.append((dep, q, line, marker, ev, here, found))
        if not suspects:
            return []
        probe.prefetch({(idx, s[1]) for idx in router.default_chain() for s in suspects})
        out = []
        for dep, q, line, marker, ev, here, found in suspects:
            reachable, chain_ev = self._chain_satisfies(q, dep, target, found)
            if not reachable:
                listed = f"{page_text(here)} lists {q} {short_versions(found)} ({origin_text(here)})"
                out.append(Orphan(q, line, marker, (*ev, listed, *chain_ev)))
        return out

    def unserved(
        self,
        index: IndexDef,
        listing: Listing,
        cand: Candidate,
        target: Target,
        fork: Fork,
        package: str,
        requirement_extras: frozenset[str] = frozenset(),
    ) -> tuple[Orphan, ...]:
        """Dependencies of *cand* that no index uv consults serves (the default index replaced)."""
        key = ("closed", index.url, str(cand.version), target.name, package, fork.extras | fork.groups)
        hit = self._orphans.get(key)  # type: ignore[arg-type]
        if hit is not None:
            return hit
        probe, project, chain = self.probe, self.project, self.router.default_chain()
        todo: list[tuple[str, str, list[str]]] = []
        for line, ev in self.lines(index, listing, cand, target, package)[0]:
            dep, _err = parse_requirement(line)
            if dep is None or not _holds(dep, target, fork, tuple(requirement_extras)):
                continue
            q = canonical(dep.name)
            if any(
                fork.applies(r) and target.matches(r.marker, fork.extras, fork.groups)
                for r in project.requirements_named(q)
            ):
                continue  # declared: the model follows it as a requirement of its own
            todo.append((q, line, [*ev, f"Requires-Dist: {line}"]))
        probe.prefetch((idx, q) for idx in chain for q, _, _ in todo)
        out = []
        for q, line, ev in todo:
            evidence = []
            for idx in chain:
                lst = probe.listing(idx, q)
                if lst.status != "absent":
                    break  # served (perhaps only by name), or unknown: never accuse on missing data
                evidence.append(f"{page_text(lst)} does not list {q} ({origin_text(lst)})")
            else:
                dep, _ = parse_requirement(line)
                marker = str(dep.marker) if dep is not None and dep.marker is not None else None
                out.append(Orphan(q, line, marker, (*ev, *evidence)))
        result = tuple(out)
        self._orphans[key] = result  # type: ignore[index]
        return result

    def _chain_satisfies(
        self, q: str, dep: Requirement, target: Target, found_here: list[Candidate]
    ) -> tuple[bool, list[str]]:
        """Can uv find *dep* for *target* where it looks for unrouted packages? With evidence."""
        evidence = []
        first_index = self.router.strategy == "first-index"
        pinned_only_here = {str(c.version) for c in found_here}
        for idx in self.router.default_chain():
            listing = self.probe.listing(idx, q)
            if listing.status == "error":
                return True, []  # unknown: never accuse on missing data
            if not listing.ok:
                evidence.append(f"{index_display(idx)} does not serve {q} ({origin_text(listing)})")
                continue
            if not listing.files:  # present, files not recorded (snapshot): cannot judge
                return True, []
            cands = versions(listing)
            if dep.specifier:
                ok = matching(cands, dep.specifier, None, target)
            else:  # a bare name from a snapshot pattern: the build pinned is one only the routed index has
                ok = [c for c in cands if str(c.version) in pinned_only_here and c.for_target(target)]
            if ok:
                return True, []
            evidence.append(
                f"{index_display(idx)} lists {q} {short_versions(cands)} only ({origin_text(listing)})"
            )
            if first_index:
                break
        return False, evidence


def _spec(text: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _holds(dep: Requirement, target: Target, fork: Fork, extras: Sequence[str]) -> bool:
    if dep.marker is None:
        return True
    try:
        return any(
            dep.marker.evaluate(target.environment([e] if e else [], fork.groups))
            for e in (list(extras) or [""])
        )
    except Exception:  # an undefined variable in an exotic marker
        return False

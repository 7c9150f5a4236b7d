"""Shared machinery of the listing rules (TL101-TL105, TL303): where each routed requirement is
looked up on each platform, what that listing offers, and what other indexes would offer.

Every fact comes from ``ctx.probe`` (live, cache or the bundled snapshot); nothing here knows
what an index contains. Work is grouped per (requirement, platform, index) the way TL201 does,
because uv forks by platform markers, and memoised per run, because nightly listings hold
thousands of files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.index.model import Listing
from torchlint.index.urls import parse_pytorch_url, redact
from torchlint.project.model import DeclaredRequirement, IndexDef, SourceEntry
from torchlint.resolution.solver import merge_listings
from torchlint.routing import index_display
from torchlint.rules.base import RuleContext
from torchlint.rules.common import TORCH_FAMILY, Candidate, allows_prereleases, matching, versions
from torchlint.targets import Target

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from torchlint.diagnostics import Location


@dataclass
class Group:
    """One requirement on one platform, looked up on one index (or a merged chain)."""

    req: DeclaredRequirement
    platform: str
    #: Newest Python first.
    targets: list[Target]
    index: IndexDef
    source: SourceEntry | None
    listing: Listing
    kind: str  # "pinned" | "chain"
    #: Indexes merged into ``listing`` (unsafe-best-match chains), for messages.
    merged: tuple[IndexDef, ...] = ()
    _allowed: list[Candidate] | None = field(default=None, repr=False)

    @property
    def cands(self) -> list[Candidate]:
        return versions(self.listing)

    def allowed(self, project_prerelease: bool | None) -> list[Candidate]:
        if self._allowed is None:
            self._allowed = matching(self.cands, self.req.specifier, project_prerelease)
        return self._allowed

    @property
    def location(self) -> Location:
        if self.source is not None and self.source.location is not None:
            return self.source.location
        return self.req.location

    @property
    def index_name(self) -> str:
        if self.merged:
            return " + ".join(index_display(i) for i in self.merged)
        return index_display(self.index)


def page(listing: Listing) -> str:
    if listing.index_url.startswith("snapshot:"):
        return f"the default index's {listing.project} page"
    return redact(listing.page_url or f"{listing.index_url.rstrip('/')}/{listing.project}/")


def origin(listing: Listing) -> str:
    if listing.origin == "snapshot":
        return "snapshot" + (", derived" if listing.derived else "")
    return listing.origin


def prerelease(ctx: RuleContext, req: DeclaredRequirement) -> bool | None:
    return allows_prereleases(ctx.project, req.name, req.specifier)


def is_pin(spec: SpecifierSet) -> str | None:
    """The version an ``==X`` / ``===X`` specifier pins (no wildcard), else None."""
    for s in spec:
        if s.operator in ("==", "===") and not s.version.endswith(".*"):
            return s.version
    return None


def relaxed(spec: SpecifierSet) -> SpecifierSet:
    """*spec* with local labels dropped (``==2.5.1+cu124`` → ``==2.5.1``)."""
    from packaging.specifiers import SpecifierSet

    parts = []
    for s in spec:
        v = s.version.split("+", 1)[0]
        parts.append(f"{s.operator}{v}")
    return SpecifierSet(",".join(parts))


def channel(index: IndexDef, ctx: RuleContext) -> str | None:
    """``stable`` / ``nightly`` / ``test`` for a PyTorch index, else None."""
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else None
    pt = parse_pytorch_url(index.url, mirrors)
    return None if pt is None else str(pt.channel)


class Routing:
    """Per-run, memoised: the groups of routed requirements and cross-index lookups."""

    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.ctx = ctx
        self.probe = ctx.probe
        self._groups: dict[bool, list[Group]] = {}
        self._snap: dict[str, list[tuple[str, Listing]]] = {}
        self._elsewhere: dict[tuple[str, str, str, tuple[int, int], frozenset[str | None]], str | None] = {}

    def _wanted(self, req: DeclaredRequirement, kind: str) -> bool:
        if kind == "pinned":
            return True
        return req.name in TORCH_FAMILY or ("+" in req.raw and "+" in str(req.specifier))

    def groups(self, *, chains: bool = True) -> list[Group]:
        """Groups for every declared requirement routed to an index (chains: torch family only)."""
        hit = self._groups.get(chains)
        if hit is not None:
            return hit
        ctx, router = self.ctx, self.ctx.router
        work: dict[tuple[int, str, str, int], list[tuple[DeclaredRequirement, Target, object]]] = {}
        pairs: set[tuple[IndexDef, str]] = set()
        sources = ctx.project.sources
        for req in ctx.project.requirements:
            if req.name not in sources and (not chains or not self._wanted(req, "chain")):
                continue  # no source can apply: every route is the chain, which is not wanted
            act = ctx.activation(req)
            for t in ctx.targets_for(req):
                route = router.route(req.name, t, act.extras, act.groups)
                if route.kind == "direct" or not route.indexes:
                    continue
                if route.kind == "chain" and (not chains or not self._wanted(req, "chain")):
                    continue
                key = (id(req), t.platform.name, route.kind, id(route.source))
                work.setdefault(key, []).append((req, t, route))
                for idx in route.indexes if route.kind == "chain" else route.indexes[:1]:
                    pairs.add((idx, req.name))
        self.probe.prefetch(pairs)
        out: list[Group] = []
        for items in work.values():
            req, _, route_obj = items[0]
            from torchlint.routing import Route

            assert isinstance(route_obj, Route)
            targets = sorted((it[1] for it in items), key=lambda t: t.python, reverse=True)
            g = self._group(req, targets, route_obj)
            if g is not None:
                out.append(g)
        self._groups[chains] = out
        return out

    def _group(self, req: DeclaredRequirement, targets: list[Target], route: object) -> Group | None:
        from torchlint.routing import Route

        assert isinstance(route, Route)
        plat = targets[0].platform.name
        if route.kind == "pinned":
            idx = route.indexes[0]
            lst = self.probe.listing(idx, req.name)
            if lst.status == "error" or (lst.ok and not lst.files):
                return None  # unknown, or present without recorded files: cannot judge
            return Group(req, plat, targets, idx, route.source, lst, "pinned")
        found: list[tuple[IndexDef, Listing]] = []
        for idx in route.indexes:
            lst = self.probe.listing(idx, req.name)
            if lst.status == "error":
                return None
            if not lst.ok:
                continue
            if not lst.files:
                return None
            found.append((idx, lst))
            if route.strategy in ("first-index", "unsafe-first-match"):
                break
        if not found:
            return None
        if len(found) == 1:
            return Group(req, plat, targets, found[0][0], None, found[0][1], "chain")
        return Group(
            req,
            plat,
            targets,
            found[0][0],
            None,
            merge_listings([lst for _, lst in found]),
            "chain",
            merged=tuple(i for i, _ in found),
        )

    # ------------------------------------------------------------------ elsewhere

    def snapshot_listings(self, project: str, keys: Iterable[str] | None = None) -> list[tuple[str, Listing]]:
        """Snapshot listings of *project* that have files, for *keys* (default: every key)."""
        snap = self.probe.snapshot
        wanted = None if keys is None else [k for k in keys if k in set(snap.keys())]
        cache_key = project + "|" + (",".join(wanted) if wanted is not None else "*")
        hit = self._snap.get(cache_key)
        if hit is not None:
            return hit
        out = []
        if wanted is None:
            wanted = sorted(snap.keys(), key=lambda k: (k != "default", k))
        for key in wanted:
            lst = snap.listing(key, project)
            if lst is not None and lst.ok and lst.files:
                out.append((key, lst))
        self._snap[cache_key] = out
        return out

    def served_elsewhere(
        self,
        project: str,
        spec: SpecifierSet,
        target: Target,
        extra: Iterable[Listing] = (),
        own: Iterable[IndexDef] = (),
    ) -> str | None:
        """A key/page that has a wheel for *target* in a version *spec* (local labels ignored) allows.

        *own*: the indexes the requirement is already looked up on. Their snapshot copies are
        skipped: the live page has been read, and "another index serves it" must not name the
        same index (nor pay for expanding its recorded page, the largest in the snapshot).
        """
        rs = relaxed(spec)
        for lst in extra:
            if any(c.for_target(target) for c in matching(versions(lst), rs, True)):
                return page(lst)
        # the snapshot part depends on nothing else, so it is memoised even when *extra* is given
        skip = frozenset(self.probe.index_key(i) for i in own) - {None}
        mkey = (project, str(spec), target.platform.name, target.python, skip)
        if mkey in self._elsewhere:
            return self._elsewhere[mkey]
        found: str | None = None
        # the public default index and the CPU index (between them every platform PyTorch builds
        # for); nightly indexes only when the requirement asks for pre-releases. (The aggregated
        # /whl index is a union of the variants: scanning it costs much and adds no platform.)
        keys = ["default", "whl/cpu"]
        if any(s.prereleases for s in spec):
            keys += [k for k in self.probe.snapshot.keys() if k.startswith("whl/nightly/")]  # noqa: SIM118
        keys = [k for k in keys if k not in skip]
        for key, lst in self.snapshot_listings(project, keys):
            if any(c.for_target(target) for c in matching(versions(lst), rs, True)):
                found = "the default index" if key == "default" else self.probe.snapshot.public_url(key)
                break
        self._elsewhere[mkey] = found
        return found


def public(v: Version) -> str:
    return v.public


def locals_of(cands: Iterable[Candidate], version: Version) -> list[Candidate]:
    """Candidates with the same public version as *version*."""
    return [c for c in cands if c.version.public == version.public]


def platforms_of(cand: Candidate, targets: Sequence[Target]) -> list[str]:
    return sorted({t.platform.name for t in targets if cand.for_target(t) is not None})


def wheel_platforms(cand: Candidate) -> str:
    """``linux-x86_64, windows-amd64`` style summary of the platforms a version has wheels for."""
    from torchlint.targets import PLATFORMS, Target

    names = []
    for p in PLATFORMS:
        if any(cand.for_target(Target(p, (3, m))) for m in range(8, 16)):
            names.append(p.name)
    return ", ".join(names) if names else "no platform torchlint checks"


def targets_text(targets: Sequence[Target]) -> str:
    """``Linux x86_64/aarch64, Python 3.11–3.13; macOS arm64, Python 3.12``: exact minors."""
    from torchlint.targets import describe

    return describe(targets)


def memo_routing(ctx: RuleContext) -> Routing:
    """One :class:`Routing` per check run (rules of one run share it)."""
    key = id(ctx.project)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is ctx.project and hit[1].ctx.router is ctx.router:
        hit[1].ctx = ctx
        return hit[1]
    r = Routing(ctx)
    _MEMO.clear()
    _MEMO[key] = (ctx.project, r)
    return r


_MEMO: dict[int, tuple[object, Routing]] = {}

"""uv's choice for each routed package, per fork, region and target: the resolution model.

Not a resolver for the whole dependency graph: it follows the packages the index configuration is
about (the torch family, anything a source pins to an index, local-label pins) and the few
dependencies that decide whether those lock (a sibling's torch pin, an index-only Triton build).
What it reproduces of uv (0.13; each point checked with real ``uv lock`` on the local index, see
``tests/test_uv_model.py``):

* **forks**: one per ``conflicts`` choice (:mod:`.forks`); within one, the targets are split into
  *regions* where a package's requirements or route differ (markers on requirements and sources),
  and by ``environments`` entries (each one is a fork of its own);
* **first-index**: a package without a source is taken from the first index that has a page for
  it; ``unsafe-best-match`` merges the indexes' versions;
* **requires-python** (uv's default ``fork-strategy``): per Python minor, the newest version whose
  ``Requires-Python`` admits it; a minor no allowed version admits fails the lock;
* **platform forks**: in a region limited to some platforms (by markers or ``environments``), uv
  rejects a version that has no wheel for any of them ("has no Linux-compatible wheels"); in the
  region of every platform it does not look, and ``uv sync`` fails later where a wheel is missing;
* **local-version fallback**: when the chosen build (``2.5.1+cpu``) has no wheel for a platform
  and another build of the same version has one, uv forks that platform off and uses it there;
* **required-environments**: versions without a wheel for a required target are rejected;
* **torch-family pins**: a sibling's version must accept the torch chosen beside it (uv
  backtracks the sibling, or torch when the sibling cannot move);
* **orphaned dependencies**: a version routed to an explicit index whose dependency exists only
  on that index, unrouted, is rejected (the founding case).

Pip requirements files and pixi are solved per target (each machine resolves for itself); Poetry
and PDM lock universally without uv's lock-time wheel checks (the local-version fallback is
assumed for them too: the lock holds the builds of one version, and the installer takes the one
that fits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from torchlint.index.model import FileEntry, Listing
from torchlint.resolution.candidates import Candidate, allows_prereleases, matching, short_versions, versions
from torchlint.resolution.forks import Fork, activation_forks
from torchlint.resolution.metadata import MetadataView, page_text
from torchlint.resolution.model import Failure, FailureKind, Outcome, Resolution
from torchlint.routing import Route, index_display
from torchlint.rules.common import TORCH_FAMILY
from torchlint.targets import PLATFORMS, Target

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from torchlint.project.model import DeclaredRequirement, IndexDef, SourceEntry
    from torchlint.rules.base import RuleContext

ALL_PLATFORMS = frozenset(p.name for p in PLATFORMS)
#: METADATA reads per (package, region, Python) when uv would pass over versions.
MAX_PROBES = 8
#: Region solves per fork (local-version fallbacks split regions; this bounds the splitting).
MAX_REGIONS = 40

Mode = Literal["universal", "lenient", "per-target"]
_MODES: dict[str, Mode] = {
    "uv": "universal",
    "poetry": "lenient",
    "pdm": "lenient",
    "pip": "per-target",
    "pixi": "per-target",
}


@dataclass(frozen=True)
class Plan:
    """One package's requirements and route on one target in one fork."""

    package: str
    requirements: tuple[DeclaredRequirement, ...]
    route: Route
    spec: SpecifierSet
    #: Index names of sources that apply together (uv refuses conflicting indexes in one fork).
    conflict: tuple[str, ...]

    @property
    def key(self) -> tuple[object, ...]:
        return (str(self.spec), self.route.kind, tuple(i.url for i in self.route.indexes), self.conflict)


@dataclass(frozen=True)
class Source:
    """Where uv takes a package from, for one plan."""

    index: IndexDef | None
    listing: Listing | None
    #: No judgement possible, with why.
    unknown: str | None = None
    #: No index uv consults has the project, with the evidence.
    absent: str | None = None
    #: For a merged listing (``unsafe-best-match``): the index and page each file comes from.
    by_file: dict[str, tuple[IndexDef, Listing]] | None = None

    def origin(self, cand: Candidate) -> tuple[IndexDef, Listing]:
        """Where *cand*'s files come from (its own index when several are merged)."""
        assert self.index is not None and self.listing is not None
        if self.by_file and cand.files:
            hit = self.by_file.get(cand.files[0].filename)
            if hit is not None:
                return hit
        return self.index, self.listing


@dataclass(frozen=True)
class Verdict:
    """Why one version cannot be used, and where a usable one would be (for the search)."""

    kind: FailureKind
    #: "older": a usable version, if any, is older; "newer": it is newer.
    direction: Literal["older", "newer"]
    detail: str
    evidence: tuple[str, ...] = ()
    orphans: tuple[object, ...] = ()
    pin: str | None = None


def mode_for(manager: str) -> Mode:
    return _MODES.get(manager, "universal")


class Solver:
    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.ctx = ctx
        self.project = ctx.project
        self.router = ctx.router
        self.probe = ctx.probe
        self.targets = list(ctx.targets)
        self.mode = mode_for(ctx.project.manager)
        self.meta = MetadataView(self.probe, self.project, self.router)
        self._sources: dict[tuple[object, ...], Source] = {}
        self._allowed: dict[tuple[int, str, str], list[Candidate]] = {}
        #: Versions chosen so far, per (package, Python minor), in the order forks were solved:
        #: uv prefers them in later forks (fewer distinct versions in one lock).
        self._prefs: dict[tuple[str, tuple[int, int], str], list[Candidate]] = {}
        self._is_closed: bool | None = None

    # ------------------------------------------------------------------ scope

    def scoped(self) -> list[str]:
        """The packages the model follows, torch first (siblings' pins are judged against it)."""
        names: dict[str, int] = {}  # name -> first position (a dict: files have 100,000 requirements)
        closed = self._closed()
        for r in self.project.requirements:
            if r.name in names:
                continue
            if (
                closed
                or r.name in TORCH_FAMILY
                or any(e.kind == "index" for e in self.project.sources_for(r.name, r))
                or ("+" in r.raw and "+" in str(r.specifier))
            ):
                names[r.name] = len(names)
        return sorted(names, key=lambda n: (n != "torch", n not in TORCH_FAMILY, names[n]))

    def _closed(self) -> bool:
        """Is the default index a PyTorch index? Then every dependency must be found on PyTorch
        indexes (the public default index is gone), so the model follows all of them."""
        if self._is_closed is None:
            from torchlint.index.urls import parse_pytorch_url

            try:
                url = self.router.default_index.url
                self._is_closed = parse_pytorch_url(url, self.probe.options.mirrors) is not None
            except Exception:
                self._is_closed = False
        return self._is_closed

    def plan(self, fork: Fork, name: str, t: Target) -> Plan | None:
        from packaging.specifiers import SpecifierSet

        reqs = tuple(
            r
            for r in self.project.requirements_named(name)
            if fork.applies(r) and t.matches(r.marker, fork.extras, fork.groups)
        )
        if not reqs:
            return None
        spec = SpecifierSet()
        overrides = [o for o in self.project.overrides if o.name == name]
        if overrides:  # uv replaces every requirement of the package by the overrides that apply
            applying = [o for o in overrides if t.matches(o.marker, fork.extras, fork.groups)]
            if not applying:
                return None
            for o in applying:
                spec &= o.specifier
        else:
            for r in reqs:
                spec &= r.specifier
        for c in self.project.constraints:
            if c.name == name and t.matches(c.marker, fork.extras, fork.groups):
                spec &= c.specifier
        route, applicable = self._route(name, t, fork, reqs)
        names = {e.index for e in applicable if e.kind == "index" and e.index}
        return Plan(name, reqs, route, spec, tuple(sorted(names)) if len(names) > 1 else ())

    def _route(
        self, name: str, t: Target, fork: Fork, reqs: tuple[DeclaredRequirement, ...]
    ) -> tuple[Route, list[SourceEntry]]:
        """Where uv looks for *name* on *t* in *fork*, and the source entry each requirement takes.

        Per requirement, the first entry that applies: one with ``extra = X`` / ``group = X``
        applies to a requirement declared in that extra or group (with its ``marker``), and —
        uv 0.13, checked with real uv — an ``extra`` one also to a requirement in ``[project]
        dependencies`` whenever X is active, *without* its marker (``torch`` in the base dependencies and in extra ``cu``,
        ``{ index = "cu128", extra = "cu", marker = "sys_platform == 'linux'" }`` locks the cu128
        build for macOS and Windows under ``--extra cu``); an entry without either applies where
        its marker holds. Requirements taking different indexes in one fork are refused by uv
        (``conflict``).
        """
        from torchlint.rules.config_helpers import canonical

        chosen: list[SourceEntry] = []
        for r in reqs:
            # in a workspace, a member's own entries for the package replace the root's
            for e in self.project.sources_for(name, r):
                scoped = e.extra if e.extra is not None else e.group
                if scoped is not None:
                    kind = "extra" if e.extra is not None else "group"
                    if canonical(scoped) not in (fork.extras if kind == "extra" else fork.groups):
                        continue
                    if r.scope.kind == "project" and kind == "extra":
                        chosen.append(e)
                        break
                    if r.scope.kind != kind or canonical(r.scope.name or "") != canonical(scoped):
                        continue
                if not t.matches(e.marker, fork.extras, fork.groups):
                    continue
                chosen.append(e)
                break
        strategy = self.router.strategy
        for e in chosen:
            if e.kind == "index" and e.index:
                idx = self.router.index_named(e.index)
                return Route(name, t, "pinned", (idx,) if idx is not None else (), e, strategy), chosen
        for e in chosen:
            if e.kind in ("git", "path", "url", "workspace"):
                return Route(name, t, "direct", (), e, strategy), chosen
        return Route(name, t, "chain", self.router.default_chain(), None, strategy), chosen

    # ------------------------------------------------------------------ facts

    def source(self, plan: Plan) -> Source:
        key = (plan.package, plan.route.kind, tuple(i.url for i in plan.route.indexes))
        hit = self._sources.get(key)
        if hit is None:
            hit = self._sources[key] = self._source(plan)
        return hit

    def _source(self, plan: Plan) -> Source:
        route, name, probe = plan.route, plan.package, self.probe
        if route.kind == "direct":
            return Source(None, None, unknown="a direct source (git, path, URL or workspace)")
        if not route.indexes:
            return Source(None, None, unknown="the source names an index that is not declared (TL002)")
        if route.kind == "pinned":
            idx = route.indexes[0]
            lst = probe.listing(idx, name)
            if lst.status == "error":
                return Source(idx, lst, unknown=f"{index_display(idx)} could not be read ({lst.error})")
            if not lst.ok:
                return Source(
                    idx, lst, absent=f"{index_display(idx)} has no page for {name} ({page_text(lst)})"
                )
            if not lst.files:
                return Source(idx, lst, unknown=f"{page_text(lst)} is recorded without files")
            return Source(idx, lst)
        found: list[tuple[IndexDef, Listing]] = []
        missing: list[str] = []
        for idx in route.indexes:
            lst = probe.listing(idx, name)
            if lst.status == "error":
                return Source(idx, lst, unknown=f"{index_display(idx)} could not be read ({lst.error})")
            if not lst.ok:
                missing.append(index_display(idx))
                continue
            if not lst.files:
                return Source(idx, lst, unknown=f"{page_text(lst)} is recorded without files")
            found.append((idx, lst))
            if route.strategy == "first-index":
                break
        if not found:
            return Source(None, None, absent=f"none of {', '.join(missing)} has a page for {name}")
        if len(found) == 1 or route.strategy == "unsafe-first-match":
            return Source(found[0][0], found[0][1])
        by_file = {f.filename: (idx, lst) for idx, lst in reversed(found) for f in lst.files}
        return Source(found[0][0], merge_listings([lst for _, lst in found]), by_file=by_file)

    def allowed(self, listing: Listing, plan: Plan, extra: SpecifierSet | None) -> list[Candidate]:
        spec = plan.spec if extra is None else plan.spec & extra
        key = (id(listing), plan.package, str(spec))
        hit = self._allowed.get(key)
        if hit is None:
            pre = allows_prereleases(self.project, plan.package, spec)
            hit = self._allowed[key] = matching(versions(listing), spec, pre)
        return hit

    # ------------------------------------------------------------------ the run

    def run(self) -> Resolution:
        forks = (
            activation_forks(self.project)
            if self.mode != "per-target"
            else activation_forks(self.project)[:1]
        )
        names = self.scoped()
        res = Resolution(self.project, self.targets, forks, mode=self.mode)
        if not names or not self.targets:
            return res
        plans: dict[Fork, dict[tuple[str, str], Plan]] = {}
        pairs: set[tuple[IndexDef, str]] = set()
        for fork in forks:
            table: dict[tuple[str, str], Plan] = {}
            for name in names:
                for t in self.targets:
                    p = self.plan(fork, name, t)
                    if p is None:
                        continue
                    table[(name, t.name)] = p
                    if p.route.kind == "pinned":
                        pairs.update((i, name) for i in p.route.indexes[:1])
                    elif p.route.kind == "chain":
                        pairs.update((i, name) for i in p.route.indexes)
            plans[fork] = table
        self.probe.prefetch(pairs)
        self._prefetch_metadata(plans)

        # uv solves the forks that select a `conflicts` member before the one that selects none,
        # and prefers the versions earlier forks chose (checked with real uv); outcomes keep the
        # forks' own order
        # uv prefers, in one fork, the versions it chose in forks solved before (fewer distinct
        # versions in one lock; checked with real uv: torch pinned in the extras' forks is what the
        # base fork locks too). Forks that select a `conflicts` member come first, those with
        # pins of their own before the others, the base fork last
        def pins(f: Fork) -> int:
            return -sum(
                1
                for r in self.project.requirements
                if r.scope.kind != "project"
                and f.applies(r)
                and any(sp.operator == "==" for sp in r.specifier)
            )

        order = sorted((f for f in forks if f.chosen), key=pins) + [f for f in forks if not f.chosen]
        solved = {f: self._solve_fork(f, names, plans[f]) for f in order}
        for fork in forks:
            res.outcomes.extend(solved[fork])
        return res

    def _prefetch_metadata(self, plans: dict[Fork, dict[tuple[str, str], Plan]]) -> None:
        """One wave of METADATA reads: the newest allowed version of each plan, per platform."""
        items = []
        seen: set[tuple[object, ...]] = set()
        by_name = {t.name: t for t in self.targets}
        for table in plans.values():
            for (_name, tname), p in table.items():
                src = self.source(p)
                if src.listing is None or src.index is None or src.unknown or src.absent:
                    continue
                allowed = self.allowed(src.listing, p, None)
                if not allowed:
                    continue
                t = by_name[tname]
                k = (src.index.url, str(allowed[0].version), t.platform.name)
                if k not in seen:
                    seen.add(k)
                    items.append((src.index, src.listing, allowed[0], t))
        self.meta.prefetch(items)

    # ------------------------------------------------------------------ regions

    def _regions(self, names: Sequence[str], table: dict[tuple[str, str], Plan]) -> list[list[Target]]:
        if self.mode == "per-target":
            return [[t] for t in self.targets]
        envs = [e.marker for e in self.project.uv.environments] if self.mode == "universal" else []
        label: dict[str, tuple[object, ...]] = {}
        for t in self.targets:
            env = next((i for i, m in enumerate(envs) if t.matches(m)), -1)
            label[t.name] = (env,)
        for name in names:
            keys = {t.name: table[(name, t.name)].key for t in self.targets if (name, t.name) in table}
            if len(set(keys.values())) > 1:
                for t in self.targets:
                    label[t.name] = (*label[t.name], keys.get(t.name, ("absent",)))
        groups: dict[tuple[object, ...], list[Target]] = {}
        for t in self.targets:
            groups.setdefault(label[t.name], []).append(t)
        return list(groups.values())

    def _solve_fork(
        self, fork: Fork, names: Sequence[str], table: dict[tuple[str, str], Plan]
    ) -> list[Outcome]:
        queue: list[tuple[list[Target], frozenset[str]]] = [
            (r, frozenset()) for r in self._regions(names, table)
        ]
        out: list[Outcome] = []
        solves = 0
        while queue:
            region, forced = queue.pop(0)
            solves += 1
            outcomes, splits = self._solve_region(
                fork, names, table, region, forced, allow_split=solves < MAX_REGIONS
            )
            if splits:
                moved = {t.name for part, _ in splits for t in part}
                rest = [t for t in region if t.name not in moved]
                queue[:0] = [*splits, *([(rest, forced)] if rest else [])]
                continue
            out.extend(outcomes)
            for o in outcomes:  # what later forks prefer (only what this fork finally chose)
                if o.pick is not None and o.index is not None and o.failure is None:
                    chosen = self._prefs.setdefault((o.package, o.target.python, o.index.url), [])
                    if o.pick not in chosen:
                        chosen.append(o.pick)
        return out

    def _solve_region(
        self,
        fork: Fork,
        names: Sequence[str],
        table: dict[tuple[str, str], Plan],
        region: list[Target],
        forced: frozenset[str],
        allow_split: bool,
    ) -> tuple[list[Outcome], list[tuple[list[Target], frozenset[str]]]]:
        # uv rejects versions without a wheel for the fork at lock time only when the project
        # limits its environments (checked with real uv: without `environments`, a fork limited to
        # macOS by a source marker still locks a CUDA build there, and `uv sync` fails later)
        restricted = self.mode == "universal" and bool(self.project.uv.environments)
        region_names = frozenset(t.name for t in region)
        torch_extra: SpecifierSet | None = None
        results: dict[tuple[str, str], Outcome] = {}
        first: dict[tuple[str, str], Outcome] = {}
        for _attempt in range(2):
            first, results = results, {}
            push: SpecifierSet | None = None
            for name in names:
                members = [t for t in region if (name, t.name) in table]
                by_key: dict[tuple[object, ...], list[Target]] = {}
                for t in members:
                    by_key.setdefault(table[(name, t.name)].key, []).append(t)
                for ts in by_key.values():
                    plan = table[(name, ts[0].name)]
                    got = self._solve_package(
                        fork, plan, ts, region, region_names, restricted or name in forced, results,
                        torch_extra if name == "torch" else None, strict=restricted,
                    )  # fmt: skip
                    for o in got:
                        results[(name, o.target.name)] = o
                        if (
                            name != "torch"
                            and o.failure is not None
                            and o.failure.kind == "family"
                            and o.failure.pin
                            and torch_extra is None
                        ):
                            push = _spec_or_none(o.failure.pin)
            if push is None or torch_extra is not None:
                break
            torch_extra = push  # the sibling cannot move: uv backtracks torch to what it pins
        if torch_extra is not None and any(
            o.package == "torch" and o.failure is not None and o.failure.kind == "no-match"
            for o in results.values()
        ):
            results = first  # torch cannot move either: the sibling's pin is what fails
        splits = self._fallback_splits(results, region, forced) if allow_split else []
        return list(results.values()), splits

    def _fallback_splits(
        self, results: dict[tuple[str, str], Outcome], region: list[Target], forced: frozenset[str]
    ) -> list[tuple[list[Target], frozenset[str]]]:
        """Targets uv forks off because another build of the chosen version has their wheel.

        uv (≥ 0.5.12) forks on the platforms another build of the same version covers where the
        chosen build has no wheel: ``2.5.1`` (aarch64) beside ``2.5.1+cu124``, ``2.4.1`` (macOS)
        beside ``2.4.1+cpu``. The moved targets form one fork per build, where that package takes
        a build with a wheel there; a macOS wheel covers every macOS target (uv's markers for it
        name no architecture), a Linux or Windows wheel the platforms and Pythons its tags name.
        """
        if self.mode == "per-target":
            return []  # each machine resolves for itself: it finds the build that fits it
        moved: dict[int, tuple[list[Target], set[str]]] = {}
        taken: set[str] = set()
        for o in results.values():
            if o.package in forced or o.target.name in taken:
                continue
            if self.mode == "lenient" and any("+" in str(r.specifier) for r in o.requirements):
                continue  # Poetry / PDM lock the build a local-label pin names, and only it
            if o.pick is None or o.wheel is not None or o.failure is not None:
                continue
            alt = next((c for c in o.allowed if c is not o.pick and _covers(c, o.pick, o.target)), None)
            if alt is None:
                continue
            entry = moved.setdefault(id(alt), ([], set()))
            entry[0].append(o.target)
            entry[1].add(o.package)
            taken.add(o.target.name)
        return [(ts, forced | frozenset(pkgs)) for ts, pkgs in moved.values()]

    # ------------------------------------------------------------------ one package

    def _solve_package(
        self,
        fork: Fork,
        plan: Plan,
        ts: list[Target],
        region: list[Target],
        region_names: frozenset[str],
        restricted: bool,
        results: dict[tuple[str, str], Outcome],
        extra: SpecifierSet | None,
        strict: bool = True,
    ) -> list[Outcome]:
        """*restricted*: prefer versions with a wheel for the region; *strict*: reject the others
        (a limited ``environments``), else fall back to the preferred version (a local-version fork)."""
        src = self.source(plan)

        def outcome(t: Target, **kw: object) -> Outcome:
            base: dict[str, object] = {
                "package": plan.package,
                "target": t,
                "fork": fork,
                "requirements": plan.requirements,
                "route": plan.route,
                "index": src.index,
                "listing": src.listing,
                "allowed": (),
                "pick": None,
                "wheel": None,
                "region": region_names,
            }
            base.update(kw)
            return Outcome(**base)  # type: ignore[arg-type]

        if src.unknown is not None:
            return [outcome(t, unknown=src.unknown) for t in ts]
        if src.absent is not None:
            fail = Failure("absent", src.absent)
            return [outcome(t, failure=fail) for t in ts]
        assert src.listing is not None and src.index is not None
        listing, index = src.listing, src.index
        if plan.package != "torch":
            needed = self._required_by(fork, plan.package, ts[0], results)
            if needed is not None:
                extra = needed if extra is None else extra & needed
        allowed = self.allowed(listing, plan, extra)
        if plan.conflict and self.mode == "universal":
            fail = Failure(
                "conflict",
                f"sources route {plan.package} to {', '.join(f'`{n}`' for n in plan.conflict)} in the same fork",
            )
            return [outcome(t, allowed=tuple(allowed), failure=fail) for t in ts]
        if not allowed:
            fail = self._no_match(plan, listing, extra)
            return [outcome(t, failure=fail) for t in ts]
        out: list[Outcome] = []
        by_python: dict[tuple[int, int], list[Target]] = {}
        for t in ts:
            by_python.setdefault(t.python, []).append(t)
        staged: list[tuple[tuple[int, int], list[Target], list[Candidate], Candidate]] = []
        for py, tp in sorted(by_python.items()):
            cands = list(allowed)
            if self.mode == "per-target":
                fit = [c for c in cands if c.for_target(tp[0]) is not None]
                if not fit:
                    out.extend(outcome(t, allowed=tuple(allowed), pick=cands[0]) for t in tp)
                    continue
                cands = fit
            preferred = cands[0]
            if restricted:
                fit = [c for c in cands if any(c.for_target(x) is not None for x in region)]
                if not fit and not strict:
                    fit = cands
                if not fit:
                    fail = Failure(
                        "platform",
                        f"no version of {plan.package} that {_spec_text(plan, extra)} allows on "
                        f"{index_display(index)} has a wheel for {_platform_names(region)}",
                        (
                            f"{page_text(listing)}: {plan.package} {_spec_text(plan, extra)} allows "
                            f"{short_versions(cands)}",
                        ),
                    )
                    out.extend(outcome(t, allowed=tuple(allowed), failure=fail) for t in tp)
                    continue
                cands = fit
            required = [t for t in tp if t.required]
            if required and self.mode != "per-target":
                # uv: a version needs a wheel for *some* point of each required environment
                # (within this fork), not for every platform and Python it covers
                groups = self._required_groups(required, region)
                fit = [c for c in cands if all(any(c.for_target(x) is not None for x in g) for g in groups)]
                if not fit:
                    fail = Failure(
                        "required",
                        f"no version of {plan.package} that {_spec_text(plan, extra)} allows on "
                        f"{index_display(index)} has a wheel for the required {_target_names(required)}",
                        where=tuple(t.name for t in required),
                    )
                    out.extend(outcome(t, allowed=tuple(allowed), failure=fail) for t in tp)
                    continue
                cands = fit
            staged.append((py, tp, cands, preferred))
        # uv forks by Python only where Requires-Python differs (its default fork strategy takes
        # the newest version per Python range); the other checks apply to each such range whole
        ranges: dict[
            tuple[object, ...], list[tuple[tuple[int, int], list[Target], list[Candidate], Candidate]]
        ] = {}
        for item in staged:
            py, tp, cands, _pref = item
            only_py = self._verdict_fn(fork, plan, src, tp, results, [py], only_python=True)
            newest_ok, _, _ = _search(cands, only_py)
            # a Python range split off for a package solved before (torch's Requires-Python) is a
            # fork of the whole resolution: later packages are solved per range too
            before = tuple(
                id(o.pick)
                for (other, tname), o in results.items()
                if tname == tp[0].name and other != plan.package
            )
            key = (id(newest_ok), tuple(id(c) for c in cands), before)
            ranges.setdefault(key, []).append(item)
        for items in ranges.values():
            pys = [it[0] for it in items]
            tps = [t for it in items for t in it[1]]
            cands, preferred = items[0][2], items[0][3]
            verdict = self._verdict_fn(fork, plan, src, tps, results, pys)
            pick, passed, first = self._preferred(index, plan.package, pys, cands, verdict) or _search(
                cands, verdict
            )
            if pick is None:
                assert first is not None
                fail = Failure(first.kind, first.detail, first.evidence, first.orphans, first.pin)  # type: ignore[arg-type]
                out.extend(
                    outcome(t, allowed=tuple(allowed), failure=fail, passed_over=tuple(passed)) for t in tps
                )
                continue
            fallback = (
                preferred
                if preferred is not pick and preferred.version.public == pick.version.public
                else None
            )
            own_index, own_listing = src.origin(pick)
            for t in tps:
                out.append(
                    outcome(
                        t,
                        allowed=tuple(allowed),
                        pick=pick,
                        wheel=pick.for_target(t),
                        fallback_from=fallback,
                        passed_over=tuple(passed),
                        index=own_index,
                        listing=own_listing,
                    )
                )
        return out

    def _preferred(
        self,
        index: IndexDef,
        package: str,
        pythons: list[tuple[int, int]],
        cands: list[Candidate],
        verdict: Callable[[Candidate], Verdict | None],
    ) -> tuple[Candidate, list[tuple[Candidate, str]], None] | None:
        """A version another fork already chose for these Pythons, if it fits here (uv's fork
        preferences: a preference, per index, for ``2.4.1`` takes the newest build of 2.4.1 there;
        not across Python ranges, where uv takes the newest per range)."""
        chosen = self._prefs.get((package, min(pythons), index.url))
        if not chosen:
            return None
        for pref in chosen:  # a preference matches every build of its version (`==2.4.1`), newest first
            for c in cands:
                if c.version.public == pref.version.public and verdict(c) is None:
                    return c, [], None
        return None

    def _required_groups(self, required: list[Target], region: list[Target]) -> list[list[Target]]:
        """The required targets of *region*, one group per ``required-environments`` entry
        (``[tool.torchlint] targets`` / ``--target`` ones each on their own)."""
        markers = [e.marker for e in self.project.uv.required_environments]
        groups: dict[object, list[Target]] = {}
        for t in required:
            i = next((i for i, m in enumerate(markers) if t.matches(m)), None)
            if i is None:
                groups.setdefault(("own", t.name), []).append(t)
            else:
                groups.setdefault(i, [x for x in region if x.required and x.matches(markers[i])])
        return list(groups.values())

    def _required_by(
        self, fork: Fork, name: str, t: Target, results: dict[tuple[str, str], Outcome]
    ) -> SpecifierSet | None:
        """What the versions already chosen on *t* require of *name* (torch's ``pytorch-triton==…``)."""
        from torchlint.project.requirements import canonical, parse_requirement

        spec: SpecifierSet | None = None
        for (other, tname), o in results.items():
            if tname != t.name or other == name or o.pick is None or o.index is None or o.listing is None:
                continue
            lines, _ = self.meta.lines(o.index, o.listing, o.pick, t, other)
            for line, _ev in lines:
                dep, _err = parse_requirement(line)
                if dep is None or canonical(dep.name) != name or not dep.specifier:
                    continue
                try:
                    if dep.marker is not None and not dep.marker.evaluate(
                        t.environment(fork.extras, fork.groups)
                    ):
                        continue
                except Exception:
                    continue
                spec = dep.specifier if spec is None else spec & dep.specifier
        return spec

    def _no_match(self, plan: Plan, listing: Listing, extra: SpecifierSet | None) -> Failure:
        listed = versions(listing)
        spec = _spec_text(plan, extra)
        pre = allows_prereleases(self.project, plan.package, plan.spec)
        evidence = [
            f"{page_text(listing)} ({_origin(listing)}) lists {plan.package} {short_versions(listed)}"
        ]
        if pre is not True and matching(listed, plan.spec, True):
            evidence.append("only pre-releases match, and the pre-release policy excludes them")
        return Failure(
            "no-match", f"no version on {page_text(listing)} matches {plan.package} {spec}", tuple(evidence)
        )

    def _verdict_fn(
        self,
        fork: Fork,
        plan: Plan,
        src: Source,
        tp: list[Target],
        results: dict[tuple[str, str], Outcome],
        pythons: Sequence[tuple[int, int]],
        only_python: bool = False,
    ) -> Callable[[Candidate], Verdict | None]:
        """The metadata checks of one version for a Python range of a region (memoised by the view).

        Requires-Python is judged at the range's lowest Python (uv's fork lower bound); a
        torch-family pin and index-only dependencies on every target of the range.
        """
        from packaging.version import Version

        name = plan.package
        py = min(pythons)
        floor = Version(f"{py[0]}.{py[1]}")
        rp = self.project.requires_python
        if rp is not None:  # the fork's lower bound: ">=3.10.4" for the 3.10 minor
            low = []
            for s in rp:
                if s.operator in (">=", "~=", "==") and "*" not in s.version:
                    try:
                        low.append(Version(s.version))
                    except ValueError:
                        continue
            floor = max([floor, *(v for v in low if v.release[:2] == py)])
        torch_picks: dict[str, Candidate] = {}
        if name != "torch" and name in TORCH_FAMILY:
            for t in tp:
                tor = results.get(("torch", t.name))
                if tor is not None and tor.pick is not None:
                    torch_picks[t.name] = tor.pick
        explicit = plan.route.kind == "pinned" and src.index is not None and src.index.explicit
        closed = self._closed()
        extras = frozenset(e for r in plan.requirements for e in r.requirement.extras)
        by_platform: dict[str, list[Target]] = {}
        for t in sorted(tp, key=lambda t: t.python):
            by_platform.setdefault(t.platform.name, []).append(t)

        def reps(c: Candidate) -> list[Target]:
            """One target per platform stands for its METADATA: the oldest Python with a wheel."""
            return [
                next((t for t in ts if c.for_target(t) is not None), ts[0]) for ts in by_platform.values()
            ]

        def verdict(c: Candidate) -> Verdict | None:
            index, listing = src.origin(c)
            target = next((t for t in tp if c.for_target(t) is not None), tp[0])
            rps = self.meta.requires_python(index, listing, c, target, name)
            if rps is not None and not rps.contains(floor, prereleases=True):
                return Verdict(
                    "python",
                    "older",
                    f"{name} {c.version} requires Python {rps}, and the project allows Python {py[0]}.{py[1]}",
                    (f"Requires-Python of {name} {c.version}: {rps}",),
                )
            if only_python:
                return None
            for t in tp:
                tpick = torch_picks.get(t.name)
                if tpick is None:
                    continue
                pin, _line, ev = self.meta.torch_pin(index, listing, c, t, fork, name)
                if pin is not None and not pin.contains(tpick.version, prereleases=True):
                    pinned = _pinned_version(pin)
                    newer = pinned is not None and pinned < tpick.version
                    return Verdict(
                        "family",
                        "newer" if newer else "older",
                        f"{name} {c.version} requires torch{pin}, but torch {tpick.version} is locked beside it",
                        tuple(ev),
                        pin=str(pin),
                    )
            if closed:
                for t in reps(c):
                    gone = self.meta.unserved(index, listing, c, t, fork, name, extras)
                    if gone:
                        deps = ", ".join(f"`{o.dep}`" for o in gone)
                        return Verdict(
                            "closed",
                            "older",
                            f"{name} {c.version} requires {deps}, which no index uv consults serves",
                            orphans=gone,
                        )
            if explicit:
                for t in reps(c):
                    orphans = self.meta.orphans(index, listing, c, t, fork, name, extras)
                    if orphans:
                        deps = ", ".join(f"`{o.dep}`" for o in orphans)
                        return Verdict(
                            "orphan",
                            "older",
                            f"{name} {c.version} requires {deps}, which only {index_display(index)} serves",
                            orphans=orphans,
                        )
            return None

        return verdict


def _search(
    cands: Sequence[Candidate], verdict: Callable[[Candidate], Verdict | None]
) -> tuple[Candidate | None, list[tuple[Candidate, str]], Verdict | None]:
    """The newest usable candidate, reading at most ``MAX_PROBES`` metadata files.

    Assumes the candidates, newest first, run [too new …] [usable …] [too old …]: a version's
    Requires-Python, its torch pin and its index-only dependencies change with the release
    series, not at random. Returns (pick, passed over with why, the newest candidate's verdict).
    """
    first = verdict(cands[0])
    if first is None:
        return cands[0], [], None
    passed = [(cands[0], first.detail)]
    if first.direction == "newer" or len(cands) == 1:
        return None, passed, first
    probes = 1

    def older_side(i: int) -> tuple[bool, Verdict | None]:
        v = verdict(cands[i])
        return (v is None or v.direction == "newer"), v

    last_ok, last_v = older_side(len(cands) - 1)
    probes += 1
    if not last_ok:
        return None, passed, first
    lo, hi, hi_v = 0, len(cands) - 1, last_v  # cands[lo] too new; cands[hi] usable or too old
    while hi - lo > 1 and probes < MAX_PROBES:
        mid = (lo + hi) // 2
        ok, v = older_side(mid)
        probes += 1
        if ok:
            hi, hi_v = mid, v
        else:
            lo = mid
    if hi_v is not None:
        return None, passed, first
    passed.extend((c, "") for c in cands[1:hi])
    return cands[hi], passed, None


def _covers(alt: Candidate, pick: Candidate, t: Target) -> bool:
    """Does uv's fork for *alt* (another build of *pick*'s version) take *t*?"""
    if alt.version.public != pick.version.public:
        return False
    if t.os == "macos":
        return any(
            alt.for_target(Target(p, t.python)) is not None for p in PLATFORMS if p.os == "macos"
        ) or any("macosx" in f.filename for f in alt.files)
    return alt.for_target(t) is not None


def merge_listings(listings: Sequence[Listing]) -> Listing:
    """One listing of every file of *listings* (uv's ``unsafe-best-match`` sees them all)."""
    files: list[FileEntry] = []
    seen: set[str] = set()
    for lst in listings:
        for f in lst.files:
            if f.filename not in seen:
                seen.add(f.filename)
                files.append(f)
    first = listings[0]
    return Listing(
        first.index_url,
        first.project,
        "ok",
        tuple(files),
        origin=first.origin,
        fetched_at=first.fetched_at,
        derived=any(lst.derived for lst in listings),
        page_url=first.page_url,
    )


def _spec_text(plan: Plan, extra: SpecifierSet | None) -> str:
    spec = plan.spec if extra is None else plan.spec & extra
    return str(spec) or "any version"


def _spec_or_none(text: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _pinned_version(spec: SpecifierSet):  # type: ignore[no-untyped-def]
    from packaging.version import InvalidVersion, Version

    for s in spec:
        if s.operator in ("==", "===", ">=", "~="):
            try:
                return Version(s.version.replace(".*", ""))
            except InvalidVersion:
                return None
    return None


def _origin(listing: Listing) -> str:
    if listing.origin == "snapshot":
        return "snapshot" + (", derived" if listing.derived else "")
    return listing.origin


def _platform_names(targets: Sequence[Target]) -> str:
    return ", ".join(sorted({t.platform.name for t in targets}))


def _target_names(targets: Sequence[Target]) -> str:
    return ", ".join(t.name for t in targets)

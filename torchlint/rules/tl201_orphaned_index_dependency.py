"""## What it does
For every package routed to an **explicit** index, reads the metadata of the version uv would
pick on each target (PEP 658 `.metadata`, or an HTTP Range read of the wheel) and checks each
`Requires-Dist`: if a dependency exists at the required version **only** on that explicit index
and is not itself declared and routed there, uv can never find it.

## Why is this bad?
uv consults an explicit index only for packages pinned to it in `[tool.uv.sources]`, and
sources apply only to packages the project declares. Nightly torch requires a
`pytorch-triton==X+git<sha>` build, ROCm torch `pytorch-triton-rocm` / `triton-rocm`, XPU
torch `triton-xpu`; these exist only on the PyTorch indexes. uv then rejects every torch
candidate one by one: the resolver "downloads all versions of torch in reverse order"
(astral-sh/uv#9651, #10702, #10712), minutes and gigabytes later it ends in "no solution", and
its message never mentions the index that has the package.

## Example
```toml
[project]
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
torchvision = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cpu"
explicit = true
```

## Use instead
Declare the dependency (with the marker from torch's `Requires-Dist`) and route it to the same
index with torch's marker:
```toml
[project]
dependencies = [
  "torch>=2.5.1",
  "torchvision>=0.20.1",
  "pytorch-triton ; sys_platform == 'linux' and platform_machine == 'x86_64'",
]

[tool.uv.sources]
pytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
```

## Fix safety
The fix adds a dependency line and a sources entry. It is safe: it only makes reachable a
package the resolution already requires.

## References
- astral-sh/uv#9651 (the founding case), #10702, #10712; uv guide, ROCm and XPU sections
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.diagnostics import Diagnostic, Fix, Related
from torchlint.index.model import CoreMetadata, FileEntry, Listing, MetadataUnavailable
from torchlint.index.urls import redact
from torchlint.project.model import DeclaredRequirement, IndexDef, SourceEntry
from torchlint.project.requirements import canonical, parse_requirement
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import (
    Candidate,
    allows_prereleases,
    matching,
    short_versions,
    versions,
)
from torchlint.targets import Target

if TYPE_CHECKING:
    from packaging.requirements import Requirement

RULE = Rule(
    code="TL201",
    name="orphaned-index-dependency",
    severity="error",
    needs="metadata",
    summary="a routed package requires a package that only its explicit index serves (the founding case)",
    fix_availability="always",
)


@dataclass
class Pick:
    """One routed requirement on one platform (uv forks by platform markers, not by Python minor)."""

    req: DeclaredRequirement
    #: The targets of this platform, newest Python first; ``target`` is the one whose wheel is read.
    targets: list[Target]
    index: IndexDef
    source: SourceEntry | None
    listing: Listing
    candidates: list[Candidate]

    @property
    def target(self) -> Target:
        return self.targets[0]

    def wheel(self, cand: Candidate) -> tuple[Target, FileEntry]:
        for t in self.targets:
            f = cand.for_target(t)
            if f is not None:
                return t, f
        raise LookupError(cand.version)


@dataclass
class Orphan:
    """A dependency of one candidate that uv cannot reach on one target."""

    dep: str
    line: str
    marker: str | None
    evidence: list[str]


@dataclass
class Finding:
    pick: Pick
    version: str
    orphan: Orphan
    #: The newest version uv can use instead (None: no candidate works).
    fallback: str | None
    targets: list[Target] = field(default_factory=list)


def _page(listing: Listing) -> str:
    return redact(listing.page_url or f"{listing.index_url.rstrip('/')}/{listing.project}/")


def _origin(item: Listing | CoreMetadata) -> str:
    if item.origin == "snapshot":
        return "snapshot" + (", derived" if item.derived else "")
    return item.origin


def _wheel_for(pick: Pick, cand: Candidate) -> FileEntry:
    return pick.wheel(cand)[1]


#: Metadata reads per (package, target) when looking for the newest usable version.
MAX_PROBES = 8


class Checker:
    """Evaluates candidates of routed packages: which of their dependencies uv cannot reach."""

    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.ctx = ctx
        self.probe = ctx.probe
        self.router = ctx.router
        self.project = ctx.project
        self._digest: dict[tuple[str, str], FileEntry] = {}
        self._memo: dict[tuple[str, str, str, str], list[Orphan]] = {}

    def _file(self, pick: Pick, cand: Candidate) -> FileEntry:
        f = _wheel_for(pick, cand)
        if f.metadata_sha256:  # identical metadata (same PEP 658 digest) is read once
            f = self._digest.setdefault((pick.index.url, f.metadata_sha256), f)
        return f

    def prefetch(self, items: list[tuple[Pick, Candidate]]) -> None:
        self.probe.prefetch_metadata(
            {self._file(p, c).url: (p.index, self._file(p, c), p.listing) for p, c in items}.values()
        )

    def orphans(self, pick: Pick, cand: Candidate) -> list[Orphan]:
        key = (pick.index.url, pick.req.raw + pick.req.scope.label(), str(cand.version), pick.target.name)
        if key not in self._memo:
            self._memo[key] = self._orphans(pick, cand)
        return self._memo[key]

    def _deps(self, pick: Pick, cand: Candidate) -> list[tuple[str, list[str]]]:
        f = self._file(pick, cand)
        md = self.probe.metadata(pick.index, f, pick.listing)
        if isinstance(md, CoreMetadata):
            how = _origin(md) if md.origin == "snapshot" else f"{md.source}, {md.origin}"
            ev = f"METADATA of {f.filename} ({how})"
            return [(line, [ev]) for line in md.requires_dist]
        assert isinstance(md, MetadataUnavailable)
        out = []
        for pat in self.probe.patterns(pick.index, pick.req.name):
            line = pat.requires + (f" ; {pat.marker}" if pat.marker else "")
            ev = (
                f"metadata of {f.filename} unavailable ({md.reason}); the snapshot of "
                f"{self.probe.snapshot.date} records the pattern: {pat.note} (derived)"
            )
            out.append((line, [ev]))
        return out

    def _orphans(self, pick: Pick, cand: Candidate) -> list[Orphan]:
        ctx, project, router, probe = self.ctx, self.project, self.router, self.probe
        act = ctx.activation(pick.req)
        t = pick.wheel(cand)[0]
        todo: list[tuple[Requirement, str, str, str | None, list[str]]] = []
        for line, ev in self._deps(pick, cand):
            dep, _err = parse_requirement(line)
            if dep is None:
                continue
            extras = sorted(pick.req.requirement.extras) or [""]
            if dep.marker is not None and not any(
                dep.marker.evaluate(t.environment([e] if e else [], act.groups)) for e in extras
            ):
                continue
            q = canonical(dep.name)
            declared = [
                r for r in project.requirements_named(q) if t.matches(r.marker, act.extras, act.groups)
            ]
            if declared and router.route(q, t, act.extras, act.groups).kind != "chain":
                continue  # routed (or a direct source): looked up where it is sent
            marker = str(dep.marker) if dep.marker is not None else None
            todo.append((dep, q, line, marker, [*ev, f"Requires-Dist: {line}"]))
        if not todo:
            return []
        probe.prefetch({(pick.index, q) for _, q, *_ in todo})
        suspects = []
        for dep, q, line, marker, ev in todo:
            here = probe.listing(pick.index, q)
            if not here.ok or not here.files:
                continue
            found = matching(versions(here), dep.specifier, None, t)
            if found:
                suspects.append((dep, q, line, marker, ev, here, found))
        if not suspects:
            return []
        probe.prefetch({(idx, s[1]) for idx in router.default_chain() for s in suspects})
        out = []
        for dep, q, line, marker, ev, here, found in suspects:
            reachable, chain_ev = _chain_satisfies(ctx, q, dep, t, found)
            if not reachable:
                listed = f"{_page(here)} lists {q} {short_versions(found)} ({_origin(here)})"
                out.append(Orphan(q, line, marker, [*ev, listed, *chain_ev]))
        return out


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    probe = ctx.probe
    assert probe is not None
    router = ctx.router
    project = ctx.project

    # 1. packages routed to an explicit index, per target
    work: list[tuple[DeclaredRequirement, Target, IndexDef, SourceEntry | None]] = []
    for req in project.requirements:
        act = ctx.activation(req)
        for t in ctx.targets_for(req):
            route = router.route(req.name, t, act.extras, act.groups)
            idx = route.pinned_index
            if idx is not None and idx.explicit:
                work.append((req, t, idx, route.source))
    if not work:
        return
    probe.prefetch({(idx, req.name) for req, _, idx, _ in work})

    # 2. the versions uv would try on each platform, newest first
    groups: dict[
        tuple[int, str, str, int], list[tuple[DeclaredRequirement, Target, IndexDef, SourceEntry | None]]
    ] = {}
    for item in work:
        req, t, idx, source = item
        groups.setdefault((id(req), t.platform.name, idx.url, id(source)), []).append(item)
    picks: list[Pick] = []
    for items in groups.values():
        req, _, idx, source = items[0]
        targets = sorted((it[1] for it in items), key=lambda t: t.python, reverse=True)
        listing = probe.listing(idx, req.name)
        if not listing.ok:
            continue
        pre = allows_prereleases(project, req.name, req.specifier)
        cands = [
            c
            for c in matching(versions(listing), req.specifier, pre)
            if any(c.for_target(t) is not None for t in targets)
        ]
        if cands:  # nothing installable here is TL101/TL102's business
            picks.append(Pick(req, targets, idx, source, listing, cands))
    checker = Checker(ctx)
    checker.prefetch([(p, p.candidates[0]) for p in picks])

    # 3. the newest candidate; if it cannot be used, the oldest; then where uv ends up
    failing = [(p, checker.orphans(p, p.candidates[0])) for p in picks]
    failing = [(p, o) for p, o in failing if o]
    findings: dict[tuple[str, ...], Finding] = {}
    for p, orphans in failing:
        fallback = _fallback(checker, p)
        for orphan in orphans:
            key = (
                p.req.name,
                p.req.scope.label(),
                orphan.dep,
                p.index.url,
                str(p.source.position if p.source else -1),
                str(fallback),
            )
            if key not in findings:
                findings[key] = Finding(p, str(p.candidates[0].version), orphan, fallback)
            findings[key].targets.extend(p.targets)

    for f in findings.values():
        yield _diagnostic(ctx, f)


def _series(c: Candidate) -> tuple[int, ...]:
    return c.version.release[:2]


def _fallback(checker: Checker, p: Pick) -> str | None:
    """The newest candidate whose dependencies are all reachable, or None if none is.

    Versions of one release series (``2.6.0.dev20241204`` … ``2.6.0.dev20241105``, or
    ``2.9.0`` and ``2.9.1``) declare the same dependencies, differing only in pins, so one
    metadata read stands for its series: the newest candidate of each older series is checked,
    by bisection over the series, at most ``MAX_PROBES`` reads. This is what tells "uv fails"
    (every series needs the unreachable package) from "uv silently takes an older torch" (an
    older series, e.g. before ``pytorch-triton-xpu`` was renamed ``triton-xpu``, does not).
    """
    heads: list[Candidate] = []
    for c in p.candidates:
        if not heads or _series(heads[-1]) != _series(c):
            heads.append(c)
    if len(heads) == 1:
        return None
    checker.prefetch([(p, heads[-1])])
    if checker.orphans(p, heads[-1]):
        return None  # the newest and the oldest series both fail: so does every series between
    lo, hi = 0, len(heads) - 1  # heads[lo] fails, heads[hi] works
    probes = 1
    while hi - lo > 1 and probes < MAX_PROBES:
        mid = (lo + hi) // 2
        checker.prefetch([(p, heads[mid])])
        probes += 1
        if checker.orphans(p, heads[mid]):
            lo = mid
        else:
            hi = mid
    return str(heads[hi].version)


def _diagnostic(ctx: RuleContext, f: Finding) -> Diagnostic:
    p, o = f.pick, f.orphan
    idx = index_display(p.index)
    n = len(p.candidates)
    base = (
        f"`{p.req.name}` {f.version} from {idx} requires `{_req_text(o.line)}` on {_targets_short(f.targets)}, "
        f"which only {idx} serves; uv never looks there for `{o.dep}` (the index is explicit and "
        f"`{o.dep}` is not routed to it)"
    )
    evidence = list(o.evidence)
    if f.fallback is None:
        message = base + f", so every `{p.req.name}` candidate fails"
        severity = "error"
        if n > 1:
            evidence.append(
                f"uv tries all {n} candidate versions of {p.req.name} on {idx} "
                f"({p.candidates[-1].version} … {p.candidates[0].version}) before it gives up"
            )
    else:
        message = base + f", so uv falls back to `{p.req.name}` {f.fallback}, the newest version it can use"
        severity = "warning"
        evidence.append(f"{p.req.name} {f.fallback} on {idx} has all its dependencies reachable")
    src_marker = p.source.marker_raw if p.source is not None else None
    # declared where it is needed: its own marker, else where `torch` comes from this index (a
    # dependency declared everywhere is looked up on the default index elsewhere, which may not
    # serve it at all: `triton-xpu` on macOS)
    dep_marker = _marker_text(o.marker) or src_marker
    declare = o.dep + (f" ; {dep_marker}" if dep_marker else "")
    route = f'{{ index = "{p.index.name}"' + (f', marker = "{src_marker}"' if src_marker else "") + " }"
    help_ = f'add "{declare}" to {p.req.scope.label()} and route it: {o.dep} = [{route}] in [tool.uv.sources]'
    fix = _fix(ctx, p, o.dep, declare)
    location = p.source.location if p.source is not None and p.source.location is not None else p.req.location
    related = [Related(f"`{p.req.name}` is declared here", p.req.location)]
    if p.index.location is not None:
        related.append(Related(f"{idx} is defined here", p.index.location))
    return ctx.diagnostic(
        message,
        location,
        targets=f.targets,
        related=related,
        evidence=evidence,
        help=help_,
        basis=_origin(p.listing),
        severity=severity,  # type: ignore[arg-type]
        fix=fix,
    )


def _fix(ctx: RuleContext, p: Pick, dep: str, declare_line: str) -> Fix | None:
    """Declare the dependency (marker from Requires-Dist) and route it like the package needing it."""
    from torchlint.fix import builders

    project = ctx.project
    ops = []
    if not any(r.scope == p.req.scope for r in project.requirements_named(dep)):
        op = builders.declare(project, p.req.scope, declare_line)
        if op is None:
            return None
        ops.append(op)
    if p.source is not None and p.index.name:
        ops.append(builders.route(dep, [builders.entry_like(p.source)]))
    if not ops:
        return None
    return Fix("safe", f"declare `{dep}` and route it to {index_display(p.index)}", ops=tuple(ops))


def _req_text(line: str) -> str:
    return line.split(";")[0].strip()


def _marker_text(marker: str | None) -> str | None:
    return marker.replace('"', "'") if marker else None


def _targets_short(targets: list[Target]) -> str:
    plats = sorted({t.platform.name for t in targets})
    return ", ".join(plats)


def _chain_satisfies(
    ctx: RuleContext, q: str, dep: Requirement, target: Target, found_here: list[Candidate]
) -> tuple[bool, list[str]]:
    """Can uv find *dep* for *target* where it looks for unrouted packages? With evidence."""
    probe = ctx.probe
    assert probe is not None
    evidence = []
    first_index = ctx.router.strategy == "first-index"
    pinned_only_here = {str(c.version) for c in found_here}
    for idx in ctx.router.default_chain():
        listing = probe.listing(idx, q)
        if listing.status == "error":
            return True, []  # unknown: never accuse on missing data
        if not listing.ok:
            evidence.append(f"{index_display(idx)} does not serve {q} ({_origin(listing)})")
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
        evidence.append(f"{index_display(idx)} lists {q} {short_versions(cands)} only ({_origin(listing)})")
        if first_index:
            break
    return False, evidence


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
torchvision = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cpu"
explicit = true
""",
        expect=("TL201",),
        title="the founding case: nightly torch without pytorch-triton (astral-sh/uv#9651)",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1", "pytorch-triton ; platform_system == 'Linux'"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
torchvision = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cpu"
explicit = true
""",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch>=2.5.1"]

[tool.uv.sources]
torch = [{ index = "pytorch-rocm", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-rocm"
url = "https://download.pytorch.org/whl/rocm6.2"
explicit = true
""",
        expect=("TL201",),
        title="ROCm torch without its Triton package (astral-sh/uv#10712)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = [
  "torch>=2.5.1",
  "torchvision>=0.20.1",
  "pytorch-triton ; sys_platform == 'linux'",
]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
torchvision = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cpu"
explicit = true
""",
        title="the maintainers' fix",
    ),
)

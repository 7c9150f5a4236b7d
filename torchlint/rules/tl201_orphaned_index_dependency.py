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

from torchlint.diagnostics import Diagnostic, Related
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
    newest_for,
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
    req: DeclaredRequirement
    target: Target
    index: IndexDef
    source: SourceEntry | None
    listing: Listing
    candidate: Candidate
    file: FileEntry
    n_candidates: int


@dataclass
class Finding:
    pick: Pick
    dep: str
    dep_line: str
    dep_marker: str | None
    evidence: list[str]
    targets: list[Target] = field(default_factory=list)


def _page(listing: Listing) -> str:
    return redact(listing.page_url or f"{listing.index_url.rstrip('/')}/{listing.project}/")


def _origin(listing_or_md: Listing | CoreMetadata) -> str:
    o = listing_or_md.origin
    if o == "snapshot":
        return "snapshot" + (", derived" if listing_or_md.derived else "")
    return o


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

    # 2. the version uv would try first on each target, and its metadata
    picks: list[Pick] = []
    for req, t, idx, source in work:
        listing = probe.listing(idx, req.name)
        if not listing.ok:
            continue
        first, n = newest_for(
            versions(listing), req.specifier, allows_prereleases(project, req.name, req.specifier), t
        )
        if first is None:
            continue  # nothing installable here: TL101/TL102 report that
        f = first.for_target(t)
        assert f is not None
        picks.append(Pick(req, t, idx, source, listing, first, f, n))
    # identical metadata (same PEP 658 digest) is fetched once
    by_digest: dict[tuple[str, str], FileEntry] = {}
    unique: dict[str, tuple[IndexDef, FileEntry, Listing]] = {}
    for p in picks:
        f = p.file
        if f.metadata_sha256:
            f = by_digest.setdefault((p.index.url, f.metadata_sha256), f)
            p.file = f
        unique.setdefault(f.url, (p.index, f, p.listing))
    probe.prefetch_metadata(unique.values())

    # 3. each dependency that uv would look up outside the explicit index
    pending: list[tuple[Pick, Requirement, str, str, str | None, list[str]]] = []
    for p in picks:
        md = probe.metadata(p.index, p.file, p.listing)
        deps: list[tuple[str, str | None, list[str]]] = []  # (requirement line, pin mode, evidence)
        if isinstance(md, CoreMetadata):
            ev = f"METADATA of {p.file.filename} ({md.source}, {_origin(md)})"
            deps = [(line, None, [ev]) for line in md.requires_dist]
        else:
            assert isinstance(md, MetadataUnavailable)
            for pat in probe.patterns(p.index, p.req.name):
                line = pat.requires + (f" ; {pat.marker}" if pat.marker else "")
                ev = (
                    f"metadata of {p.file.filename} unavailable ({md.reason}); the snapshot of "
                    f"{probe.snapshot.date} records the pattern: {pat.note} (derived)"
                )
                deps.append((line, pat.pin, [ev]))
        act = ctx.activation(p.req)
        for line, _pin, ev in deps:
            dep, _err = parse_requirement(line)
            if dep is None:
                continue
            extras = set(p.req.requirement.extras)
            env_extras = sorted(extras) or [""]
            if dep.marker is not None and not any(
                dep.marker.evaluate(p.target.environment([e] if e else [], act.groups)) for e in env_extras
            ):
                continue
            q = canonical(dep.name)
            if q in project.declared_names():
                declared = [
                    r
                    for r in project.requirements_named(q)
                    if p.target.matches(r.marker, act.extras, act.groups)
                ]
                if declared and router.route(q, p.target, act.extras, act.groups).kind != "chain":
                    continue  # routed (or a direct source): it is looked up where it is sent
            marker = str(dep.marker) if dep.marker is not None else None
            pending.append((p, dep, q, line, marker, [*ev, f"Requires-Dist: {line}"]))
    if not pending:
        return
    probe.prefetch({(p.index, q) for p, _, q, *_ in pending})
    suspects = []
    for p, dep, q, line, marker, ev in pending:
        on_index = probe.listing(p.index, q)
        if not on_index.ok or not on_index.files:
            continue
        found_here = matching(versions(on_index), dep.specifier, None, p.target)
        if not found_here:
            continue
        suspects.append((p, dep, q, line, marker, ev, on_index, found_here))
    if not suspects:
        return
    chain = router.default_chain()
    probe.prefetch({(idx, q) for idx in chain for q in {s[2] for s in suspects}})

    findings: dict[tuple[str, str, str, str, str], Finding] = {}
    for p, dep, q, line, marker, ev, on_index, found_here in suspects:
        reachable, chain_ev = _chain_satisfies(ctx, q, dep, p.target, found_here)
        if reachable:
            continue
        key = (p.req.name, p.req.scope.label(), q, p.index.url, str(p.source.position if p.source else -1))
        if key not in findings:
            here = f"{_page(on_index)} lists {q} {short_versions(found_here)} ({_origin(on_index)})"
            cost = (
                f"uv tries all {p.n_candidates} candidate versions of {p.req.name} on {index_display(p.index)} "
                "before it gives up"
                if p.n_candidates > 1
                else ""
            )
            findings[key] = Finding(p, q, line, marker, [*ev, here, *chain_ev, *([cost] if cost else [])])
        findings[key].targets.append(p.target)

    for f in findings.values():
        p = f.pick
        idx = index_display(p.index)
        message = (
            f"`{p.req.name}` from {idx} requires `{_req_text(f.dep_line)}` on {_targets_short(f.targets)}, "
            f"which only {idx} serves; uv never looks there for `{f.dep}` (the index is explicit and "
            f"`{f.dep}` is not routed to it), so every `{p.req.name}` candidate fails"
        )
        src_marker = p.source.marker_raw if p.source is not None else None
        dep_marker = _marker_text(f.dep_marker)
        declare = f.dep + (f" ; {dep_marker}" if dep_marker else "")
        route = f'{{ index = "{p.index.name}"' + (f', marker = "{src_marker}"' if src_marker else "") + " }"
        help_ = (
            f'add "{declare}" to {p.req.scope.label()} and route it: {f.dep} = [{route}] in [tool.uv.sources]'
        )
        location = (
            p.source.location if p.source is not None and p.source.location is not None else p.req.location
        )
        related = [Related(f"`{p.req.name}` is declared here", p.req.location)]
        if p.index.location is not None:
            related.append(Related(f"{idx} is defined here", p.index.location))
        basis = _origin(p.listing)
        yield ctx.diagnostic(
            message,
            location,
            targets=f.targets,
            related=related,
            evidence=f.evidence,
            help=help_,
            basis=basis,
        )


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

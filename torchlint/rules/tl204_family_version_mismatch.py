"""## What it does
For torchvision, torchaudio, torchcodec and the other torch-family packages the project declares,
reads the metadata of the versions the config allows (on the index uv takes them from, per
target) and checks their `torch==X` pin against the torch the config can get: the versions
torch's own specifier allows, on the index torch is routed to.

## Why is this bad?
Every torchvision, torchaudio or torchcodec build pins the exact torch it was built with
(`torchvision 0.20.1` requires `torch==2.5.1`; a nightly requires the torch nightly of the same
date). When the config pins torch to another release, or takes the sibling from another channel
(nightly or test) than torch, no combination satisfies both: uv fails with a long derivation, or,
when an older sibling fits, silently locks that older sibling (and after reading the metadata of
every newer one, downloading wheels when the index has no PEP 658 metadata; pytorch/pytorch#120156).

## Example
```toml
[project]
dependencies = ["torch==2.6.0", "torchvision==0.20.1"]
```

## Use instead
Keep the family on matching releases and on one channel:
```toml
[project]
dependencies = ["torch==2.6.0", "torchvision==0.21.0"]
```

## Fix safety
No automatic fix: which side to move (torch or its sibling) is the project's choice; the
message names the torch version each sibling needs.

Reported as an error when no version the config allows works, and as a warning when uv has to
fall back to an older sibling than the newest the config allows.

## References
- pytorch/pytorch#120156, cocktailpeanut/fluxgym#328 (backtracking through sibling versions),
  astral-sh/uv#9651 (nightly siblings), the torchvision/torchaudio compatibility matrices
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import DeclaredRequirement
from torchlint.project.requirements import canonical, parse_requirement
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY, Candidate, allows_prereleases, matching, versions
from torchlint.rules.metadata_helpers import (
    Found,
    candidates_for,
    locate,
    origin_text,
    page_url,
    platforms,
    requires,
    wheel_for,
)
from torchlint.targets import Target

RULE = Rule(
    code="TL204",
    name="family-version-mismatch",
    severity="error",
    needs="metadata",
    summary="torchvision/torchaudio/… pin a torch version (or nightly date) the config's torch excludes",
)

#: Metadata reads per (package, platform) when looking for a version that fits.
MAX_PROBES = 8

Verdict = Literal["ok", "too-new", "too-old", "missing"]


@dataclass
class Probe:
    verdict: Verdict
    pin: str = ""
    evidence: list[str] = field(default_factory=list)


@dataclass
class Finding:
    req: DeclaredRequirement
    found: Found
    version: str
    pin: str
    why: str
    evidence: list[str]
    fallback: str | None
    torch_reqs: list[DeclaredRequirement]
    targets: list[Target] = field(default_factory=list)


def _pin_version(spec: SpecifierSet) -> Version | None:
    for s in spec:
        if s.operator in ("==", "==="):
            try:
                return Version(s.version.replace(".*", ""))
            except InvalidVersion:
                return None
    return None


class Family:
    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.ctx = ctx
        self.probe = ctx.probe
        self._memo: dict[tuple[str, str, str], Probe] = {}

    def judge(
        self,
        req: DeclaredRequirement,
        found: Found,
        cand: Candidate,
        targets: list[Target],
        allowed: list[Candidate],
    ) -> Probe:
        hit = wheel_for(cand, targets)
        if hit is None:
            return Probe("ok")
        t, f = hit
        key = (found.index.url, f.url, ",".join(str(c.version) for c in allowed[:1]) + str(len(allowed)))
        if key in self._memo:
            return self._memo[key]
        lines, _complete = requires(self.probe, found.index, found.listing, f, req.name)
        act = self.ctx.activation(req)
        verdict = Probe("ok")
        for line, ev in lines:
            dep, _err = parse_requirement(line)
            if dep is None or canonical(dep.name) != "torch" or not dep.specifier:
                continue
            try:
                if dep.marker is not None and not dep.marker.evaluate(t.environment(act.extras, act.groups)):
                    continue
            except Exception:
                continue
            ok = [c for c in allowed if dep.specifier.contains(c.version, prereleases=True)]
            pin = str(dep.specifier)
            evidence = [*ev, f"Requires-Dist: {line}"]
            if ok:
                verdict = Probe("ok", pin, evidence)
                continue
            pv = _pin_version(dep.specifier)
            if pv is not None and pv > allowed[0].version:
                verdict = Probe("too-new", pin, evidence)
            elif pv is not None and pv < allowed[-1].version:
                verdict = Probe("too-old", pin, evidence)
            else:
                verdict = Probe("missing", pin, evidence)
            break
        self._memo[key] = verdict
        return verdict


def _torch_side(
    ctx: RuleContext, req: DeclaredRequirement, t: Target
) -> tuple[Found, list[DeclaredRequirement], SpecifierSet] | None:
    """Where torch comes from for *req*'s resolution on *t*, and the torch requirements that apply."""
    act = ctx.activation(req)
    torch_reqs = [
        r
        for r in ctx.project.requirements_named("torch")
        if (r.scope.kind == "project" or r.scope == req.scope) and t.matches(r.marker, act.extras, act.groups)
    ]
    spec = SpecifierSet()
    for r in torch_reqs:
        spec &= r.specifier
    found = locate(ctx, "torch", t, act.extras, act.groups, declared=bool(torch_reqs))
    if not isinstance(found, Found):
        return None
    return found, torch_reqs, spec


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    probe = ctx.probe
    assert probe is not None
    fam = Family(ctx)
    groups: dict[tuple[int, str], list[Target]] = {}
    reqs: dict[int, DeclaredRequirement] = {}
    for req in ctx.project.requirements:
        if req.name not in TORCH_FAMILY or req.name == "torch":
            continue
        reqs[id(req)] = req
        for t in ctx.targets_for(req):
            groups.setdefault((id(req), t.platform.name), []).append(t)
    findings: dict[tuple[str, ...], Finding] = {}
    for (rid, _plat), targets in groups.items():
        req = reqs[rid]
        targets.sort(key=lambda t: t.python, reverse=True)
        act = ctx.activation(req)
        found = locate(ctx, req.name, targets[0], act.extras, act.groups)
        if not isinstance(found, Found):
            continue
        cands = candidates_for(ctx, found.listing, req, targets)
        if not cands:
            continue
        side = _torch_side(ctx, req, targets[0])
        if side is None:
            continue
        tfound, torch_reqs, tspec = side
        pre = allows_prereleases(ctx.project, "torch", tspec)
        allowed = [
            c
            for c in matching(versions(tfound.listing), tspec, True if pre is None else pre)
            if any(c.for_target(t) is not None for t in targets)
        ]
        if not allowed:
            continue  # no torch at all for these targets: TL101/TL103
        first = fam.judge(req, found, cands[0], targets, allowed)
        if first.verdict == "ok":
            continue
        fallback = _search(fam, req, found, cands, targets, allowed)
        why = _why(first, tfound, tspec, allowed, torch_reqs)
        key = (str(rid), str(cands[0].version), first.pin, str(fallback))
        f = findings.setdefault(
            key,
            Finding(req, found, str(cands[0].version), first.pin, why, first.evidence, fallback, torch_reqs),
        )
        f.targets.extend(targets)
    for f in findings.values():
        yield _diagnostic(ctx, f)


def _search(
    fam: Family,
    req: DeclaredRequirement,
    found: Found,
    cands: list[Candidate],
    targets: list[Target],
    allowed: list[Candidate],
) -> str | None:
    """A version of the sibling whose torch pin fits, found by bisection guided by the pins."""
    lo, hi = 0, len(cands)  # cands[lo] is too new; search (lo, hi)
    probes = 1
    best: str | None = None
    while hi - lo > 1 and probes < MAX_PROBES:
        mid = (lo + hi) // 2
        probes += 1
        v = fam.judge(req, found, cands[mid], targets, allowed)
        if v.verdict == "ok":
            best = str(cands[mid].version)
            hi = mid  # a newer one may fit too
        elif v.verdict == "too-old":
            hi = mid
        else:  # too new, or a pin the torch index lacks: uv keeps walking back
            lo = mid
    return best


def _why(
    first: Probe,
    tfound: Found,
    tspec: SpecifierSet,
    allowed: list[Candidate],
    torch_reqs: list[DeclaredRequirement],
) -> str:
    idx = index_display(tfound.index)
    pin = first.pin
    in_listing = [
        c for c in versions(tfound.listing) if SpecifierSet(pin).contains(c.version, prereleases=True)
    ]
    if in_listing and str(tspec):
        return f"`torch` is limited to `{tspec}`, which excludes it"
    newest = allowed[0].version
    return (
        f"`torch` comes from {idx}, which lists no torch `{pin}` "
        f"(newest there that the config allows: {newest})"
    )


def _diagnostic(ctx: RuleContext, f: Finding) -> Diagnostic:
    idx = index_display(f.found.index)
    message = (
        f"`{f.req.name}` {f.version} from {idx} requires `torch{f.pin}` on {platforms(f.targets)}, "
        f"but {f.why}"
    )
    evidence = list(f.evidence)
    evidence.append(
        f"{page_url(f.found.listing)} ({origin_text(f.found.listing)}) lists {f.req.name} {f.version}"
    )
    if f.fallback is None:
        message += f"; no `{f.req.name}` version the config allows fits, so uv fails"
        severity = "error"
    else:
        message += f", so uv falls back to `{f.req.name}` {f.fallback}"
        severity = "warning"
        evidence.append(f"{f.req.name} {f.fallback} requires a torch the config allows")
    help_ = (
        f"allow `torch{f.pin}` (or move `{f.req.name}` to the release that matches your torch), "
        f"and take `{f.req.name}` from the same index and channel as torch"
    )
    related = [Related("`torch` is declared here", r.location) for r in f.torch_reqs[:2]]
    src = ctx.router.route(f.req.name, f.targets[0], *_act(ctx, f.req)).source
    location = (
        src.location if src is not None and src.location is not None and f.found.pinned else f.req.location
    )
    if location is not f.req.location:
        related.insert(0, Related(f"`{f.req.name}` is declared here", f.req.location))
    return ctx.diagnostic(
        message,
        location,
        targets=f.targets,
        related=related,
        evidence=evidence,
        help=help_,
        severity=severity,  # type: ignore[arg-type]
        basis=origin_text(f.found.listing),
    )


def _act(ctx: RuleContext, req: DeclaredRequirement) -> tuple[tuple[str, ...], tuple[str, ...]]:
    a = ctx.activation(req)
    return a.extras, a.groups


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch==2.6.0", "torchvision==0.20.1"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]
""",
        expect=("TL204",),
        title="torchvision 0.20.1 requires torch 2.5.1, but torch is pinned to 2.6.0",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch>=2.9", "torchvision"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]
prerelease = "allow"

[tool.uv.sources]
torch = [{ index = "pytorch-cu130" }]
torchvision = [{ index = "pytorch-nightly" }]

[[tool.uv.index]]
name = "pytorch-cu130"
url = "https://download.pytorch.org/whl/cu130"
explicit = true

[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cu130"
explicit = true
""",
        expect=("TL204",),
        title="a nightly torchvision requires that day's torch nightly; torch comes from the stable index",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch==2.5.1", "torchvision==0.20.1"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]
""",
        title="matching releases",
    ),
)

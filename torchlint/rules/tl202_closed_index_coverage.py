"""## What it does
When the default index has been replaced by a PyTorch index (`default = true`, `[tool.uv]
index-url`, `--index-url` in a requirements file, `UV_DEFAULT_INDEX` or `--default-index`), checks
that every package the resolution needs is still served somewhere: each declared requirement, and
each `Requires-Dist` of the version uv would pick on each target (read from its metadata),
looked up by its PEP 503 normalised name on the indexes uv still consults.

## Why is this bad?
A PyTorch index mirrors only the few hundred projects PyTorch itself needs. Once it replaces the
public default index, anything else, a project dependency or a new dependency of torch itself,
is on no index uv consults: uv reports "not found in the package registry" (the PyTorch index
answers 403 for unknown projects, which old uv versions even reported as an authentication
problem, astral-sh/uv#8344), or silently backtracks to an older torch whose dependencies happen
to be mirrored (pytorch/pytorch#95081). When torch nightly started to require `spmd-types`, the
nightly index did not serve it and installing torch from it failed until it was mirrored
(pytorch/test-infra#8153).

## Example
```toml
[project]
dependencies = ["torch", "torchvision", "scikit-learn"]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
default = true
```

## Use instead
Keep the public default index and send only the PyTorch packages to the PyTorch index:
```toml
[tool.uv.sources]
torch = [{ index = "pytorch-cu118" }]
torchvision = [{ index = "pytorch-cu118" }]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
```

## Fix safety
No automatic fix: whether the public default index may be used (or which internal mirror
serves the missing packages) is a policy decision.

A dependency the index lists only by name (the snapshot records the project as present without
its files) counts as served. When an index cannot be asked and the snapshot has no record of it,
nothing is reported.

## References
- astral-sh/uv#8344 (U35), pytorch/test-infra#8153 and #8157 (`spmd-types`, U50),
  pytorch/pytorch#95081 (`lit` missing, an older nightly installed)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import DeclaredRequirement, IndexDef
from torchlint.project.requirements import canonical, parse_requirement
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import Candidate
from torchlint.rules.metadata_helpers import (
    Found,
    candidates_for,
    is_pytorch_index,
    locate,
    origin_text,
    page_url,
    platforms,
    requires,
    series_heads,
    wheel_for,
)
from torchlint.targets import Target

RULE = Rule(
    code="TL202",
    name="closed-index-coverage",
    severity="error",
    needs="metadata",
    summary="the default index was replaced by a PyTorch index, and a dependency is on no remaining index",
)

#: Metadata reads per (package, platform) when looking for an older version uv could use.
MAX_PROBES = 6


@dataclass
class Missing:
    dep: str
    line: str
    evidence: list[str]


@dataclass
class Finding:
    req: DeclaredRequirement
    dep: str
    line: str
    evidence: list[str]
    #: The package and version that requires ``dep`` (None: ``dep`` is the declared requirement).
    via: tuple[str, str, IndexDef] | None = None
    fallback: str | None = None
    targets: list[Target] = field(default_factory=list)


class Coverage:
    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.ctx = ctx
        self.probe = ctx.probe
        self.chain = ctx.router.default_chain()
        self._memo: dict[tuple[str, str, str], list[Missing]] = {}

    def absent_everywhere(self, name: str) -> list[str] | None:
        """Evidence that no remaining index serves *name*, or None if one does (or may)."""
        self.probe.prefetch((idx, name) for idx in self.chain)
        evidence = []
        for idx in self.chain:
            lst = self.probe.listing(idx, name)
            if lst.status != "absent":
                return None  # served (perhaps only by name), or unknown: never accuse on missing data
            evidence.append(f"{page_url(lst)} does not list {name} ({origin_text(lst)})")
        return evidence

    def missing(
        self, req: DeclaredRequirement, found: Found, cand: Candidate, targets: list[Target]
    ) -> list[Missing]:
        hit = wheel_for(cand, targets)
        if hit is None:
            return []
        t, f = hit
        key = (found.index.url, f.url, req.raw + req.scope.label())
        if key in self._memo:
            return self._memo[key]
        act = self.ctx.activation(req)
        lines, _complete = requires(self.probe, found.index, found.listing, f, req.name)
        todo: list[tuple[str, str, list[str]]] = []
        extras = sorted(req.requirement.extras) or [""]
        for line, ev in lines:
            dep, _err = parse_requirement(line)
            if dep is None:
                continue
            try:
                if dep.marker is not None and not any(
                    dep.marker.evaluate(t.environment([e] if e else [], act.groups)) for e in extras
                ):
                    continue
            except Exception:
                continue
            q = canonical(dep.name)
            if any(
                t.matches(r.marker, act.extras, act.groups) for r in self.ctx.project.requirements_named(q)
            ):
                continue  # declared: checked as a requirement of its own, where it is routed
            todo.append((q, line, [*ev, f"Requires-Dist: {line}"]))
        self.probe.prefetch((idx, q) for idx in self.chain for q, _, _ in todo)
        out = []
        for q, line, ev in todo:
            absent = self.absent_everywhere(q)
            if absent is not None:
                out.append(Missing(q, line, [*ev, *absent]))
        self._memo[key] = out
        return out

    def fallback(
        self, req: DeclaredRequirement, found: Found, cands: list[Candidate], targets: list[Target]
    ) -> str | None:
        """The newest version whose dependencies are all served (one metadata read per series)."""
        heads = series_heads(cands)
        if len(heads) < 2:
            return None
        if self.missing(req, found, heads[-1], targets):
            return None
        lo, hi, probes = 0, len(heads) - 1, 1
        while hi - lo > 1 and probes < MAX_PROBES:
            mid = (lo + hi) // 2
            probes += 1
            if self.missing(req, found, heads[mid], targets):
                lo = mid
            else:
                hi = mid
        return str(heads[hi].version)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    probe = ctx.probe
    assert probe is not None
    default = ctx.router.default_index
    if not is_pytorch_index(ctx, default):
        return
    cov = Coverage(ctx)
    groups: dict[tuple[int, str], list[Target]] = {}
    reqs: dict[int, DeclaredRequirement] = {}
    for req in ctx.project.requirements:
        reqs[id(req)] = req
        for t in ctx.targets_for(req):
            groups.setdefault((id(req), t.platform.name), []).append(t)
    probe.prefetch((idx, reqs[rid].name) for rid, _ in groups for idx in cov.chain)
    findings: dict[tuple[str, ...], Finding] = {}
    for (rid, _plat), targets in groups.items():
        req = reqs[rid]
        targets.sort(key=lambda t: t.python, reverse=True)
        act = ctx.activation(req)
        found = locate(ctx, req.name, targets[0], act.extras, act.groups)
        if found == "absent":
            absent = cov.absent_everywhere(req.name)
            if absent is None:
                continue
            key = (str(id(req)), req.name, "", "")
            findings.setdefault(key, Finding(req, req.name, req.raw, absent)).targets.extend(targets)
            continue
        if not isinstance(found, Found):
            continue
        cands = candidates_for(ctx, found.listing, req, targets)
        if not cands:
            continue  # nothing installable: TL101/TL102
        missing = cov.missing(req, found, cands[0], targets)
        if not missing:
            continue
        fallback = cov.fallback(req, found, cands, targets)
        for m in missing:
            key = (str(id(req)), m.dep, str(cands[0].version), str(fallback))
            via = (req.name, str(cands[0].version), found.index)
            f = findings.setdefault(key, Finding(req, m.dep, m.line, m.evidence, via, fallback))
            f.targets.extend(targets)
    for f in findings.values():
        yield _diagnostic(ctx, f)


def _replaced(default: IndexDef) -> str:
    how = {
        "[[tool.uv.index]]": "`default = true`",
        "[tool.uv] index-url": "`[tool.uv] index-url`",
    }.get(default.origin, f"`{default.origin}`")
    return f"the default index was replaced by {index_display(default)} ({how})"


def _diagnostic(ctx: RuleContext, f: Finding) -> Diagnostic:
    default = ctx.router.default_index
    searched = ", ".join(index_display(i) for i in ctx.router.default_chain())
    replaced = _replaced(default)
    evidence = list(f.evidence)
    severity = "error"
    if f.via is None:
        message = (
            f"`{f.dep}` is on no index uv consults: {replaced}, and no remaining index serves it "
            f"(searched: {searched})"
        )
    else:
        pkg, version, idx = f.via
        dep_text = f.line.split(";")[0].strip()
        message = (
            f"`{pkg}` {version} from {index_display(idx)} requires `{dep_text}` on {platforms(f.targets)}, "
            f"which no remaining index serves ({replaced}; searched: {searched})"
        )
        if f.fallback is None:
            message += f", so every `{pkg}` candidate fails"
        else:
            message += f", so uv falls back to `{pkg}` {f.fallback}, whose dependencies are served"
            severity = "warning"
            evidence.append(f"{pkg} {f.fallback} on {index_display(idx)} does not require {f.dep}")
    if default.origin == "[[tool.uv.index]]" and default.name:
        help_ = (
            f"keep the public default index: replace `default = true` with `explicit = true` on "
            f"`{default.name}` and route the PyTorch packages to it in [tool.uv.sources]; or add an "
            f"index that serves `{f.dep}`"
        )
    else:
        help_ = (
            f"keep the public default index (use the PyTorch index as an explicit index with "
            f"[tool.uv.sources], or as an extra index), or add an index that serves `{f.dep}`"
        )
    related = []
    if f.via is not None:
        related.append(Related(f"`{f.req.name}` is declared here", f.req.location))
    if default.location is not None:
        related.append(Related(f"{index_display(default)} replaces the default index here", default.location))
    return ctx.diagnostic(
        message,
        f.req.location,
        targets=f.targets,
        related=related,
        evidence=evidence,
        help=help_,
        severity=severity,  # type: ignore[arg-type]
        basis=_basis(ctx),
    )


def _basis(ctx: RuleContext) -> str:
    probe = ctx.probe
    assert probe is not None
    lst = probe.listing(ctx.router.default_index, "torch")
    return origin_text(lst) if lst.status != "error" else "live"


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch", "torchvision", "torchaudio", "scikit-learn>=1.5"]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
default = true
""",
        expect=("TL202",),
        title="a PyTorch index replaces the default index, and scikit-learn is not mirrored (U35)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch", "torchvision", "torchaudio", "scikit-learn>=1.5"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu118", marker = "sys_platform != 'darwin'" }]
torchvision = [{ index = "pytorch-cu118", marker = "sys_platform != 'darwin'" }]
torchaudio = [{ index = "pytorch-cu118", marker = "sys_platform != 'darwin'" }]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
""",
        title="the public default index stays; the PyTorch index is explicit",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.5.1", "torchvision==0.20.1"]

[[tool.uv.index]]
name = "pytorch-rocm"
url = "https://download.pytorch.org/whl/rocm6.2"
default = true
""",
        title="a closed index that mirrors everything torch needs (verified per dependency)",
    ),
)

"""## What it does
For torch and each torch-family package (torchvision, torchaudio, …) and the index uv takes it from, counts the candidate versions the config allows
whose wheels come without PEP 658 metadata (no `.metadata` file next to the wheel), and estimates
what a resolver downloads when it has to backtrack through them: one wheel per version, at the
size the index lists, or, when it lists none, at a typical size for that package and platform
(taken from the snapshot's record of the public default index, and marked *estimated*). Reports
when the worst case exceeds 20 wheels or about 1 GB.

## Why is this bad?
To learn a version's dependencies uv reads its METADATA. Without PEP 658 it asks the server for
HTTP Range reads of the wheel's zip directory, and when the server does not support them it
streams the whole wheel. When a dependency of the newest candidate cannot be satisfied, uv walks
back through *every* candidate: in astral-sh/uv#9651 that was 60 torch nightlies, 7.7 GB and
minutes before "no solution" (pip does the same: pytorch/pytorch#120156). A tight version floor
bounds the damage to a few wheels even when something else is wrong.

## Example
```toml
[project]
dependencies = ["torch>=2.0"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu118" }]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
```

## Use instead
A floor at the newest release series (or fix the routing that makes uv backtrack):
```toml
[project]
dependencies = ["torch>=2.7"]
```

## Fix safety
No automatic fix: the right floor depends on what the project supports.

Indexes that serve PEP 658 metadata for the candidates are never reported: uv then reads a few
kilobytes per version. Triton builds are not counted: torch pins them exactly, so a resolver
never walks their versions.

## References
- astral-sh/uv#9651 (perf baseline: 60 full wheel downloads, 7.7 GB), pytorch/pytorch#120156,
  python-poetry/poetry#10521
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field

from torchlint.diagnostics import Diagnostic, Related
from torchlint.index.model import FileEntry, Listing
from torchlint.project.model import DeclaredRequirement, IndexDef, SourceEntry
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY, Candidate, allows_prereleases, matching, versions
from torchlint.rules.metadata_helpers import Found, locate, origin_text, page_url
from torchlint.targets import Target

RULE = Rule(
    code="TL203",
    name="backtracking-cost",
    severity="warning",
    needs="listing",
    summary="candidates without fast metadata: a backtracking resolver would download many wheels",
    pedantic=True,
)

#: Report when the worst case reaches this many wheels ...
MAX_WHEELS = 20
#: ... or this many bytes over at least ``MIN_WHEELS`` versions (a pin to one release, whose
#: few builds are large, is as tight as a floor gets).
MAX_BYTES = 1_000_000_000
MIN_WHEELS = 5


@dataclass
class Group:
    req: DeclaredRequirement
    index: IndexDef
    listing: Listing
    source: SourceEntry | None
    targets: list[Target] = field(default_factory=list)


def _platform_class(filename: str) -> str:
    f = filename.lower()
    if "macosx" in f:
        return "macos-arm64" if "arm64" in f else "macos-x86_64"
    if "win_amd64" in f:
        return "windows-amd64"
    if "win_arm64" in f:
        return "windows-arm64"
    if "aarch64" in f:
        return "linux-aarch64"
    if "x86_64" in f:
        return "linux-x86_64"
    return "any"


class Sizes:
    """Typical wheel sizes per (project, platform), from the snapshot of the public default index."""

    def __init__(self, ctx: RuleContext) -> None:
        assert ctx.probe is not None
        self.probe = ctx.probe
        self._memo: dict[str, dict[str, int]] = {}

    def typical(self, project: str, filename: str) -> int | None:
        table = self._memo.get(project)
        if table is None:
            table = self._memo[project] = self._table(project)
        return table.get(_platform_class(filename)) or table.get("any")

    def _table(self, project: str) -> dict[str, int]:
        try:
            lst = self.probe.snapshot.listing("default", project)
        except Exception:
            return {}
        if lst is None or not lst.ok:
            return {}
        by_class: dict[str, list[int]] = {}
        for cand in versions(lst)[:3]:  # the newest releases: sizes drift over the years
            for f in cand.files:
                if f.size:
                    by_class.setdefault(_platform_class(f.filename), []).append(f.size)
                    by_class.setdefault("any", []).append(f.size)
        return {k: int(statistics.median(v)) for k, v in by_class.items()}


def _pick(cand: Candidate, targets: list[Target]) -> FileEntry:
    """The wheel uv would read for this version: one for a routed target, else the first listed."""
    for t in targets:
        f = cand.for_target(t)
        if f is not None:
            return f
    return cand.files[0]


def _gb(n: float) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e6:.0f} MB"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    probe = ctx.probe
    assert probe is not None
    groups: dict[tuple[int, str, int], Group] = {}
    seen: set[tuple[int, str]] = set()
    for req in ctx.project.requirements:
        if req.name not in TORCH_FAMILY:
            continue  # Triton builds and the rest are pinned by torch: uv does not walk their versions
        act = ctx.activation(req)
        for t in ctx.targets_for(req):
            if (id(req), t.platform.name) in seen:
                # one lookup per platform: the index does not depend on the Python minor
                for g in groups.values():
                    if g.req is req and any(x.platform == t.platform for x in g.targets):
                        g.targets.append(t)
                continue
            seen.add((id(req), t.platform.name))
            found = locate(ctx, req.name, t, act.extras, act.groups)
            if not isinstance(found, Found):
                continue
            route = ctx.router.route(req.name, t, act.extras, act.groups)
            key = (id(req), found.index.url, id(route.source))
            g = groups.setdefault(key, Group(req, found.index, found.listing, route.source))
            g.targets.append(t)
    sizes = Sizes(ctx)
    for g in groups.values():
        diag = _evaluate(ctx, g, sizes)
        if diag is not None:
            yield diag


def _evaluate(ctx: RuleContext, g: Group, sizes: Sizes) -> Diagnostic | None:
    req = g.req
    pre = allows_prereleases(ctx.project, req.name, req.specifier)
    # uv reads the metadata of every version it visits, whichever platform its wheels are for
    cands = [
        c
        for c in matching(versions(g.listing), req.specifier, pre)
        if any(c.for_target(t) is not None for t in ctx.targets)
    ]
    targets = sorted(g.targets, key=lambda t: t.python, reverse=True)
    slow: list[tuple[Candidate, FileEntry]] = []
    for c in cands:
        f = _pick(c, targets)
        if not f.has_metadata:
            slow.append((c, f))
    if not slow:
        return None
    listed = 0
    estimated = 0
    unknown = 0
    for _c, f in slow:
        if f.size:
            listed += f.size
            continue
        typical = sizes.typical(req.name, f.filename)
        if typical:
            estimated += typical
        else:
            unknown += 1
    total = listed + estimated
    n = len(slow)
    if n < MAX_WHEELS and (total < MAX_BYTES or n < MIN_WHEELS):
        return None
    idx = index_display(g.index)
    spec = str(req.specifier) or "any version"
    size_text = _gb(total) if total else "an unknown number of bytes"
    if estimated:
        size_text += " (estimated" + (
            f": {_gb(listed)} from the listed sizes, the rest at the public default index's typical "
            f"`{req.name}` wheel size per platform)"
            if listed
            else f" from the public default index's typical `{req.name}` wheel size per platform)"
        )
    if unknown:
        size_text += f", plus {unknown} wheels of unknown size"
    newest, oldest = slow[0][0].version, slow[-1][0].version
    message = (
        f"`{req.name}` from {idx}: {n} of the {len(cands)} versions `{req.name} {spec}` allows there "
        f"have no PEP 658 metadata; if the resolver has to backtrack, it reads each one from the wheel "
        f"itself: up to {n} wheel downloads, {size_text}, when the server does not support Range requests"
    )
    evidence = [
        f"{page_url(g.listing)} ({origin_text(g.listing)}): no `.metadata` for {req.name} {oldest} … {newest}",
        f"{n} candidate versions × one wheel each ({slow[0][1].filename} for the newest)",
        "uv fetches one wheel per version it visits, on every platform fork (astral-sh/uv#9651: 60 "
        "candidates, 60 full downloads, 7.7 GB)",
    ]
    head = cands[0].version
    if newest.is_prerelease or newest.dev is not None:
        keep = [c for c, _ in slow[: min(5, n)]]
        floor = f"{req.name}>={keep[-1].version.public}"
    else:
        floor = f"{req.name}>={head.release[0]}.{head.release[1]}"
    help_ = (
        f"tighten the version floor (e.g. `{floor}`) so a backtracking resolver has few versions to read, "
        f"and make sure everything `{req.name}` requires is routed (TL201/TL202)"
    )
    location = g.source.location if g.source is not None and g.source.location is not None else req.location
    related = (
        [Related(f"`{req.name}` is declared here", req.location)] if location is not req.location else []
    )
    return ctx.diagnostic(
        message,
        location,
        targets=targets,
        related=related,
        evidence=evidence,
        help=help_,
        basis=origin_text(g.listing),
    )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch>=2.0"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu118" }]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
""",
        expect=("TL203",),
        title="an open floor on an index whose older wheels have no PEP 658 metadata",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch>=2.7"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu118" }]

[[tool.uv.index]]
name = "pytorch-cu118"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
""",
        title="a floor at the newest series: every candidate has fast metadata",
    ),
)

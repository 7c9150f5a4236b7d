"""## What it does
When markers send some platforms to one index and others to another (typically macOS to the
default index and Linux/Windows to a CUDA or nightly index), compares what each side can offer
for the same requirement: a version floor that only one side can meet, and sides that would lock
different versions.

## Why is this bad?
uv resolves one universal lock and forks it by platform markers; every fork must be solvable.
When only the nightly index has a version that meets `torch>=2.6`, the macOS fork, which reads
the default index, has nothing to pick and `uv lock` fails with "No solution found when resolving
dependencies for split (sys_platform == 'darwin')" (astral-sh/uv#10702). When both sides can
resolve but to different versions, macOS and Linux silently run different torch releases.

Severity: **error** when one side has no version the requirement allows; **warning** when the
sides would lock different versions.

## Example
```toml
[dependency-groups]
gpu = ["torch>=2.16.0.dev0", "pytorch-triton ; sys_platform == 'linux'"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
```

## Use instead
Route every platform to an index that has the version, or scope the floor to the platforms
routed to that index:
```toml
[tool.uv.sources]
torch = [
  { index = "pytorch-nightly", marker = "sys_platform == 'linux'" },
  { index = "pytorch-nightly-cpu", marker = "sys_platform != 'linux'" },
]
```

## Fix safety
No automatic fix: which index each platform should use is the author's decision.

## References
- astral-sh/uv#10702
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import Candidate, short_versions
from torchlint.rules.listing_helpers import (
    Group,
    channel,
    is_pin,
    memo_routing,
    origin,
    page,
    prerelease,
    targets_text,
)

RULE = Rule(
    code="TL103",
    name="target-version-gap",
    severity="error",
    needs="listing",
    summary="platforms routed to different indexes cannot meet the same requirement alike",
)


def _pick(g: Group, allowed: list[Candidate]) -> Candidate | None:
    for c in allowed:
        if any(c.for_target(t) is not None for t in g.targets):
            return c
    return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    by_req: dict[int, list[Group]] = {}
    for g in routing.groups():
        by_req.setdefault(id(g.req), []).append(g)
    for gs in by_req.values():
        sides: dict[str, list[Group]] = {}
        for g in gs:
            sides.setdefault(g.listing.index_url, []).append(g)
        if len(sides) < 2:
            continue
        req = gs[0].req
        if is_pin(req.specifier) is not None:
            continue  # a pin missing on one side is TL102's finding
        info = []
        for side in sides.values():
            allowed = side[0].allowed(prerelease(ctx, req))
            pick = None
            for g in side:
                p = _pick(g, allowed)
                if p is not None and (pick is None or p.version > pick.version):
                    pick = p
            info.append((side, allowed, pick))
        empty = [x for x in info if not x[1]]
        full = [x for x in info if x[1]]
        if empty and full:
            yield _gap(ctx, req, empty, full)
            continue
        picks = [x for x in info if x[2] is not None]
        if len({channel(x[0][0].index, ctx) in ("nightly", "test") for x in picks}) > 1:
            continue  # nightly on one side, stable on the other: different versions are the point
        publics = {x[2].version.public for x in picks if x[2] is not None}
        if len(publics) > 1:
            yield _differ(ctx, req, picks)


def _side_text(side: list[Group]) -> str:
    return f"{side[0].index_name} ({targets_text([t for g in side for t in g.targets])})"


def _gap(ctx: RuleContext, req, empty, full) -> Diagnostic:  # type: ignore[no-untyped-def]
    spec = str(req.specifier) or "any version"
    bad_targets = [t for side, _, _ in empty for g in side for t in g.targets]
    ev = []
    for side, _, _ in empty:
        ev.append(
            f"{page(side[0].listing)} ({origin(side[0].listing)}) lists {req.name} "
            f"{short_versions(side[0].cands)}; none satisfies {spec}"
        )
    for side, allowed, _ in full:
        ev.append(f"{page(side[0].listing)} ({origin(side[0].listing)}) has {short_versions(allowed)}")
    message = (
        f"`{req.name} {spec}` can only be met on {', '.join(_side_text(s) for s, _, _ in full)}; "
        f"on {', '.join(_side_text(s) for s, _, _ in empty)} no listed version satisfies it, so the "
        f"universal lock fails for that split"
    )
    return ctx.diagnostic(
        message,
        req.location,
        targets=bad_targets,
        related=_related(full + empty),
        evidence=ev,
        help="route those platforms to an index that has the version, or scope the requirement "
        "with a marker to the platforms that can meet it",
        severity="error",
        basis=origin(full[0][0][0].listing),
    )


def _differ(ctx: RuleContext, req, picks) -> Diagnostic:  # type: ignore[no-untyped-def]
    parts = [f"{_side_text(side)} gets {pick.version}" for side, _, pick in picks]
    ev = [
        f"{page(side[0].listing)} ({origin(side[0].listing)}): newest allowed with a wheel is {pick.version}"
        for side, _, pick in picks
    ]
    message = f"`{req.name}` resolves to different versions per platform: " + "; ".join(parts)
    return ctx.diagnostic(
        message,
        req.location,
        targets=[t for side, _, _ in picks for g in side for t in g.targets],
        related=_related(picks),
        evidence=ev,
        help=f"pin one version of `{req.name}` that every routed index lists, if the platforms must match",
        # the lock succeeds; split routing (CUDA on Linux, CPU elsewhere) usually intends this
        severity="info",
        basis=origin(picks[0][0][0].listing),
    )


def _related(items) -> list[Related]:  # type: ignore[no-untyped-def]
    out = []
    for side, _, _ in items:
        g = side[0]
        if g.source is not None and g.source.location is not None:
            out.append(Related(f"routes `{g.req.name}` to {g.index_name}", g.source.location))
    return out


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = []

[dependency-groups]
torchgpu = ["torch>=2.16.0.dev0", "pytorch-triton ; sys_platform == 'linux'"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly-gpu"
url = "https://download.pytorch.org/whl/nightly/cu128"
explicit = true
""",
        expect=("TL103",),
        title="a nightly-only floor, with macOS and Windows on the default index (astral-sh/uv#10702)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = []

[dependency-groups]
torchgpu = ["torch>=2.16.0.dev0", "pytorch-triton ; sys_platform == 'linux'"]

[tool.uv]
environments = ["sys_platform == 'linux'"]

[tool.uv.sources]
torch = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly-gpu", marker = "sys_platform == 'linux'" }]

[[tool.uv.index]]
name = "pytorch-nightly-gpu"
url = "https://download.pytorch.org/whl/nightly/cu128"
explicit = true
""",
        title="the project resolves for Linux only",
    ),
)

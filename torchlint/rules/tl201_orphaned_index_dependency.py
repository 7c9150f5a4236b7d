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

from torchlint.diagnostics import Diagnostic, Fix, Related
from torchlint.resolution.model import Orphan, Outcome
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.model_helpers import location_of, model, origin, targets_text

RULE = Rule(
    code="TL201",
    name="orphaned-index-dependency",
    severity="error",
    needs="metadata",
    summary="a routed package requires a package that only its explicit index serves (the founding case)",
    fix_availability="always",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    failing: dict[tuple[object, ...], tuple[Outcome, Orphan, list[Outcome]]] = {}
    falling: dict[tuple[object, ...], tuple[Outcome, list[Outcome]]] = {}
    for o in model(ctx):
        if o.failure is not None and o.failure.kind == "orphan":
            for orphan in o.failure.orphans:
                assert isinstance(orphan, Orphan)
                key = (o.package, id(location_of(o)), orphan.dep, o.index.url if o.index else None)
                failing.setdefault(key, (o, orphan, []))[2].append(o)
        elif o.pick is not None and o.passed_over and "which only" in o.passed_over[0][1]:
            falling.setdefault((o.package, id(location_of(o)), str(o.pick.version)), (o, []))[1].append(o)
    for o, orphan, group in failing.values():
        yield _failing(ctx, o, orphan, group)
    for o, group in falling.values():
        yield _fallback(ctx, o, group)


def _failing(ctx: RuleContext, o: Outcome, orphan: Orphan, group: list[Outcome]) -> Diagnostic:
    assert o.index is not None and o.listing is not None
    idx = index_display(o.index)
    newest = o.allowed[0]
    req = o.requirements[0]
    message = (
        f"`{o.package}` {newest.version} from {idx} requires `{_req_text(orphan.line)}` on "
        f"{_platforms(group)}, which only {idx} serves; uv never looks there for `{orphan.dep}` (the index "
        f"is explicit and `{orphan.dep}` is not routed to it), so every `{o.package}` candidate fails"
    )
    evidence = list(orphan.evidence)
    tried = [c for c in o.allowed if any(c.for_target(x.target) for x in group)] or list(o.allowed)
    if len(tried) > 1:
        evidence.append(
            f"uv tries all {len(tried)} candidate versions of {o.package} on {idx} "
            f"({tried[-1].version} … {tried[0].version}) before it gives up"
        )
    src = o.route.source
    src_marker = src.marker_raw if src is not None else None
    # declared where it is needed: its own marker, else where the package comes from this index (a
    # dependency declared everywhere is looked up on the default index elsewhere, which may not
    # serve it at all: `triton-xpu` on macOS)
    dep_marker = _marker_text(orphan.marker) or src_marker
    declare = orphan.dep + (f" ; {dep_marker}" if dep_marker else "")
    route = f'{{ index = "{o.index.name}"' + (f', marker = "{src_marker}"' if src_marker else "") + " }"
    help_ = (
        f'add "{declare}" to {req.scope.label()} and route it: {orphan.dep} = [{route}] in [tool.uv.sources]'
    )
    related = [Related(f"`{o.package}` is declared here", req.location)]
    if o.index.location is not None:
        related.append(Related(f"{idx} is defined here", o.index.location))
    return ctx.diagnostic(
        message,
        location_of(o),
        targets=[x.target for x in group],
        related=related,
        evidence=evidence,
        help=help_,
        basis=origin(o.listing),
        severity="error",
        fix=_fix(ctx, o, orphan.dep, declare),
    )


def _fallback(ctx: RuleContext, o: Outcome, group: list[Outcome]) -> Diagnostic:
    assert o.pick is not None
    newest, why = o.passed_over[0]
    return ctx.diagnostic(
        f"`{o.package}` {newest.version} cannot be used ({why}); uv falls back to `{o.package}` "
        f"{o.pick.version} on {targets_text(group)}",
        location_of(o),
        targets=[x.target for x in group],
        evidence=[why],
        help="route the dependency to the index too (see TL201's page) to get the newest version",
        severity="info",
        basis=origin(o.listing) if o.listing is not None else "config",
    )


def _fix(ctx: RuleContext, o: Outcome, dep: str, declare_line: str) -> Fix | None:
    """Declare the dependency (marker from Requires-Dist) and route it like the package needing it."""
    from torchlint.fix import builders

    project = ctx.project
    req = o.requirements[0]
    ops = []
    if not any(r.scope == req.scope for r in project.requirements_named(dep)):
        op = builders.declare(project, req.scope, declare_line)
        if op is None:
            return None
        ops.append(op)
    src = o.route.source
    if src is not None and o.index is not None and o.index.name:
        ops.append(builders.route(dep, [builders.entry_like(src)]))
    if not ops:
        return None
    assert o.index is not None
    return Fix("safe", f"declare `{dep}` and route it to {index_display(o.index)}", ops=tuple(ops))


def _req_text(line: str) -> str:
    return line.split(";")[0].strip()


def _marker_text(marker: str | None) -> str | None:
    return marker.replace('"', "'") if marker else None


def _platforms(group: list[Outcome]) -> str:
    return ", ".join(sorted({o.target.platform.name for o in group}))


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

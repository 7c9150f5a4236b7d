"""## What it does
Checks whether the index (or the indexes, under `unsafe-best-match`) a requirement is looked up
on offers several local builds of the version uv would pick that all install on the same
target: `+cpu` and `+cpu.cxx11.abi`, `+cu126` and `+cu128` from two CUDA indexes, or the
aggregated `/whl` index that lists `+cpu`, `+xpu` and `+rocm` builds side by side.

## Why is this bad?
PEP 440 orders local labels lexically, so which build uv (or pip) installs rides on sort order:
`+xpu` sorts above `+rocm7.14`, which sorts above `+cu128` and `+cpu`. The lock ends up with
whatever variant sorts highest, not the one you meant, and a newly published variant can change
it without any change to your configuration.

## Example
```toml
[project]
dependencies = ["torch>=2.9"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
```

## Use instead
Use the index of the variant you want (`https://download.pytorch.org/whl/cpu`), or pin the local
label (`torch==2.15.0+cpu`).

## Fix safety
No automatic fix: torchlint cannot know which variant you meant.
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY
from torchlint.rules.listing_helpers import Group, memo_routing, origin, page, prerelease, targets_text
from torchlint.targets import Target

RULE = Rule(
    code="TL104",
    name="ambiguous-local-variant",
    severity="warning",
    needs="listing",
    summary="several local builds of the version uv picks install on one target; sort order decides",
    pedantic=True,
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    found: dict[tuple[int, str, str], tuple[Group, list[str], list[Target]]] = {}
    for g in routing.groups():
        allowed = g.allowed(prerelease(ctx, g.req))
        if not allowed:
            continue
        head = allowed[0]
        if g.req.name not in TORCH_FAMILY or "+" in str(g.req.specifier):
            continue  # the local label is pinned: nothing rides on sort order
        builds = [c for c in allowed if c.version.public == head.version.public]
        for t in g.targets:
            fit = [str(c.version) for c in builds if c.for_target(t) is not None]
            if len(fit) < 2:
                continue
            key = (id(g.req), g.listing.index_url, ",".join(fit))
            item = found.setdefault(key, (g, fit, []))
            item[2].append(t)
    for g, fit, targets in found.values():
        message = (
            f"`{g.req.name}` on {g.index_name} has {len(fit)} builds of {fit[0].split('+')[0]} that install on "
            f"{targets_text(targets)} ({', '.join(fit)}); uv takes `{fit[0]}` only because it sorts highest"
        )
        related = [Related(f"`{g.req.name}` is declared here", g.req.location)]
        yield ctx.diagnostic(
            message,
            g.location,
            targets=targets,
            related=related,
            evidence=[f"{page(g.listing)} ({origin(g.listing)}) lists {', '.join(fit)}"],
            help="use the index of the variant you want, or pin its local label",
            basis=origin(g.listing),
        )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12,<3.14"
dependencies = ["torch>=2.9"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
""",
        expect=("TL104",),
        title="the aggregated /whl index lists +cpu, +xpu and more for one version",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12,<3.14"
dependencies = ["torch>=2.9"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
        title="the variant's own index",
    ),
)

"""## What it does
Finds a requirement (not a pin: that is TL102) that no version on the index uv uses for some
platforms can meet: typically markers send Linux to a nightly or CUDA index and macOS to the
default index, and the version floor exists only on the first.

## Why is this bad?
uv resolves one universal lock and forks it by platform markers; every fork must be solvable.
When only the nightly index has a version that meets `torch>=2.6`, the macOS fork, which reads
the default index, has nothing to pick and `uv lock` fails with "No solution found when resolving
dependencies for split (sys_platform == 'darwin')" (astral-sh/uv#10702). When both sides can
resolve but to different versions, macOS and Linux run different torch releases; that is not a
failure, and `torchlint matrix` shows it.

Severity: **error** (`uv lock` fails).

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
from torchlint.resolution.candidates import short_versions, versions
from torchlint.resolution.model import Outcome
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.listing_helpers import is_pin
from torchlint.rules.model_helpers import (
    index_text,
    location_of,
    lock_fails,
    model,
    origin,
    page,
    targets_text,
)

RULE = Rule(
    code="TL103",
    name="target-version-gap",
    severity="error",
    needs="listing",
    summary="a requirement no version on the index some platforms are routed to can meet",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    res = model(ctx)
    failing: dict[tuple[object, ...], list[Outcome]] = {}
    for o in res:
        if o.failure is None or o.failure.kind != "no-match" or o.listing is None:
            continue
        if any(is_pin(r.specifier) for r in o.requirements):
            continue  # a pin the index does not list: TL102
        failing.setdefault((o.package, o.listing.index_url, str(o.requirements[0].specifier)), []).append(o)
    for group in failing.values():
        yield _gap(ctx, group, [x for x in res.for_package(group[0].package) if x.status == "ok"])


def _gap(ctx: RuleContext, group: list[Outcome], served: list[Outcome]) -> Diagnostic:
    o = group[0]
    assert o.listing is not None and o.failure is not None
    spec = " and ".join(str(r.specifier) for r in o.requirements if str(r.specifier)) or "any version"
    listed = versions(o.listing)
    message = (
        f"{lock_fails(ctx)}: `{o.package}` {spec} has no version on {index_text(o)}, where uv looks for it on "
        f"{targets_text(group)}"
    )
    others = {x.index.url: x for x in served if x.index is not None}
    if others:
        names = ", ".join(index_text(others[u]) for u in sorted(others))
        message += f" (on {targets_text(served)} it resolves from {names})"
    evidence = [f"{page(o.listing)} ({origin(o.listing)}) lists {o.package} {short_versions(listed)}"]
    evidence.extend(e for e in o.failure.evidence[1:] if e not in evidence)
    help_ = (
        "route these platforms to an index that has such a version (a sources entry with their marker), or "
        "scope the requirement to the platforms whose index does"
        if ctx.project.manager == "uv"
        else "take the package for these platforms from an index that has such a version, or limit the "
        "requirement with a marker"
    )
    related = [Related(f"`{o.package}` is declared here", r.location) for r in o.requirements[:2]]
    return ctx.diagnostic(
        message,
        location_of(o),
        targets=[x.target for x in group],
        related=related,
        evidence=evidence,
        help=help_,
        severity="error",
        basis=origin(o.listing),
    )


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

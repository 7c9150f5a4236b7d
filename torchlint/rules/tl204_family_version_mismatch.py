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

Reported as an error when no version the config allows works (`uv lock` fails). When uv merely
takes an older sibling than the newest the config allows (ordinary resolution), that is an info,
shown only with `--pedantic`.

## References
- pytorch/pytorch#120156, cocktailpeanut/fluxgym#328 (backtracking through sibling versions),
  astral-sh/uv#9651 (nightly siblings), the torchvision/torchaudio compatibility matrices
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.resolution.model import Outcome
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.model_helpers import (
    index_text,
    location_of,
    lock_fails,
    model,
    origin,
    targets_text,
    tool,
)

RULE = Rule(
    code="TL204",
    name="family-version-mismatch",
    severity="error",
    needs="metadata",
    summary="torchvision/torchaudio/… pin a torch version (or nightly date) the config's torch excludes",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    res = model(ctx)
    failing: dict[tuple[object, ...], list[Outcome]] = {}
    fallbacks: dict[tuple[object, ...], list[Outcome]] = {}
    for o in res:
        if o.failure is not None and o.failure.kind == "family":
            failing.setdefault((o.package, id(location_of(o)), o.failure.pin), []).append(o)
        elif o.pick is not None and o.passed_over and "requires torch" in o.passed_over[0][1]:
            fallbacks.setdefault((o.package, id(location_of(o)), str(o.pick.version)), []).append(o)
    for group in failing.values():
        yield _failing(ctx, group, res)
    for group in fallbacks.values():
        yield _fallback(ctx, group)


def _torch_text(ctx: RuleContext, group: list[Outcome], res) -> str:  # type: ignore[no-untyped-def]
    torch = [
        o for o in res.for_package("torch") if o.target in {g.target for g in group} and o.pick is not None
    ]
    versions = sorted({str(o.pick.version) for o in torch})
    spec = next((str(r.specifier) for r in ctx.project.requirements_named("torch") if str(r.specifier)), "")
    where = f" from {index_text(torch[0])}" if torch else ""
    if versions:
        return f"torch{where} {', '.join(versions)}" + (f" (torch{spec} allows no other)" if spec else "")
    return f"torch{spec}" if spec else "the torch the configuration allows"


def _failing(ctx: RuleContext, group: list[Outcome], res) -> Diagnostic:  # type: ignore[no-untyped-def]
    o = group[0]
    assert o.failure is not None
    message = (
        f"{lock_fails(ctx)}: `{o.package}` {o.requirements[0].specifier or ''} on {index_text(o)} requires "
        f"torch{o.failure.pin}, but {_torch_text(ctx, group, res)} is what torch can be on {targets_text(group)}"
    ).replace("`` ", "")
    related = [Related(f"`{o.package}` is declared here", o.requirements[0].location)]
    for r in ctx.project.requirements_named("torch")[:1]:
        related.append(Related("`torch` is declared here", r.location))
    return ctx.diagnostic(
        message,
        o.requirements[0].location,
        targets=[x.target for x in group],
        related=related,
        evidence=list(o.failure.evidence),
        help=f"keep `{o.package}` and torch on matching releases (and on one channel): the message names the torch "
        f"`{o.package}` needs",
        severity="error",
        basis=origin(o.listing) if o.listing is not None else "config",
    )


def _fallback(ctx: RuleContext, group: list[Outcome]) -> Diagnostic:
    o = group[0]
    assert o.pick is not None
    newest, why = o.passed_over[0]
    message = (
        f"`{o.package}` {newest.version} does not fit the torch locked beside it ({why}); {tool(ctx)} falls back "
        f"to `{o.package}` {o.pick.version} on {targets_text(group)}"
    )
    return ctx.diagnostic(
        message,
        o.requirements[0].location,
        targets=[x.target for x in group],
        evidence=[why],
        help=f"nothing fails: pin `{o.package}` to the release matching your torch to make the choice explicit",
        severity="info",
        basis=origin(o.listing) if o.listing is not None else "config",
    )


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

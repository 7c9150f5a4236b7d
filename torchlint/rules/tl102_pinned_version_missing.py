"""## What it does
For a requirement that pins one version (`torch==2.3.1+cu121`, `torch==2.7.0.dev20250310+cu128`),
checks that the index it is routed to lists that version, and names the PyTorch index that does
list it when another one does.

## Why is this bad?
uv can only lock a pinned version the routed index lists. Common causes: a local label from
another variant (`+cu121` on the `cu124` index), an incomplete label (`+rocm` matches no
`+rocm6.2` build), the aggregated `/whl` index that no longer lists old CUDA variants
(pytorch/pytorch#170511), a nightly that aged out of the nightly index's 60-version window, or
a `+cuXXX` pin looked up on the default index, which never carries local builds. `uv lock`
fails with "no version of torch==… found" (or "Because there is no version of…").

## Example
```toml
[project]
dependencies = ["torch==2.3.1+cu121"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
```

## Use instead
Route the pin to the index of its variant:
```toml
[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
```

## Fix safety
No automatic fix yet; the message names the index that lists the version.

## References
- pytorch/pytorch#170511; rsxdalv/TTS-WebUI#561; pytorch/torchchat#1408
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import matching, short_versions, versions
from torchlint.rules.listing_helpers import (
    Group,
    Routing,
    is_pin,
    memo_routing,
    origin,
    page,
    relaxed,
    targets_text,
)
from torchlint.targets import Target

RULE = Rule(
    code="TL102",
    name="pinned-version-missing",
    severity="error",
    needs="listing",
    summary="a pinned version or local label is not listed on the index it is routed to",
)

#: Snapshot keys probed for "where is it listed" at most (each is one small document).
MAX_KEYS = 64


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    seen: dict[tuple[int, str, int], list[Group]] = {}
    for g in routing.groups():
        pin = is_pin(g.req.specifier)
        if pin is None:
            continue
        if any(matching(g.cands, g.req.specifier, True)):
            continue
        seen.setdefault((id(g.req), g.listing.index_url, id(g.source)), []).append(g)
    for gs in seen.values():
        g = gs[0]
        targets = [t for x in gs for t in x.targets]
        yield _diagnostic(ctx, routing, g, targets)


def _diagnostic(ctx: RuleContext, routing: Routing, g: Group, targets: list[Target]) -> Diagnostic:
    pin = is_pin(g.req.specifier) or ""
    cands = g.cands
    public = pin.split("+", 1)[0]
    label = pin.split("+", 1)[1] if "+" in pin else None
    same_public = [c for c in cands if c.version.public == public]
    ev = [f"{page(g.listing)} ({origin(g.listing)}) lists {g.req.name} {short_versions(cands)}"]
    if same_public:
        ev.append(f"builds of {public} there: {', '.join(str(c.version) for c in same_public)}")
    elif cands and cands[-1].version.is_devrelease and "dev" in pin:
        ev.append(
            f"the oldest nightly still listed there is {cands[-1].version}; the nightly index keeps "
            "a window of recent builds, older ones are deleted"
        )
    where = []
    # keys of the pinned variant by their path (whl/cu121, whl/nightly/cu128 ...), else the default
    keys = ["default"]
    if label is not None:
        keys = [k for k in routing.probe.snapshot.keys() if k.rsplit("/", 1)[-1].startswith(label)]  # noqa: SIM118
    for key, lst in routing.snapshot_listings(g.req.name, keys[:MAX_KEYS]):
        if lst.index_url == g.listing.index_url:
            continue
        if any(matching(versions(lst), g.req.specifier, True)):
            where.append(routing.probe.snapshot.public_url(key) if key != "default" else "the default index")
    message = f"`{g.req.name}=={pin}` is not listed on {g.index_name}"
    help_: str | None = None
    if where:
        message += f"; {', '.join(where[:3])} lists it"
        help_ = f"route `{g.req.name}` to {where[0]} (define it as an explicit index and pin it in [tool.uv.sources])"
    elif label is not None and any(
        c.version.local and str(c.version.local).startswith(label) for c in same_public
    ):
        near = [
            str(c.version) for c in same_public if c.version.local and str(c.version.local).startswith(label)
        ]
        message += f"; `+{label}` is an incomplete local label (the index has {', '.join(near)})"
        help_ = f"pin the full local label, e.g. `{g.req.name}=={near[0]}`"
    elif same_public or any(matching(cands, relaxed(g.req.specifier), True)):
        help_ = "use a local label this index lists, or route the pin to the index of its variant"
    else:
        help_ = "pin a version the index lists (or drop the pin and lock)"
    related = [Related(f"`{g.req.name}` is declared here", g.req.location)]
    if g.index.location is not None:
        related.append(Related(f"{g.index_name} is defined here", g.index.location))
    if g.kind == "chain":
        message += f" (where uv looks for it on {targets_text(targets)}: no source routes it)"
    return ctx.diagnostic(
        message,
        g.location if g.source is not None else g.req.location,
        targets=targets,
        related=related,
        evidence=ev,
        help=help_,
        basis=origin(g.listing),
    )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
""",
        expect=("TL102",),
        title="the aggregated /whl index no longer lists old CUDA variants (pytorch/pytorch#170511)",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch==2.7.0.dev20250310+cu128"]

[tool.uv.sources]
torch = { index = "pytorch-nightly-cu128" }

[[tool.uv.index]]
name = "pytorch-nightly-cu128"
url = "https://download.pytorch.org/whl/nightly/cu128"
explicit = true
""",
        expect=("TL102",),
        title="a pinned nightly that aged out of the nightly index",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.13"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'", "sys_platform == 'win32'"]

[tool.uv.sources]
torch = { index = "pytorch-cu121" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
        title="the pin routed to the index of its variant",
    ),
)

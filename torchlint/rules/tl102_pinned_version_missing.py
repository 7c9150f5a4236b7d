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
from torchlint.resolution.candidates import matching, short_versions, versions
from torchlint.resolution.model import Outcome
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.listing_helpers import is_pin, relaxed
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
    code="TL102",
    name="pinned-version-missing",
    severity="error",
    needs="listing",
    summary="a pinned version or local label is not listed on the index it is routed to",
)

#: Snapshot keys probed for "where is it listed" at most (each is one small document).
MAX_KEYS = 64


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    groups: dict[tuple[object, ...], list[Outcome]] = {}
    for o in model(ctx):
        if o.failure is None or o.failure.kind != "no-match" or o.listing is None:
            continue
        pin = next((p for r in o.requirements if (p := is_pin(r.specifier)) is not None), None)
        if pin is None:
            continue  # a range nothing meets: TL103
        groups.setdefault((o.package, pin, o.listing.index_url, id(location_of(o))), []).append(o)
    for key, outcomes in groups.items():
        yield _diagnostic(ctx, outcomes, str(key[1]))


def _diagnostic(ctx: RuleContext, outcomes: list[Outcome], pin: str) -> Diagnostic:
    o = outcomes[0]
    assert o.listing is not None and o.failure is not None
    name = o.package
    req = next((r for r in o.requirements if is_pin(r.specifier) == pin), o.requirements[0])
    cands = versions(o.listing)
    public = pin.split("+", 1)[0]
    label = pin.split("+", 1)[1] if "+" in pin else None
    same_public = [c for c in cands if c.version.public == public]
    ev = [f"{page(o.listing)} ({origin(o.listing)}) lists {name} {short_versions(cands)}"]
    if same_public:
        ev.append(f"builds of {public} there: {', '.join(str(c.version) for c in same_public)}")
    elif cands and cands[-1].version.is_devrelease and "dev" in pin:
        ev.append(
            f"the oldest nightly still listed there is {cands[-1].version}; the nightly index keeps "
            "a window of recent builds, older ones are deleted"
        )
    ev.extend(e for e in o.failure.evidence[1:] if e not in ev)
    where = _listed_elsewhere(ctx, name, req.specifier, label, o.listing.index_url)
    message = f"`{name}=={pin}` is not listed on {index_text(o)}, so {lock_fails(ctx)}"
    help_: str | None
    if where:
        message += f"; {', '.join(where[:3])} lists it"
        help_ = (
            f"route `{name}` to {where[0]} (define it as an explicit index and pin it in [tool.uv.sources])"
            if ctx.project.manager == "uv"
            else f"take `{name}` from {where[0]}"
        )
    elif label is not None and any(
        c.version.local and str(c.version.local).startswith(label) for c in same_public
    ):
        near = [
            str(c.version) for c in same_public if c.version.local and str(c.version.local).startswith(label)
        ]
        message += f"; `+{label}` is an incomplete local label (the index has {', '.join(near)})"
        help_ = f"pin the full local label, e.g. `{name}=={near[0]}`"
    elif same_public or any(matching(cands, relaxed(req.specifier), True)):
        help_ = "use a local label this index lists, or route the pin to the index of its variant"
    else:
        help_ = "pin a version the index lists (or drop the pin and lock)"
    related = [Related(f"`{name}` is declared here", req.location)]
    if o.index is not None and o.index.location is not None:
        related.append(Related(f"{index_text(o)} is defined here", o.index.location))
    if o.route.kind == "chain":
        message += f" (where uv looks for it on {targets_text(outcomes)}: no source routes it)"
    return ctx.diagnostic(
        message,
        location_of(o),
        targets=[x.target for x in outcomes],
        related=related,
        evidence=ev,
        help=help_,
        severity="error",
        basis=origin(o.listing),
    )


def _listed_elsewhere(ctx: RuleContext, name: str, spec, label: str | None, own: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Snapshot pages of the pinned variant (``whl/cu121`` for ``+cu121``) that list the pin."""
    probe = ctx.probe
    if probe is None:
        return []
    snap = probe.snapshot
    keys = ["default"]
    if label is not None:
        keys = [k for k in snap.keys() if k.rsplit("/", 1)[-1].startswith(label)]  # noqa: SIM118
    out = []
    for key in keys[:MAX_KEYS]:
        lst = snap.listing(key, name)
        if lst is None or not lst.ok or not lst.files or lst.index_url == own:
            continue
        if any(matching(versions(lst), spec, True)):
            out.append(snap.public_url(key) if key != "default" else "the default index")
    return out


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

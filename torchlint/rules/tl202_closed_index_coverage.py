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
nothing is reported. When uv merely falls back to an older version whose dependencies are served,
that is an info, shown only with `--pedantic`.

## References
- astral-sh/uv#8344 (U35), pytorch/test-infra#8153 and #8157 (`spmd-types`, U50),
  pytorch/pytorch#95081 (`lit` missing, an older nightly installed)
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import IndexDef
from torchlint.resolution.model import Orphan, Outcome
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.model_helpers import location_of, model, origin, page, targets_text

RULE = Rule(
    code="TL202",
    name="closed-index-coverage",
    severity="error",
    needs="metadata",
    summary="the default index was replaced by a PyTorch index, and a dependency is on no remaining index",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    from torchlint.rules.metadata_helpers import is_pytorch_index

    default = ctx.router.default_index
    if not is_pytorch_index(ctx, default):
        return
    absent: dict[tuple[object, ...], list[Outcome]] = {}
    unserved: dict[tuple[object, ...], tuple[Outcome, Orphan, list[Outcome]]] = {}
    falling: dict[tuple[object, ...], list[Outcome]] = {}
    for o in model(ctx):
        if o.failure is not None and o.failure.kind == "absent" and o.route.kind == "chain":
            absent.setdefault((o.package, id(o.requirements[0])), []).append(o)
        elif o.failure is not None and o.failure.kind == "closed":
            for dep in o.failure.orphans:
                assert isinstance(dep, Orphan)
                unserved.setdefault((o.package, dep.dep, id(o.requirements[0])), (o, dep, []))[2].append(o)
        elif o.pick is not None and o.passed_over and "no index uv consults" in o.passed_over[0][1]:
            falling.setdefault((o.package, str(o.pick.version)), []).append(o)
    for group in absent.values():
        yield _absent(ctx, group, default)
    for o, dep, group in unserved.values():
        yield _unserved(ctx, o, dep, group, default)
    for group in falling.values():
        o = group[0]
        assert o.pick is not None
        newest, why = o.passed_over[0]
        yield ctx.diagnostic(
            f"`{o.package}` {newest.version} cannot be used ({why}); uv falls back to `{o.package}` "
            f"{o.pick.version} on {targets_text(group)}",
            location_of(o),
            targets=[x.target for x in group],
            evidence=[why],
            severity="info",
            basis=origin(o.listing) if o.listing is not None else "config",
        )


def _replaced(default: IndexDef) -> str:
    how = {
        "[[tool.uv.index]]": "`default = true`",
        "[tool.uv] index-url": "`[tool.uv] index-url`",
    }.get(default.origin, f"`{default.origin}`")
    return f"the default index was replaced by {index_display(default)} ({how})"


def _help(ctx: RuleContext, default: IndexDef, dep: str) -> str:
    if default.origin == "[[tool.uv.index]]" and default.name:
        return (
            f"keep the public default index: replace `default = true` with `explicit = true` on "
            f"`{default.name}` and route the PyTorch packages to it in [tool.uv.sources]; or add an "
            f"index that serves `{dep}`"
        )
    if ctx.project.manager == "pip":
        return f"keep the public default index (use the PyTorch index with --extra-index-url), or add an index that serves `{dep}`"
    return (
        f"keep the public default index (use the PyTorch index as an explicit index with "
        f"[tool.uv.sources], or as an extra index), or add an index that serves `{dep}`"
    )


def _related(default: IndexDef) -> list[Related]:
    if default.location is None:
        return []
    return [Related(f"{index_display(default)} replaces the default index here", default.location)]


def _absent(ctx: RuleContext, group: list[Outcome], default: IndexDef) -> Diagnostic:
    o = group[0]
    assert o.failure is not None
    searched = ", ".join(index_display(i) for i in o.route.indexes)
    evidence = []
    if ctx.probe is not None:
        for idx in o.route.indexes:
            lst = ctx.probe.listing(idx, o.package)
            evidence.append(f"{page(lst)} does not list {o.package} ({origin(lst)})")
    return ctx.diagnostic(
        f"`{o.package}` is on no index uv consults: {_replaced(default)}, and no remaining index serves it "
        f"(searched: {searched})",
        o.requirements[0].location,
        targets=[x.target for x in group],
        related=_related(default),
        evidence=evidence or [o.failure.detail],
        help=_help(ctx, default, o.package),
        severity="error",
        basis="config",
    )


def _unserved(
    ctx: RuleContext, o: Outcome, dep: Orphan, group: list[Outcome], default: IndexDef
) -> Diagnostic:
    assert o.index is not None
    searched = ", ".join(index_display(i) for i in ctx.router.default_chain())
    newest = o.allowed[0]
    platforms = ", ".join(sorted({x.target.platform.name for x in group}))
    message = (
        f"`{o.package}` {newest.version} from {index_display(o.index)} requires `{dep.line.split(';')[0].strip()}` "
        f"on {platforms}, which no remaining index serves ({_replaced(default)}; searched: {searched}), so every "
        f"`{o.package}` candidate fails"
    )
    related = [Related(f"`{o.package}` is declared here", o.requirements[0].location), *_related(default)]
    return ctx.diagnostic(
        message,
        o.requirements[0].location,
        targets=[x.target for x in group],
        related=related,
        evidence=list(dep.evidence),
        help=_help(ctx, default, dep.dep),
        severity="error",
        basis=origin(o.listing) if o.listing is not None else "config",
    )


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

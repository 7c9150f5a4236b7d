"""## What it does
Finds a PyTorch index (`/whl/<variant>`, nightly, test, aggregated `/whl`) that is defined
without `explicit = true`.

## Why is this bad?
A non-explicit index is consulted for *every* package, before the default index. The PyTorch
indexes also serve about 300 other projects (numpy, jinja2, markupsafe, the nvidia-* wheels …),
often incomplete or with different builds. Under uv's default `first-index` strategy a package
found there is taken only from there, so `markupsafe` or `networkx` silently comes from the
PyTorch index, with missing wheels or wrong Requires-Python (astral-sh/uv#8922, #11532, #12620;
pytorch/pytorch#152191). This is also the shape `uv add torch --index name=url` writes.

## Example
```toml
[project]
dependencies = ["torch==2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
```

## Use instead
```toml
[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
```
and route each torch-family package that should come from it in `[tool.uv.sources]`.

Severity: **warning**; an **error** when, in this project, it makes `uv lock` fail (macOS gets
only the index's CUDA builds) or leaves a target the project names without a wheel. That
consequence is reported here, once, not as a TL101 per package and platform.

## Fix safety
Setting `explicit = true` is safe when every torch-family package the project declares is
already routed to the index; otherwise the fix also adds sources entries, which changes where
those packages come from, so it is unsafe.

## References
- uv guide, "Using uv with PyTorch": explicit indexes and sources
- astral-sh/uv#8922, astral-sh/uv#11532, pytorch/test-infra#6900
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torchlint.diagnostics import Applicability, Diagnostic, Fix, Related, Severity
from torchlint.fix import builders
from torchlint.index.urls import parse_pytorch_url, redact
from torchlint.project.model import IndexDef
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY

RULE = Rule(
    code="TL001",
    name="index-not-explicit",
    severity="warning",
    needs="config",
    summary="a PyTorch index without `explicit = true` shadows the default index for ~300 mirrored projects",
    fix_availability="sometimes",
)


def _poetry_priority(ctx: RuleContext, name: str | None) -> str | None:
    """The ``priority`` a ``[[tool.poetry.source]]`` named *name* declares (legacy keys mapped)."""
    if ctx.project.manager != "poetry" or name is None:
        return None
    tool = ctx.project.file.data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    sources = poetry.get("source") if isinstance(poetry, dict) else None
    for src in sources if isinstance(sources, list) else ():
        if isinstance(src, dict) and src.get("name") == name:
            if isinstance(src.get("priority"), str):
                return str(src["priority"])
            return "secondary" if src.get("secondary") is True else None
    return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    if ctx.project.manager == "pip":
        return  # pip has no explicit indexes: its extra indexes are TL005's business
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else {}
    for idx in ctx.project.indexes:
        if idx.explicit or idx.format == "flat":
            continue
        pt = parse_pytorch_url(idx.url, mirrors)
        if pt is None or pt.flat:
            continue
        where = f"index {idx.label()}" if idx.name else f"`{idx.origin}` <{redact(idx.url)}>"
        if idx.default:
            message = (
                f"PyTorch {where} replaces the default index: every package, not only the torch family, "
                "is looked up there, and projects it does not serve (or serves incompletely) fail"
            )
            help_ = "keep the default index and mark this index `explicit = true`, routing torch packages to it in `[tool.uv.sources]`"
        elif _poetry_priority(ctx, idx.name) in ("supplemental", "secondary"):
            message = (
                f"PyTorch {where} is a {_poetry_priority(ctx, idx.name)} source, not explicit: Poetry still asks it "
                "for every package the primary sources lack, and an error there (403 for projects it does not "
                "serve) can abort the resolution (python-poetry/poetry#4704)"
            )
            help_ = 'set `priority = "explicit"` and keep `source = ...` on the torch dependencies'
        else:
            message = (
                f"PyTorch {where} is not explicit: it is consulted before the default index for every package, "
                "so projects it mirrors (numpy, jinja2, markupsafe, nvidia-*, …) come from it"
            )
            help_ = (
                'set `priority = "explicit"` and pin the torch dependencies to it with `source = ...`'
                if ctx.project.manager == "poetry"
                else "add `explicit = true` and route the torch packages to it in `[tool.uv.sources]`"
            )
        related = []
        if idx.url_location is not None and idx.url_location != idx.location:
            related.append(Related(f"{pt.channel} {pt.variant or pt.kind} index", idx.url_location))
        assert idx.location is not None
        consequence, severity, evidence = _consequence(ctx, idx)
        yield ctx.diagnostic(
            message + consequence,
            idx.location,
            related=related,
            help=help_,
            fix=_fix(ctx, idx),
            severity=severity,
            evidence=evidence,
        )


def _consequence(ctx: RuleContext, idx: IndexDef) -> tuple[str, Severity, list[str]]:
    """What the index does to the torch family here, from the resolution model (when probing).

    A non-explicit index is one root cause: the lock failing, or torch without a wheel on some
    platform, because uv took it from this index, is said here, once, not as a TL101 per
    package and platform.
    """
    if ctx.probe is None:
        return "", "warning", []
    from torchlint.rules.model_helpers import lock_fails, model, shadowing_index, sync, targets_text, tool

    hit = [o for o in model(ctx) if o.index is idx and shadowing_index(ctx, o)]
    failing = [o for o in hit if o.failure is not None]
    missing = [o for o in hit if o.status == "no-wheel" and o.intent != "no"]
    if failing:
        o = failing[0]
        assert o.failure is not None
        names = ", ".join(sorted({f"`{x.package}`" for x in failing}))
        return (
            f"; here {lock_fails(ctx)}: {tool(ctx)} takes {names} from it on {targets_text(failing)} "
            f"({o.failure.detail})",
            "error",
            list(o.failure.evidence),
        )
    if missing:
        o = missing[0]
        assert o.pick is not None
        names = ", ".join(sorted({f"`{x.package}`" for x in missing}))
        severity: Severity = (
            "error" if any(x.intent in ("required", "explicit") for x in missing) else "warning"
        )
        return (
            f"; here {tool(ctx)} takes {names} from it on {targets_text(missing)} too, where {o.package} "
            f"{o.pick.version} has no wheel, so {sync(ctx)} fails there",
            severity,
            [],
        )
    return "", "warning", []


def _fix(ctx: RuleContext, idx: IndexDef) -> Fix | None:
    """``explicit = true``, plus sources for declared torch-family packages that relied on the index.

    Safe when every declared family package is already routed to the index by sources (the form
    ``uv add --index`` writes); otherwise the added sources entries change how those packages are
    routed, so the fix is unsafe.
    """
    path = builders.index_path(ctx.project, idx)
    if path is None or idx.default or not idx.name:
        return None
    ops: list[Any] = [builders.set_in(path, "explicit", True)]
    for name in sorted(ctx.project.declared_names() & TORCH_FAMILY):
        if ctx.project.sources.get(name):
            continue
        ops.append(builders.route(name, [(("index", idx.name),)]))
    safety: Applicability = "safe" if len(ops) == 1 else "unsafe"
    extra = f" and route {len(ops) - 1} torch-family package(s) to it" if len(ops) > 1 else ""
    return Fix(safety, f"mark index `{idx.name}` explicit{extra}", ops=tuple(ops))


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1"]

[tool.uv.sources]
torch = { index = "torch" }

[[tool.uv.index]]
name = "torch"
url = "https://download.pytorch.org/whl/cu118"
""",
        expect=("TL001",),
        title="what `uv add torch --index torch=...` writes",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1"]

[tool.uv.sources]
torch = { index = "torch" }

[[tool.uv.index]]
name = "torch"
url = "https://download.pytorch.org/whl/cu118"
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
dependencies = ["jinja2==3.1.4"]

[tool.uv]
extra-index-url = ["https://download.pytorch.org/whl/cpu"]
""",
        expect=("TL001",),
        title="a PyTorch index as a pip-style extra index",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1"]

[tool.uv.sources]
torch = { index = "torch" }

[[tool.uv.index]]
name = "torch"
url = "https://download.pytorch.org/whl/cu118"
explicit = true
""",
    ),
)

"""## What it does
Finds `index-strategy = "unsafe-best-match"` or `"unsafe-first-match"` (or a manager whose
semantics are the same: pip's `--extra-index-url`, Poetry with several primary sources, PDM
without `respect-source-order`) while a PyTorch index takes part in the default lookup beside
another index. Also notes a PyTorch index added with pip-style `extra-index-url`.

## Why is this bad?
uv's default `first-index` strategy takes a package only from the first index that has it;
uv chose that default because of the December 2022 `torchtriton` dependency-confusion attack,
where pip merged a PyTorch extra index with PyPI and a malicious higher-versioned `torchtriton`
won. The unsafe strategies bring the merge back: every package is looked up on every index, so
a look-alike name on one index can beat the real package on the other, and the PyTorch index's
incomplete mirrors (a `markupsafe` with only a cp313 Linux wheel) get picked
(astral-sh/uv#8922, #9647). Used as a variant selector (`+cpu` sorts above PyPI's build), the
outcome flips as soon as PyPI has a newer torch than the PyTorch index.

When every PyTorch index is explicit, the strategy cannot mix them into other packages'
lookups; the finding is then only informational.

## Example
```toml
[tool.uv]
index-strategy = "unsafe-best-match"

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

[tool.uv.sources]
torch = { index = "pytorch-cpu" }
```
(and drop `index-strategy`).

## Fix safety
No automatic fix: removing the strategy changes where packages come from; the explicit index
and its sources entries must be written for the packages that should come from it.

## References
- https://pytorch.org/blog/compromised-nightly-dependency/
- uv docs, "Indexes": searching across multiple indexes
- astral-sh/uv#8922, astral-sh/uv#9647
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import IndexDef
from torchlint.routing import index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.config_helpers import index_location, index_where, mirrors, pytorch

RULE = Rule(
    code="TL005",
    name="unsafe-index-strategy",
    severity="warning",
    needs="config",
    summary="`unsafe-best-match`/`unsafe-first-match` or a pip-style extra index beside a PyTorch index",
)

UNSAFE = ("unsafe-best-match", "unsafe-first-match")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    mm = mirrors(ctx)
    strategy = ctx.router.strategy
    chain = ctx.router.default_chain()
    pt_chain = [i for i in chain if pytorch(i, mm) is not None]
    pt_all = [i for i in project.indexes if pytorch(i, mm) is not None]
    setting = project.uv.index_strategy
    if strategy in UNSAFE and pt_all:
        written = (
            setting is not None
            and setting.location is not None
            and setting.location.toml_path.endswith("index-strategy")
        )
        what = (
            f'`index-strategy = "{strategy}"`'
            if written
            else f"this configuration merges candidates from every index (like uv's `{strategy}`)"
        )
        location = setting.location if setting is not None and setting.location is not None else None
        if location is None:
            location = index_location(pt_all[0])
        assert location is not None
        how = (
            "every package is looked up on every index and the highest version wins"
            if strategy == "unsafe-best-match"
            else "every package is looked up on every index and the first compatible version wins"
        )
        others = [i for i in chain if i not in pt_chain]
        if pt_chain and len(chain) >= 2:
            names = ", ".join(index_where(i) for i in pt_chain)
            rest = (
                ", ".join("the default index" if i.origin == "snapshot" else index_where(i) for i in others)
                or "another PyTorch index"
            )
            related = [Related("PyTorch index", loc) for i in pt_chain if (loc := index_location(i))]
            yield ctx.diagnostic(
                f"{what}: {how}, and PyTorch {names} is not explicit, so it competes with {rest} for every "
                "package: a same-named package on either side (the torchtriton attack, Dec 2022) or the PyTorch "
                "index's incomplete mirror of markupsafe/numpy/nvidia-* can win",
                location,
                related=related,
                evidence=[f"default lookup order: {', '.join(_short(i) for i in chain)}"],
                help="remove the strategy (uv's default `first-index`), mark the PyTorch index `explicit = true` "
                "and route the torch packages to it in `[tool.uv.sources]`",
            )
        else:
            names = ", ".join(index_where(i) for i in pt_all)
            yield ctx.diagnostic(
                f"{what}: {how}; every PyTorch index ({names}) is explicit or the only index, so the strategy "
                "does not mix it into other packages' lookups, but it still merges the remaining indexes",
                location,
                help="drop the strategy unless another index needs it",
                severity="info",
            )
        return
    # pip-style extra index under first-index: safe in uv, the torchtriton shape elsewhere.
    for idx in project.indexes:
        if "extra-index-url" not in idx.origin or pytorch(idx, mm) is None or idx.explicit:
            continue
        location = index_location(idx)
        if location is None:
            continue
        yield ctx.diagnostic(
            f"PyTorch {index_where(idx)} is added as a pip-style extra index: uv's `first-index` strategy keeps "
            "it safe here, but the same setting under pip or `UV_INDEX_STRATEGY=unsafe-best-match` merges it with "
            "the default index (the torchtriton dependency-confusion path)",
            location,
            help="define it with `[[tool.uv.index]]`, `explicit = true`, and route the torch packages to it",
            severity="info",
        )


def _short(idx: IndexDef) -> str:
    return index_display(idx)


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["jinja2==3.1.4"]

[tool.uv]
index-strategy = "unsafe-best-match"
extra-index-url = ["https://download.pytorch.org/whl/cpu"]
""",
        expect=("TL005", "TL001"),
        title="a PyTorch extra index merged with the default index (astral-sh/uv#8922)",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch"]

[tool.uv]
index-strategy = "unsafe-best-match"

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
""",
        expect=("TL005",),
        title="`unsafe-best-match` as a variant selector",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
    ),
)

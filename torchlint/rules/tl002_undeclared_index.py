"""## What it does
Finds a `[tool.uv.sources]` entry whose `index` names an index that this `pyproject.toml` does
not define in `[[tool.uv.index]]`.

## Why is this bad?
uv stops with "Package `torch` references an undeclared index". Indexes given on the command
line, in environment variables or in a user-level `uv.toml` do not count: a source can only name
an index defined in the project itself. A typo in the name (`pytorch-cu12` for `pytorch-cu121`)
is the usual cause.

## Example
```toml
[tool.uv.sources]
torch = { index = "pytorch-cu12" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
```

## Use instead
```toml
[tool.uv.sources]
torch = { index = "pytorch-cu121" }
```

## Fix safety
Renaming to the closest defined index is unsafe: it changes which index serves the package,
and the closest name is a guess.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Fix
from torchlint.fix import builders
from torchlint.rules.base import Example, Rule, RuleContext

RULE = Rule(
    code="TL002",
    name="undeclared-index",
    severity="error",
    needs="config",
    summary="a source names an index this pyproject does not define",
    fix_availability="sometimes",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    defined = [i.name for i in ctx.project.indexes if i.name and i.origin == "[[tool.uv.index]]"]
    elsewhere = {i.name for i in ctx.project.indexes if i.name and i.origin != "[[tool.uv.index]]"}
    # a workspace's members' own entries too: they name the workspace's indexes
    for package, entries in [(e.package, [e]) for e in ctx.project.all_sources()]:
        for entry in entries:
            if entry.kind != "index" or not entry.index or entry.index in defined:
                continue
            close = difflib.get_close_matches(entry.index, defined, n=1, cutoff=0.6)
            message = f"source for `{package}` references index `{entry.index}`, which this pyproject does not define"
            if entry.index in elsewhere:
                message += " (it is defined in uv.toml; uv only accepts indexes defined in the project's pyproject.toml here)"
            help_ = (
                f"did you mean `{close[0]}`?"
                if close
                else "define it with [[tool.uv.index]] (name, url, explicit = true)"
            )
            assert entry.location is not None
            fix = None
            path = builders.source_path(ctx.project, entry)
            if close and path is not None:
                fix = Fix(
                    "unsafe", f"use index `{close[0]}`", ops=(builders.set_in(path, "index", close[0]),)
                )
            yield ctx.diagnostic(message, entry.location, help=help_, fix=fix)


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch==2.5.1"]

[tool.uv.sources]
torch = { index = "pytorch-cu12" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
        expect=("TL002",),
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch==2.5.1"]

[tool.uv.sources]
torch = { index = "pytorch-cu121" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch==2.5.1"]

[tool.uv.sources]
torch = { index = "pytorch-cu121" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
    ),
)

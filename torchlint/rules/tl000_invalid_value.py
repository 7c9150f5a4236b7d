"""## What it does
Reports a value torchlint could not parse: an invalid requirement, marker, specifier or
`requires-python`, a source or index entry of the wrong type.

## Why is this bad?
uv refuses the whole file when one of these values is invalid ("Failed to parse"), so nothing
else in the configuration takes effect. torchlint reports the value at its own line and keeps
checking everything else.

## Example
```toml
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch>=2.5;; sys_platform == 'linux'"]
```

## Use instead
```toml
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch>=2.5; sys_platform == 'linux'"]
```

## Fix safety
No fix: only the author knows what the value was meant to say.
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic
from torchlint.rules.base import Example, Rule, RuleContext

RULE = Rule(
    code="TL000",
    name="invalid-value",
    severity="error",
    needs="config",
    summary="a requirement, marker, specifier or table that cannot be parsed",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for problem in ctx.project.problems:
        yield ctx.diagnostic(problem.message, problem.location)


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch>=2.5;; sys_platform == 'linux'"]
""",
        expect=("TL000",),
        title="a requirement with a stray `;`",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch"]

[tool.uv.sources]
torch = { index = "pytorch-cpu", marker = "sys_platform = 'linux'" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
        expect=("TL000",),
        title="a source marker with `=` instead of `==`",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch>=2.5; sys_platform == 'linux'"]
""",
    ),
)

"""## What it does
Finds suppression comments that suppress nothing: a `# torchlint: ignore[...]`,
`# noqa: TL...` or `# torchlint: file-ignore[...]` whose codes had no diagnostic where the
comment applies, one that names a rule code torchlint does not have, and a `file-ignore`
written below the first table header (where it has no effect).

This rule is computed by the engine after every other rule ran (suppressions are applied in
`torchlint/check.py`, see `torchlint/suppressions.py`): its `check()` yields nothing by itself.
A code whose rule did not run (deselected, or skipped for lack of index data) is never called
unused.

## Why is this bad?
A stale suppression hides the next real problem on that line: when the configuration changes,
the comment silently swallows a new finding nobody has looked at. A misspelt code suppresses
nothing while looking as if it did.

## Example
```toml
[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true  # torchlint: ignore[TL001]
```

## Use instead
```toml
[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
```

## Fix safety
There is no automatic fix yet; removing the comment by hand is always safe when this rule is
the only finding on it.
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic
from torchlint.rules.base import Example, Rule, RuleContext, no_diagnostics

RULE = Rule(
    code="TL900",
    name="unused-suppression",
    severity="warning",
    needs="config",
    summary="a suppression comment that suppresses nothing, or names an unknown rule code",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Nothing here: check.py reports unused suppressions after the other rules ran."""
    return no_diagnostics()


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]  # torchlint: ignore[TL001]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
        expect=("TL900",),
        title="the index is explicit now; the suppression is stale",
    ),
    Example(
        "bad",
        """\
# torchlint: file-ignore[TL01]
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []
""",
        expect=("TL900",),
        title="a misspelt code suppresses nothing",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]  # torchlint: ignore[TL001] -- CI image has no default index
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
""",
        title="the suppression is used",
    ),
)

"""Rule documentation from the rule modules: `torchlint rule`, `torchlint rules`, and rules/*.md.

The docstring of a rule module is its documentation; its EXAMPLES are rendered under it. A test
regenerates every page and fails when a committed page under ``rules/`` differs.
"""

from __future__ import annotations

import inspect
from typing import Any

from torchlint.engine import RuleModule, all_rules

REQUIRED_SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
)


def rule_doc(rm: RuleModule) -> str:
    return inspect.cleandoc(rm.module.__doc__ or "")


def rule_markdown(rm: RuleModule) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("torchlint", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    tpl = env.get_template("rule.md.j2")
    return tpl.render(rule=rm.rule, doc=rule_doc(rm), examples=getattr(rm.module, "EXAMPLES", ()))


def rule_json(rm: RuleModule) -> dict[str, Any]:
    r = rm.rule
    return {
        "code": r.code,
        "name": r.name,
        "severity": r.severity,
        "needs": r.needs,
        "fix": r.fix_availability,
        "summary": r.summary,
        "explanation": rule_doc(rm),
        "examples": [
            {
                "kind": e.kind,
                "title": e.title,
                "pyproject": e.pyproject,
                "expect": list(e.expect),
                "fixed": e.fixed,
            }
            for e in getattr(rm.module, "EXAMPLES", ())
        ],
    }


def render_all() -> dict[str, str]:
    """File name under rules/ → content, for every rule plus the index page."""
    pages = {f"{rm.code}.md": rule_markdown(rm) for rm in all_rules()}
    lines = [
        "# torchlint rules",
        "",
        "Generated from the rule modules by `python scripts/generate_rule_docs.py`; do not edit.",
        "",
    ]
    lines.append("| code | name | severity | needs | fix | finds |")
    lines.append("|---|---|---|---|---|---|")
    for rm in all_rules():
        r = rm.rule
        lines.append(
            f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.needs} | {r.fix_availability} | {r.summary} |"
        )
    pages["README.md"] = "\n".join(lines) + "\n"
    return pages

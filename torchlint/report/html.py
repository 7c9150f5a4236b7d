"""``--output-format html``: one self-contained page (inline CSS, no scripts, no external assets).

Findings are grouped by target: a diagnostic that names targets is listed under each of them,
one that names none under "all targets". The only links that leave the page are the rule
documentation links. Rendered with jinja2 (autoescape on), imported only when this format runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.index.urls import redact_text
from torchlint.report.summary import basis

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic

ALL_TARGETS = "all targets"


@dataclass
class Group:
    name: str
    anchor: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


def group_by_target(diagnostics: list[Diagnostic]) -> list[Group]:
    """Groups in order of first appearance; "all targets" first when present."""
    groups: dict[str, Group] = {}
    for d in diagnostics:
        for name in d.targets or (ALL_TARGETS,):
            groups.setdefault(name, Group(name, "")).diagnostics.append(d)
    ordered = sorted(groups.values(), key=lambda g: g.name != ALL_TARGETS)
    for i, g in enumerate(ordered, start=1):
        g.anchor = f"target-{i}"
    return ordered


def _source_line(d: Diagnostic, sources: dict[str, str]) -> str | None:
    from torchlint.report.excerpt import source_line, window

    loc = d.location
    raw = source_line(sources.get(loc.filename), loc.row)
    if raw is None:
        return None
    end = loc.end_column if loc.end_row == loc.row else len(raw) + 1
    return redact_text(window(raw, loc.column, end)[0])


def render(result: CheckResult, sources: dict[str, str]) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from torchlint import __version__

    env = Environment(
        loader=PackageLoader("torchlint", "templates"),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    counts = {s: sum(1 for d in result.diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    return env.get_template("report.html.j2").render(
        version=__version__,
        files=result.files,
        counts=counts,
        total=len(result.diagnostics),
        basis=basis(result),
        groups=group_by_target(result.diagnostics),
        source_line=lambda d: _source_line(d, sources),
    )

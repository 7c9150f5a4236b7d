"""``--output-format html``: one self-contained page (inline CSS, no scripts, no external assets).

The page answers the question first and the findings second: the matrix of every checked file
(what uv installs on each target, :mod:`torchlint.matrix`), then each finding once, errors first,
with its targets as one compact list, its message rendered (code spans, links) and its evidence
URLs clickable. Rendered with jinja2 (autoescape on), imported only when this format runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchlint.index.urls import redact_text
from torchlint.report.summary import basis

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic


def targets_of(d: Diagnostic) -> str:
    """A finding's targets as one compact list (``Linux x86_64/aarch64, Python 3.12–3.15``)."""
    summary = d.extra.get("targets_summary")
    if summary:
        return str(summary)
    if not d.targets:
        return ""
    from torchlint.targets import PLATFORMS, Target, describe

    plats = {p.name: p for p in PLATFORMS}
    parsed: list[Target] = []
    for name in d.targets:
        plat, sep, py = name.rpartition("-py")
        try:
            major, minor = (int(x) for x in py.split(".")[:2])
        except ValueError:
            return ", ".join(d.targets)
        if not sep or plat not in plats:
            return ", ".join(d.targets)
        parsed.append(Target(plats[plat], (major, minor)))
    return describe(parsed)


def _source_line(d: Diagnostic, sources: dict[str, str]) -> str | None:
    from torchlint.report.excerpt import source_line, window

    loc = d.location
    raw = source_line(sources.get(loc.filename), loc.row)
    if raw is None:
        return None
    end = loc.end_column if loc.end_row == loc.row else len(raw) + 1
    return redact_text(window(raw, loc.column, end)[0])


def render(result: CheckResult, sources: dict[str, str]) -> str:
    from torchlint import __version__
    from torchlint.matrix.build import project_matrix
    from torchlint.matrix.html import environment

    counts = {s: sum(1 for d in result.diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            version=__version__,
            files=result.files,
            counts=counts,
            total=len(result.diagnostics),
            hidden=getattr(result, "hidden", 0),
            basis=basis(result),
            diagnostics=result.diagnostics,
            matrices=[project_matrix(ctx, res) for ctx, res in getattr(result, "models", [])],
            targets_of=targets_of,
            source_line=lambda d: _source_line(d, sources),
        )
    )

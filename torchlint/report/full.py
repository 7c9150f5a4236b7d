"""``--output-format full`` (default): each diagnostic with a source excerpt, caret, evidence and help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchlint.index.urls import redact_text
from torchlint.report.concise import line as header
from torchlint.report.excerpt import source_line, window
from torchlint.report.style import paint
from torchlint.report.summary import basis, counts

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic


def _excerpt(d: Diagnostic, text: str | None, color: bool) -> list[str]:
    loc = d.location
    raw = source_line(text, loc.row)
    if raw is None:
        return []
    end = loc.end_column if loc.end_row == loc.row else len(raw) + 1
    shown, column, end = window(raw, loc.column, end)
    src = redact_text(shown.replace("\t", " "))
    width = len(str(loc.row))
    n = max(1, min(end, len(src) + 1) - column)
    gutter = " " * width
    caret = paint("^" * n, "red", "bold", color=color)
    return [
        f"{gutter} |",
        f"{loc.row} | {src}",
        f"{gutter} | {' ' * (column - 1)}{caret}",
        f"{gutter} |",
    ]


def render(result: CheckResult, sources: dict[str, str], color: bool = False) -> str:
    out: list[str] = []
    for d in result.diagnostics:
        out.append(header(d, color))
        out.extend(_excerpt(d, sources.get(d.location.filename), color))
        pad = " " * (len(str(d.location.row)) + 1)
        summary = d.extra.get("targets_summary")
        if summary:
            out.append(f"{pad}= targets: {summary}")
        for ev in d.evidence:
            out.append(f"{pad}= evidence: {ev}")
        for rel in d.related:
            out.append(
                f"{pad}= note: {rel.message} at {rel.location.filename}:{rel.location.row}:{rel.location.column}"
            )
        if d.help:
            out.append(f"{pad}= {paint('help', 'cyan', 'bold', color=color)}: {d.help}")
        out.append("")
    out.append(counts(result))
    out.extend(basis(result))
    return "\n".join(out) + "\n"

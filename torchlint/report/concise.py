"""``--output-format concise``: one line per diagnostic, ``path:row:col: CODE [severity] message``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchlint.report.style import SEVERITY_STYLE, paint
from torchlint.report.summary import basis, counts

if TYPE_CHECKING:
    from torchlint.check import CheckResult


def line(d: object, color: bool) -> str:
    from torchlint.diagnostics import Diagnostic

    assert isinstance(d, Diagnostic)
    loc = d.location
    sev = paint(d.severity, *SEVERITY_STYLE[d.severity], color=color)
    code = paint(d.code, "bold", color=color)
    return f"{loc.filename}:{loc.row}:{loc.column}: {code} [{sev}] {d.message}"


def render(result: CheckResult, color: bool = False) -> str:
    out = [line(d, color) for d in result.diagnostics]
    out.append(counts(result))
    out.extend(basis(result))
    return "\n".join(out) + "\n"

"""What ``--fix``, ``--unsafe-fixes``, ``--diff`` and ``--show-fixes`` do, as one function the CLI calls.

``--diff`` shows exactly what ``--fix`` would write (same selection, same code path) and writes
nothing; its exit code is 1 when there is a diff. ``--fix`` writes, then checks the files again,
so the report shows what remains (as ruff does: "N fixed, M remaining").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.fix.apply import FixError
from torchlint.fix.run import FileFix, applicable, plan_fixes, write_fixes

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic


@dataclass
class FixFlow:
    result: CheckResult
    files: list[FileFix] = field(default_factory=list)
    diff: str = ""
    fixed: list[Diagnostic] = field(default_factory=list)
    refused: list[tuple[Diagnostic, str]] = field(default_factory=list)

    @property
    def n_fixed(self) -> int:
        return len(self.fixed)


def run_fix_flow(
    result: CheckResult, *, write: bool, unsafe: bool, recheck: Callable[[], CheckResult]
) -> FixFlow:
    """Plan fixes for *result*; write them (and re-check) when *write*, else build the diff."""
    files = plan_fixes(result, unsafe)
    flow = FixFlow(result, files)
    for ff in files:
        flow.fixed.extend(ff.fixed)
        flow.refused.extend(ff.refused)
    if not write:
        flow.diff = "".join(ff.diff() for ff in files if ff.changed)
        return flow
    write_fixes(files)
    if any(ff.changed for ff in files):
        flow.result = recheck()
    return flow


def fix_summary(flow: FixFlow, *, wrote: bool) -> list[str]:
    """Lines for the end of a human report."""
    lines = []
    remaining = len(flow.result.diagnostics)
    if wrote:
        lines.append(f"Fixed {flow.n_fixed} finding(s); {remaining} remaining.")
    elif flow.n_fixed:
        lines.append(f"Would fix {flow.n_fixed} finding(s).")
    for d, why in flow.refused:
        lines.append(f"Not fixed {d.code} at {d.location.filename}:{d.location.row}: {why}.")
    return lines


def fixable_hint(result: CheckResult, unsafe: bool) -> str | None:
    """ruff's footer: how many findings --fix would repair, and how many need --unsafe-fixes."""
    safe = sum(1 for d in result.diagnostics if applicable(d.fix, False))
    hidden = sum(1 for d in result.diagnostics if applicable(d.fix, True)) - safe
    if unsafe:
        safe, hidden = safe + hidden, 0
    if not safe and not hidden:
        return None
    text = f"[*] {safe} fixable with the --fix option"
    if hidden:
        text += f" ({hidden} hidden fixes can be enabled with the --unsafe-fixes option)"
    return text + "."


__all__ = ["FixError", "FixFlow", "fix_summary", "fixable_hint", "run_fix_flow"]

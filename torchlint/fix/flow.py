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
from torchlint.fix.run import FileFix, applicable, fix_signature, plan_fixes, write_fixes

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
    #: Rounds of the fixpoint that changed files (``--fix``).
    rounds: int = 0
    #: Fixes that keep reappearing, or a fixpoint that did not settle (one line each).
    bugs: list[str] = field(default_factory=list)

    @property
    def n_fixed(self) -> int:
        return len(self.fixed)


#: Rounds of fix, write, re-check before ``--fix`` stops (ruff stops at 100; ours converge in 2-3).
MAX_ROUNDS = 10


def run_fix_flow(
    result: CheckResult, *, write: bool, unsafe: bool, recheck: Callable[[], CheckResult]
) -> FixFlow:
    """Plan fixes for *result*; with *write*, apply them as a fixpoint, else build the diff.

    ``--fix``: apply the non-overlapping applicable fixes, write, check again, and repeat while
    a round changes something (at most :data:`MAX_ROUNDS`). A fix applied in a round that is
    applicable again in a later one would loop: it is reported as a bug and not applied again.
    ``--diff`` runs the same rounds on the texts in memory (``tomlfile.OVERLAY``: the checks of
    later rounds read them instead of the files) and shows the result against the files; nothing
    is written.
    """
    if write:
        return _fixpoint(result, unsafe, recheck, write_fixes)
    from torchlint.fix.apply import unified_diff
    from torchlint.project.tomlfile import OVERLAY

    originals: dict[str, tuple[str, str]] = {}  # real path -> (display, text as read)

    def in_memory(files: list[FileFix]) -> None:
        import os

        for ff in files:
            if ff.changed:
                real = os.path.realpath(ff.path)
                originals.setdefault(real, (ff.display, ff.source.text))
                OVERLAY[real] = ff.source.encode(ff.new_text)

    try:
        flow = _fixpoint(result, unsafe, recheck, in_memory)
        finals = {real: OVERLAY[real] for real in originals}
    finally:
        OVERLAY.clear()
    parts = []
    for real, (display, old) in originals.items():
        new = finals[real].removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        parts.append(unified_diff(old, new, display))
    flow.diff = "".join(parts)
    flow.result = result  # --diff reports the findings of the files as they are
    return flow


def _fixpoint(
    result: CheckResult,
    unsafe: bool,
    recheck: Callable[[], CheckResult],
    persist: Callable[[list[FileFix]], None],
) -> FixFlow:
    files = plan_fixes(result, unsafe)
    flow = FixFlow(result, files)
    applied: dict[tuple[str, str, str], int] = {}
    looping: set[tuple[str, str, str]] = set()
    for _round in range(MAX_ROUNDS):
        for ff in files:
            flow.fixed.extend(ff.fixed)
            flow.refused.extend(ff.refused)
        if not any(ff.changed for ff in files):
            break
        persist(files)
        for ff in files:
            for d in ff.fixed:
                sig = fix_signature(d)
                applied[sig] = applied.get(sig, 0) + 1
        flow.rounds += 1
        flow.result = recheck()
        again = {fix_signature(d) for d in flow.result.diagnostics if applicable(d.fix, unsafe)}
        for sig in again & set(applied):
            if sig not in looping:
                looping.add(sig)
                flow.bugs.append(
                    f"{sig[0]} at {sig[1]}: the fix `{sig[2]}` was applied and is proposed again; "
                    "not applying it again (a torchlint bug, please report it)"
                )
        files = plan_fixes(flow.result, unsafe, skip=looping)
    else:
        flow.bugs.append(
            f"fixes still changed the files after {MAX_ROUNDS} rounds; stopped (please report it)"
        )
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
    for bug in flow.bugs:
        lines.append(f"Fix loop: {bug}.")
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

"""From a check result to fixed files: select fixes by safety, apply per file, diff or write.

``--fix`` applies safe fixes, ``--unsafe-fixes`` adds unsafe ones, display-only fixes are only
shown. ``--diff`` computes the same result and prints it instead of writing.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.diagnostics import Diagnostic, Edit, Fix, Location
from torchlint.fix.apply import (
    FixError,
    SourceBytes,
    apply_fixes,
    changed_span,
    offset_to_row_col,
    unified_diff,
    write_atomic,
)

if TYPE_CHECKING:
    from torchlint.check import CheckResult


@dataclass
class FileFix:
    path: str
    display: str
    source: SourceBytes
    new_text: str
    fixed: list[Diagnostic] = field(default_factory=list)
    refused: list[tuple[Diagnostic, str]] = field(default_factory=list)
    #: Applicable fixes left for the next round (they touch what a fix of this round touches).
    deferred: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new_text != self.source.text

    def diff(self) -> str:
        return unified_diff(self.source.text, self.new_text, self.display)


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None or not fix.ops:
        return False
    return fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe")


def fix_signature(d: Diagnostic) -> tuple[str, str, str]:
    """What identifies a fix across rounds (rows move as earlier fixes add lines)."""
    return (d.code, d.location.filename, d.fix.message if d.fix is not None else "")


def plan_fixes(
    result: CheckResult, unsafe: bool, skip: Collection[tuple[str, str, str]] = ()
) -> list[FileFix]:
    """Apply the selected, non-overlapping fixes in memory, file by file (nothing is written).

    Fixes touching a place another fix of the round touches wait (``deferred``): the next round
    of the fixpoint re-checks the file and builds them from the edited text.
    """
    from torchlint.fix.footprint import non_overlapping

    by_file: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        if applicable(d.fix, unsafe) and fix_signature(d) not in skip:
            by_file.setdefault(d.location.filename, []).append(d)
    out = []
    for display, diags in by_file.items():
        path = os.path.abspath(display)
        src = SourceBytes.read(path)
        diags.sort(key=lambda d: (d.location.row, d.location.column, d.code))
        chosen, deferred = non_overlapping([d.fix.ops if d.fix is not None else () for d in diags])
        now = [diags[i] for i in chosen]
        outcome = apply_fixes(src.text, [d.fix.ops for d in now if d.fix is not None], crlf=src.crlf)
        ff = FileFix(path, display, src, outcome.text)
        ff.fixed = [now[i] for i in outcome.applied]
        ff.refused = [(now[i], why) for i, why in outcome.refused]
        ff.deferred = [diags[i] for i in deferred]
        out.append(ff)
    return out


def write_fixes(files: Sequence[FileFix]) -> None:
    for ff in files:
        if ff.changed:
            write_atomic(ff.source, ff.new_text)


def attach_edits(result: CheckResult) -> None:
    """Fill each fix's ``edits`` (one text replacement) from the file, for JSON and --show-fixes."""
    texts: dict[str, SourceBytes | None] = {}
    for d in result.diagnostics:
        fix = d.fix
        if fix is None or not fix.ops or fix.edits:
            continue
        name = d.location.filename
        if name not in texts:
            try:
                texts[name] = SourceBytes.read(os.path.abspath(name))
            except FixError:
                texts[name] = None
        src = texts[name]
        if src is None:
            continue
        try:
            outcome = apply_fixes(src.text, [fix.ops], crlf=src.crlf)
        except FixError:
            continue
        if not outcome.changed:
            continue
        edits = tuple(
            Edit(
                content,
                Location(name, *offset_to_row_col(src.text, start), *offset_to_row_col(src.text, end)),
            )
            for start, end, content in changed_spans(src.text, outcome.text)
        )
        d.fix = Fix(fix.applicability, fix.message, edits, fix.ops)


def changed_spans(old: str, new: str) -> list[tuple[int, int, str]]:
    """One (start, end, replacement) per changed hunk of lines, each trimmed to what changed.

    A fix that edits two places (a source entry and its index) gives two edits, not one span
    over everything between them (which would repeat untouched text, credentials included).
    """
    import difflib

    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    out = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        s, e, content = changed_span("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]))
        out.append((starts[i1] + s, starts[i1] + e, content))
    return out

"""Suppression comments in the checked TOML files.

* ``# torchlint: ignore[TL101]`` (several codes comma-separated; ``# torchlint: ignore`` alone
  means every code) at the end of the line a diagnostic points at, or alone on the line above it;
* ``# noqa: TL101`` (flake8's spelling; a bare ``# noqa`` means every code), same placement;
* ``# torchlint: file-ignore[TL101]`` (or bare) before the first table header: the whole file.

:func:`apply` runs after the rules: it drops suppressed diagnostics and, when TL900 is enabled,
reports each suppression that suppressed nothing or names an unknown code (rule TL900
``unused-suppression``). Codes in ``noqa`` comments that are not torchlint's (``E501``) are
left alone. A directive that lists ``TL900`` also silences TL900 about itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from torchlint.diagnostics import Diagnostic, Location

if TYPE_CHECKING:
    from torchlint.project.model import SourceFile

_TORCHLINT = re.compile(r"#\s*torchlint\s*:\s*(file-ignore|ignore)\b(?:\[([^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*([A-Za-z]+[0-9]+(?:\s*,?\s*[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z]+[0-9]+$")

Kind = Literal["line", "file"]


@dataclass
class Directive:
    """One suppression comment."""

    kind: Kind
    #: Upper-cased codes; empty means every code.
    codes: tuple[str, ...]
    filename: str
    line: int
    column: int
    end_column: int
    #: The row it covers (its own line, or the next one for a comment alone on its line); 0 = file.
    covers: int
    #: False for a ``file-ignore`` below the first table header (it has no effect).
    effective: bool = True
    used: set[str] = field(default_factory=set)

    @property
    def text_location(self) -> Location:
        return Location(self.filename, self.line, self.column, self.line, self.end_column)

    def matches(self, diag: Diagnostic) -> bool:
        if not self.effective or diag.location.filename != self.filename:
            return False
        if self.kind == "line" and diag.location.row != self.covers:
            return False
        return not self.codes or diag.code in self.codes


def _first_header_line(sf: SourceFile) -> int:
    lines = [span.line for p in sf.positions.paths() if (span := sf.positions.header(p)) is not None]
    return min(lines) if lines else len(sf.text.splitlines()) + 1


def parse(sf: SourceFile) -> list[Directive]:
    """Every suppression directive in *sf*, in line order."""
    comments = sf.positions.comments()
    if not comments:
        return []
    lines = sf.text.splitlines()
    first_header = _first_header_line(sf)
    out: list[Directive] = []
    for line_no in sorted(comments):
        text = comments[line_no]
        src = lines[line_no - 1] if 0 < line_no <= len(lines) else text
        start = src.rfind(text)
        col0 = start if start >= 0 else 0
        alone = not src[:col0].strip()
        for m in _TORCHLINT.finditer(text):
            kind: Kind = "file" if m.group(1).lower() == "file-ignore" else "line"
            codes = tuple(c.strip().upper() for c in (m.group(2) or "").split(",") if c.strip())
            d = Directive(
                kind=kind,
                codes=codes,
                filename=sf.display,
                line=line_no,
                column=col0 + m.start() + 1,
                end_column=col0 + m.end() + 1,
                covers=0 if kind == "file" else (line_no + 1 if alone else line_no),
                effective=kind == "line" or line_no < first_header,
            )
            out.append(d)
        for m in _NOQA.finditer(text):
            raw = re.split(r"[\s,]+", m.group(1) or "")
            codes = tuple(c.upper() for c in raw if c)
            if codes and not any(c.startswith("TL") for c in codes):
                continue  # another tool's noqa
            out.append(
                Directive(
                    kind="line",
                    codes=tuple(c for c in codes if c.startswith("TL")),
                    filename=sf.display,
                    line=line_no,
                    column=col0 + m.start() + 1,
                    end_column=col0 + m.end() + 1,
                    covers=line_no + 1 if alone else line_no,
                )
            )
    return out


@dataclass
class Outcome:
    kept: list[Diagnostic]
    suppressed: int
    unused: list[Diagnostic]


def apply(
    files: Iterable[SourceFile],
    diagnostics: Sequence[Diagnostic],
    *,
    known: Iterable[str],
    active: Iterable[str],
    report_unused: bool,
    complete: bool,
) -> Outcome:
    """Drop suppressed diagnostics; report unused suppressions when *report_unused*.

    *known* are every rule code, *active* the codes whose rules ran in this run; a code that did
    not run cannot be called unused. A bare directive (every code) is reported unused only when
    *complete* (every rule ran).
    """
    directives = [d for sf in files for d in parse(sf)]
    if not directives:
        return Outcome(list(diagnostics), 0, [])
    kept = []
    suppressed = 0
    for diag in diagnostics:
        hit = [d for d in directives if d.matches(diag)]
        if not hit:
            kept.append(diag)
            continue
        suppressed += 1
        for d in hit:
            d.used.add(diag.code)
    unused: list[Diagnostic] = []
    if report_unused:
        known_set, active_set = set(known), set(active)
        for d in directives:
            report = _unused(d, known_set, active_set, complete)
            if report is not None:
                unused.append(report)
        unused = [
            u
            for u in unused
            if not any(
                d.kind == "file" and d.effective and d.filename == u.location.filename and "TL900" in d.codes
                for d in directives
            )
        ]
    return Outcome(kept, suppressed, unused)


def _unused(d: Directive, known: set[str], active: set[str], complete: bool) -> Diagnostic | None:
    from torchlint.rules.tl900_unused_suppression import RULE

    what = "file-level suppression" if d.kind == "file" else "suppression"
    if "TL900" in d.codes:
        return None
    message: str
    help_: str
    if not d.effective:
        message = f"{what} below the first table header has no effect"
        help_ = "move it to the top of the file, before the first `[table]` header"
    elif unknown := [c for c in d.codes if c not in known]:
        from difflib import get_close_matches

        close = get_close_matches(unknown[0], sorted(known), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else " (see `torchlint rules`)"
        message = (
            f"{what} names unknown rule code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{hint}"
        )
        help_ = "remove the unknown code from the comment"
    elif not d.codes:
        if d.used or not complete:
            return None
        place = "in this file" if d.kind == "file" else f"on line {d.covers}"
        message = f"unused {what}: no diagnostic {place} to ignore"
        help_ = "remove the comment"
    else:
        idle = [c for c in d.codes if c in active and c not in d.used]
        if not idle:
            return None
        place = "in this file" if d.kind == "file" else f"on line {d.covers}"
        message = f"unused {what}: no {', '.join(idle)} diagnostic {place}"
        help_ = (
            "remove the comment"
            if len(idle) == len(d.codes)
            else f"remove {', '.join(idle)} from the comment"
        )
    return Diagnostic(
        code=RULE.code,
        name=RULE.name,
        severity=RULE.severity,
        message=message,
        location=d.text_location,
        help=help_,
    )

"""Bounded diagnostics: no finding's text grows with the input.

A value a rule quotes can be as large as the file (a requirement string of a megabyte, an
inline table of 100,000 keys): a diagnostic whose text (message, help, evidence, related notes,
fix message) is over :data:`MAX_TEXT` characters is cut down field by field, each quoted piece
ending in ``…``, with a count of what was left out. Diagnostics under the bound are unchanged.
"""

from __future__ import annotations

from dataclasses import replace

from torchlint.diagnostics import Diagnostic, Fix, Related

#: Most characters of text one diagnostic carries (message, help, evidence, notes, fix message).
MAX_TEXT = 2000
_MESSAGE = 700
_HELP = 300
_ITEM = 200
_FIX = 200
ELLIPSIS = "…"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def text_size(d: Diagnostic) -> int:
    return (
        len(d.message)
        + len(d.help or "")
        + sum(len(e) for e in d.evidence)
        + sum(len(r.message) for r in d.related)
        + (len(d.fix.message) if d.fix is not None else 0)
    )


def bounded(d: Diagnostic) -> Diagnostic:
    """*d* itself when within :data:`MAX_TEXT`, else a copy cut to fit."""
    if text_size(d) <= MAX_TEXT:
        return d
    message = _cut(d.message, _MESSAGE)
    help_text = _cut(d.help, _HELP) if d.help else d.help
    fix = d.fix
    if fix is not None and len(fix.message) > _FIX:
        fix = Fix(fix.applicability, _cut(fix.message, _FIX), fix.edits, fix.ops)
    budget = MAX_TEXT - len(message) - len(help_text or "") - (len(fix.message) if fix else 0)
    evidence: list[str] = []
    for i, e in enumerate(d.evidence):
        piece = _cut(e, _ITEM)
        if len(piece) + 40 > budget:
            evidence.append(f"… and {len(d.evidence) - i} more")
            budget -= len(evidence[-1])
            break
        evidence.append(piece)
        budget -= len(piece)
    related: list[Related] = []
    for r in d.related:
        piece = _cut(r.message, _ITEM)
        if len(piece) + 40 > budget:
            break
        related.append(Related(piece, r.location))
        budget -= len(piece)
    if len(related) < len(d.related) and related:
        last = related[-1]
        related[-1] = Related(
            f"{last.message} (and {len(d.related) - len(related)} more places)", last.location
        )
    return replace(
        d, message=message, help=help_text, evidence=tuple(evidence), related=tuple(related), fix=fix
    )


#: Findings of one rule on one line shown one by one; the rest are counted in one more.
MAX_PER_LINE = 20


def capped_per_line(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """At most :data:`MAX_PER_LINE` findings of a rule per line, then one that counts the rest.

    A line with 100,000 unknown keys (one inline table) would otherwise produce 100,000
    findings and tens of megabytes of output; the exit code is kept (the summary finding has
    the most severe severity of those it stands for).
    """
    from torchlint.diagnostics import SEVERITY_ORDER

    groups: dict[tuple[str, int, str], list[int]] = {}
    for i, d in enumerate(diagnostics):
        groups.setdefault((d.location.filename, d.location.row, d.code), []).append(i)
    drop: set[int] = set()
    summaries: dict[int, Diagnostic] = {}
    for (_file, _row, code), idx in groups.items():
        if len(idx) <= MAX_PER_LINE:
            continue
        rest = idx[MAX_PER_LINE - 1 :]
        worst = min((diagnostics[i] for i in rest), key=lambda d: SEVERITY_ORDER[d.severity])
        first = diagnostics[rest[0]]
        summaries[rest[0]] = replace(
            first,
            severity=worst.severity,
            message=f"{len(rest)} more {code} findings on this line, not shown one by one; the first: "
            + _cut(first.message, 300),
            evidence=(),
            related=(),
            fix=None,
        )
        drop.update(rest[1:])
    if not summaries:
        return diagnostics
    return [summaries.get(i, d) for i, d in enumerate(diagnostics) if i not in drop]

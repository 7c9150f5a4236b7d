"""The matrix as a terminal table that fits 100 columns.

One row per platform and run of Pythons with the same answer; one column per package (version
and index), coloured by backend when the stream is a terminal (``--color``, ``NO_COLOR``). When the
packages do not fit side by side, they are split into several tables that repeat the target
column, and a cell too wide for its column wraps at spaces. Gaps are listed under the table with
their reason, one line each (wrapped).
"""

from __future__ import annotations

import textwrap

from torchlint.matrix.build import Cell, Matrix, ProjectMatrix, Row, Section, gap_groups
from torchlint.report.style import paint

WIDTH = 100
GAP = "  "
#: Colour per backend kind; gaps are red.
BACKEND_STYLE = {
    "cpu": ("blue",),
    "cuda": ("green",),
    "rocm": ("magenta",),
    "xpu": ("cyan",),
    "default": (),
    "other": ("yellow",),
}
INTENT_WORDS = {"required": "required", "explicit": "yes", "inferred": "yes", "no": "no"}


def render(matrix: Matrix, color: bool = False, width: int = WIDTH) -> str:
    out: list[str] = []
    for i, pm in enumerate(matrix.projects):
        if i:
            out.append("")
        out.extend(_project(pm, color, width))
    out.append("")
    out.extend(matrix.basis)
    return "\n".join(out) + "\n"


def _project(pm: ProjectMatrix, color: bool, width: int) -> list[str]:
    mode = {
        "universal": "one universal lock",
        "lenient": "one lock",
        "per-target": "resolved per target",
    }.get(pm.mode, pm.mode)
    lines = [paint(f"{pm.file}", "bold", color=color) + f" ({pm.manager}, {mode})"]
    if pm.lock_fails:
        lines.append(paint("The lock fails: no target gets anything until it is fixed.", "red", color=color))
    if not pm.packages:
        lines.append("No torch-family package is routed by this configuration.")
        return lines
    for sec in pm.sections:
        lines.append("")
        if len(pm.sections) > 1:
            lines.append(paint(_section_title(sec), "bold", color=color))
        lines.extend(_table(sec, pm.packages, color, width))
        lines.extend(_gaps(sec, color, width))
    lines.append("")
    lines.append(
        "intended: required = named by required-environments or --target / [tool.torchlint] targets;"
    )
    lines.append("no = nothing in the configuration asks for this target (gaps there are not findings).")
    return lines


def _section_title(sec: Section) -> str:
    if not sec.chosen:
        return "Without conflicting extras or groups (base fork)"
    flags = " ".join(f"--{kind} {name}" for kind, name in sec.chosen)
    return f"With `{flags}`"


def _target_text(row: Row) -> str:
    return f"{row.platform} {row.python_text}"


def _table(sec: Section, packages: list[str], color: bool, width: int) -> list[str]:
    rows = sec.rows
    used = [p for p in packages if any(r.cells.get(p) is not None for r in rows)]
    tw = max([len("target"), *(len(_target_text(r)) for r in rows)])
    iw = max([len("intended"), *(len(INTENT_WORDS[r.intent]) for r in rows)])
    fixed = tw + len(GAP) + iw
    room = width - fixed - len(GAP)
    natural = {p: max([len(p), *(len(_cell_text(r.cells.get(p))) for r in rows)]) for p in used}
    # pack package columns into blocks that fit; each block repeats the target column
    blocks: list[list[str]] = [[]]
    left = room
    for p in used:
        w = min(natural[p], room)
        if blocks[-1] and w + len(GAP) > left:
            blocks.append([])
            left = room
        blocks[-1].append(p)
        left -= w + len(GAP)
    out: list[str] = []
    for b, block in enumerate(blocks):
        if b:
            out.append("")
        widths = {p: min(natural[p], room) for p in block}
        head = ["target".ljust(tw), "intended".ljust(iw), *(p.ljust(widths[p]) for p in block)]
        out.append(paint(GAP.join(head).rstrip(), "bold", color=color))
        for r in rows:
            wrapped = {p: _wrap(_cell_text(r.cells.get(p)), widths[p]) for p in block}
            height = max(len(v) for v in wrapped.values())
            for k in range(height):
                parts = [
                    (_target_text(r) if k == 0 else "").ljust(tw),
                    (INTENT_WORDS[r.intent] if k == 0 else "").ljust(iw),
                ]
                for p in block:
                    text = (wrapped[p][k] if k < len(wrapped[p]) else "").rstrip()
                    pad = "" if p == block[-1] else " " * (widths[p] - len(text))
                    parts.append(_paint_cell(text, r.cells.get(p), color) + pad)
                out.append(GAP.join(parts).rstrip())
    return out


def _cell_text(cell: Cell | None) -> str:
    return "-" if cell is None else cell.short


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [text]


def _paint_cell(text: str, cell: Cell | None, color: bool) -> str:
    if not color or cell is None or not text.strip():
        return text
    if cell.status == "ok":
        return paint(text, *BACKEND_STYLE.get(cell.backend_kind or "default", ()), color=color)
    if cell.status == "unknown":
        return paint(text, "yellow", color=color)
    return paint(text, "red", "bold", color=color) if cell.intent != "no" else paint(text, "red", color=color)


def _gaps(sec: Section, color: bool, width: int) -> list[str]:
    groups = gap_groups(sec)
    if not groups:
        return []
    out = ["", paint("Gaps:", "bold", color=color)]
    for g in groups:
        head = f"{g.package} on {g.where}" + ("" if g.intended else " (not intended)")
        out.extend(
            textwrap.wrap(
                f"{head}: {g.reason}",
                width,
                initial_indent="  ",
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
        )
    return out

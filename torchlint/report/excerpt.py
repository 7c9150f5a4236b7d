"""Source excerpts with bounded cost and size, shared by the formats that show source lines.

A diagnostic on a 1 MB line (a 100,000-key inline table) must not print the megabyte, and a
report with thousands of diagnostics on a 10 MB file must not split the file once per
diagnostic: lines are found through one table of line starts per file, and a long line is cut
to a window of at most :data:`WINDOW` characters around the reported column.
"""

from __future__ import annotations

#: Longest excerpt shown (characters); longer lines are cut around the column.
WINDOW = 200
#: Characters kept before the column when a line is cut.
LEAD = 60
ELLIPSIS = "…"

_STARTS: dict[int, tuple[str, list[int]]] = {}


def _line_starts(text: str) -> list[int]:
    hit = _STARTS.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    if len(_STARTS) > 64:
        _STARTS.clear()
    _STARTS[id(text)] = (text, starts)
    return starts


def source_line(text: str | None, row: int) -> str | None:
    """Line *row* (1-based) of *text*, without its line ending; None when out of range."""
    if text is None or row < 1:
        return None
    starts = _line_starts(text)
    if row > len(starts) or (row == len(starts) and starts[-1] >= len(text)):
        return None
    start = starts[row - 1]
    end = starts[row] - 1 if row < len(starts) else len(text)
    return text[start:end].rstrip("\r")


def window(line: str, column: int, end_column: int) -> tuple[str, int, int]:
    """(shown text, column, end column) with the line cut to at most about WINDOW characters.

    Columns are 1-based, end exclusive; the returned columns point into the shown text.
    """
    if len(line) <= WINDOW:
        return line, column, end_column
    start = max(0, column - 1 - LEAD)
    stop = min(len(line), start + WINDOW)
    shown = line[start:stop]
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if stop < len(line) else ""
    col = column - start + len(prefix)
    end = min(end_column - start, len(shown) + 1) + len(prefix)
    return prefix + shown + suffix, col, max(end, col + 1)

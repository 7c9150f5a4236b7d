"""Which part of a document a fix's operations touch, so one round applies no two fixes that
touch the same place (ruff's model: apply the non-overlapping fixes, check again, repeat).

A footprint is a TOML path; two footprints overlap when one is a prefix of the other. A fix
that adds ``[tool.uv.sources]`` entries copies what the existing entries say (markers, index
names), so it also waits while another fix of the round edits an existing source entry: the
next round builds it from the edited entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Path = tuple[Any, ...]
SOURCES: Path = ("tool", "uv", "sources")


def footprints(op: Any) -> list[Path]:
    """The TOML paths an operation changes (a rename: the old key and the new one)."""
    if type(op).__name__ == "RenameKey":
        return [(*op.table, op.old), (*op.table, op.new)]
    return [footprint(op)]


def footprint(op: Any) -> Path:
    """The TOML path an operation changes (the whole document when unknown)."""
    kind = type(op).__name__
    if kind == "AddSource":
        return (*SOURCES, op.package)
    if kind == "AddIndex":
        return ("tool", "uv", "index", op.name)  # appends its own element
    if kind == "AddConflict":
        return ("tool", "uv", "conflicts")
    if kind == "RenameKey":
        return tuple(op.table)
    if hasattr(op, "table") and hasattr(op, "key"):
        return (*op.table, op.key)
    if hasattr(op, "path"):
        return tuple(op.path)
    if hasattr(op, "array"):
        return tuple(op.array)
    return ()


def overlaps(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def adds_sources(ops: Iterable[Any]) -> bool:
    return any(type(op).__name__ == "AddSource" for op in ops)


def edits_sources(ops: Iterable[Any]) -> bool:
    """Edits an existing source entry (not only adds new ones)."""
    return any(
        type(op).__name__ != "AddSource" and footprint(op)[:3] == SOURCES and len(footprint(op)) > 3
        for op in ops
    )


def non_overlapping(fixes: Sequence[tuple[Any, ...]]) -> tuple[list[int], list[int]]:
    """(indexes applied this round, indexes deferred to the next), in the given order."""
    some_edit = [edits_sources(ops) for ops in fixes]
    taken: list[Path] = []
    chosen: list[int] = []
    deferred: list[int] = []
    for i, ops in enumerate(fixes):
        prints = [p for op in ops for p in footprints(op)]
        waits = adds_sources(ops) and any(e for j, e in enumerate(some_edit) if j != i)
        if waits or any(overlaps(p, t) for p in prints for t in taken):
            deferred.append(i)
            continue
        chosen.append(i)
        taken.extend(prints)
    return chosen, deferred

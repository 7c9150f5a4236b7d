"""Building blocks rules use to describe their fixes in terms of the Project model.

They translate model objects (a requirement's scope, a source entry, an index definition) back to
TOML paths in the user's file, using the keys exactly as the user spelled them.
"""

from __future__ import annotations

from typing import Any

from torchlint.fix.ops import AddSource, AppendString, Op, SetValue, TomlPath
from torchlint.project.model import IndexDef, Project, Scope, SourceEntry
from torchlint.project.requirements import canonical

SOURCE_KEYS = ("index", "marker", "extra", "group")


def _raw_key(table: Any, name: str) -> str | None:
    if not isinstance(table, dict):
        return None
    for key in table:
        if canonical(str(key)) == name:
            return str(key)
    return None


def scope_array(project: Project, scope: Scope) -> TomlPath | None:
    """The array a requirement of *scope* lives in (``project.dependencies``, an extra, a group)."""
    data = project.file.data
    if scope.kind == "project":
        return (
            ("project", "dependencies")
            if isinstance(data.get("project", {}).get("dependencies"), list)
            else None
        )
    if scope.kind == "extra" and scope.name:
        opt = data.get("project", {}).get("optional-dependencies")
        key = _raw_key(opt, scope.name)
        return ("project", "optional-dependencies", key) if key else None
    if scope.kind == "group" and scope.name:
        key = _raw_key(data.get("dependency-groups"), scope.name)
        return ("dependency-groups", key) if key else None
    return None


def source_path(project: Project, entry: SourceEntry) -> TomlPath | None:
    """The TOML path of one sources entry (the inline table)."""
    sources = project.file.data.get("tool", {}).get("uv", {}).get("sources")
    key = _raw_key(sources, entry.package)
    if key is None:
        return None
    return ("tool", "uv", "sources", key, entry.position) if entry.in_list else ("tool", "uv", "sources", key)


def index_path(project: Project, index: IndexDef) -> TomlPath | None:
    """The TOML path of a ``[[tool.uv.index]]`` element defined in the pyproject."""
    if index.origin != "[[tool.uv.index]]":
        return None
    items = project.file.data.get("tool", {}).get("uv", {}).get("index")
    if not isinstance(items, list):
        return None
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("url") == index.url and item.get("name") == index.name:
            return ("tool", "uv", "index", i)
    return None


def entry_like(entry: SourceEntry) -> tuple[tuple[str, str], ...]:
    """A sources entry with the same index/marker/extra/group as *entry* (for another package)."""
    raw = entry.raw
    return tuple((k, str(raw[k])) for k in SOURCE_KEYS if isinstance(raw.get(k), str))


def declare(project: Project, scope: Scope, requirement: str) -> Op | None:
    path = scope_array(project, scope)
    return None if path is None else AppendString(path, requirement)


def route(package: str, entries: list[tuple[tuple[str, str], ...]]) -> Op:
    return AddSource(package, tuple(entries))


def set_in(path: TomlPath, key: str, value: str | bool) -> Op:
    return SetValue(path, key, value)

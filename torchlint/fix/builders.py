"""Building blocks rules use to describe their fixes in terms of the Project model.

They translate model objects (a requirement's scope, a source entry, an index definition) back to
TOML paths in the user's file, using the keys exactly as the user spelled them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from torchlint.fix.ops import (
    AddIndex,
    AddSource,
    AppendString,
    Op,
    RemoveKey,
    RemoveString,
    SetValue,
    TomlPath,
)
from torchlint.index.urls import PytorchIndex, parse_pytorch_url
from torchlint.project.model import IndexDef, Project, Scope, SourceEntry, SourceFile, dotted
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


def remove(path: TomlPath, key: str) -> Op:
    return RemoveKey(path, key)


def source_file(project: Project, display: str) -> SourceFile | None:
    """The loaded file a diagnostic's location names (the pyproject, or a ``uv.toml`` beside it)."""
    for sf in (project.file, *project.extra_files):
        if sf.display == display:
            return sf
    return None


def path_of(data: Any, dotted_path: str) -> TomlPath | None:
    """The TOML path whose dotted form (``tool.uv.index[0].explict``) is *dotted_path*.

    A dotted form is ambiguous when keys contain dots; then no path is returned.
    """
    found: list[TomlPath] = []

    def walk(node: Any, path: TomlPath) -> None:
        here = dotted(path)
        if path and not dotted_path.startswith(here):
            return
        if here == dotted_path and path:
            found.append(path)
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, str(k)))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(data, ())
    return found[0] if len(found) == 1 else None


def drop_url(path: TomlPath, value: Any, url: str) -> Op | None:
    """Remove *url* from the URL setting at *path* (a string, or one item of an array)."""
    if isinstance(value, str):
        return RemoveKey(path[:-1], str(path[-1])) if value == url else None
    if isinstance(value, list) and url in value:
        if all(v == url for v in value):
            return RemoveKey(path[:-1], str(path[-1]))
        return RemoveString(path, url)
    return None


_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def index_name_for(url: str, mirrors: dict[str, str] | None = None) -> str:
    """A name for an index at *url*: ``pytorch-cu124``, ``pytorch-nightly-cu128``, else from the host."""
    pt = parse_pytorch_url(url, mirrors)
    if pt is not None and not pt.flat and pt.variant:
        return "pytorch-" + ("" if pt.channel == "stable" else f"{pt.channel}-") + pt.variant
    if pt is not None:
        return "pytorch" if pt.channel == "stable" else f"pytorch-{pt.channel}"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        host = ""
    name = _NAME_CHARS.sub("-", host.replace(".", "-")).strip("-")
    return name or "index"


def variant_url(url: str, pt: PytorchIndex, variant: str) -> str | None:
    """The per-variant index beside a legacy page or the aggregated index, on the same host.

    ``.../whl/torch_stable.html`` -> ``.../whl/cu118``; ``.../whl/nightly/torch_nightly.html``
    -> ``.../whl/nightly/cu128``; ``.../whl`` -> ``.../whl/cu121``. Query and fragment are
    dropped (they belonged to the page).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    segs = [s for s in parts.path.split("/") if s]
    lowered = [s.lower() for s in segs]
    if "whl" not in lowered:
        return None
    head = segs[: lowered.index("whl") + 1]
    tail = ["" if pt.channel == "stable" else pt.channel, variant]
    path = "/" + "/".join([*head, *(t for t in tail if t)])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def route_to_new_index(
    project: Project,
    name: str,
    url: str,
    *,
    explicit: bool = True,
    fmt: str | None = None,
    default: bool = False,
) -> list[Op] | None:
    """Define ``[[tool.uv.index]]`` *name* at *url* (unless the same index is defined) and, for an
    explicit index, route every declared torch-family package without sources to it.

    ``None`` when another index already uses *name* (the fix would redefine it).
    """
    from torchlint.rules.common import TORCH_FAMILY

    ops: list[Op] = []
    same = [i for i in project.indexes if i.name == name]
    if any(i.url.rstrip("/") != url.rstrip("/") for i in same):
        return None
    if not same:
        items: list[tuple[str, str | bool]] = [("name", name), ("url", url)]
        if fmt:
            items.append(("format", fmt))
        if explicit:
            items.append(("explicit", True))
        if default:
            items.append(("default", True))
        ops.append(AddIndex(tuple(items)))
    if explicit:
        for package in sorted(project.declared_names() & TORCH_FAMILY):
            if not project.sources.get(package):
                ops.append(route(package, [(("index", name),)]))
    return ops

"""Edit operations a fix is made of, applied to a tomlkit document and to plain data alike.

A fix never rewrites a file's text by hand and never replaces a whole table: it is a short list of
these operations on leaf values, array items and new keys. Each operation can be applied to the
tomlkit document (which keeps comments, order, quoting and layout) and to the plain data tomllib
produced, so the result can be checked: re-parsing the written text must give exactly the data
the operations intended, or the fix is refused.

New values are created by parsing a snippet written in the file's own style (``{ index = "x" }``
with spaces, like the uv guide), because tomlkit renders inline tables it builds itself as
``{index = "x"}``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

TomlPath = tuple[str | int, ...]


class OpError(Exception):
    """The operation does not fit the document (a path is missing or has another type)."""


def _walk(root: Any, path: TomlPath) -> Any:
    node = root
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise OpError(f"no {'.'.join(map(str, path))}") from None
    return node


def toml_string(text: str) -> str:
    """A TOML basic string literal for *text* (what tomlkit and the uv guide write)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def inline_table_text(table: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {toml_string(v)}" for k, v in table.items()) + " }"


def _item(snippet: str) -> Any:
    import tomlkit

    return tomlkit.parse(f"v = {snippet}\n")["v"]


@dataclass(frozen=True)
class SetValue:
    """Set ``key`` in the table at ``table`` to a scalar (add the key if missing)."""

    table: TomlPath
    key: str
    value: str | bool | int

    def describe(self) -> str:
        return f"set `{'.'.join(map(str, (*self.table, self.key)))}` to {self.value!r}"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.table)
        if not isinstance(node, dict):
            raise OpError("not a table")
        node[self.key] = self.value

    def apply_doc(self, doc: Any) -> None:
        node = _walk(doc, self.table)
        if not hasattr(node, "__setitem__") or isinstance(node, list):
            raise OpError("not a table")
        node[self.key] = self.value


@dataclass(frozen=True)
class RemoveKey:
    """Remove ``key`` from the table at ``table`` (a leaf value, never a whole table)."""

    table: TomlPath
    key: str

    def describe(self) -> str:
        return f"remove `{'.'.join(map(str, (*self.table, self.key)))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.table)
        if not isinstance(node, dict) or self.key not in node or isinstance(node[self.key], dict):
            raise OpError("no such leaf")
        del node[self.key]

    def apply_doc(self, doc: Any) -> None:
        node = _walk(doc, self.table)
        if not hasattr(node, "__delitem__") or isinstance(node, list) or self.key not in node:
            raise OpError("no such leaf")
        del node[self.key]


@dataclass(frozen=True)
class SetInlineTable:
    """Replace the inline table at ``path`` (a sources entry) with one written in the file's style."""

    path: TomlPath
    items: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        return f"rewrite `{'.'.join(map(str, self.path))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        parent = _walk(data, self.path[:-1])
        try:
            if not isinstance(parent[self.path[-1]], dict):
                raise OpError("not an inline table")
            parent[self.path[-1]] = dict(self.items)
        except (KeyError, IndexError, TypeError):
            raise OpError("no such entry") from None

    def apply_doc(self, doc: Any) -> None:
        parent = _walk(doc, self.path[:-1])
        try:
            current = parent[self.path[-1]]
        except (KeyError, IndexError, TypeError):
            raise OpError("no such entry") from None
        if not isinstance(current, dict) or type(current).__name__ != "InlineTable":
            raise OpError("not an inline table")
        parent[self.path[-1]] = _item(inline_table_text(dict(self.items)))


@dataclass(frozen=True)
class AppendString:
    """Append a string to the array at ``array`` (unless an equal string is already there)."""

    array: TomlPath
    value: str

    def describe(self) -> str:
        return f"add {self.value!r} to `{'.'.join(map(str, self.array))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.array)
        if not isinstance(node, list):
            raise OpError("not an array")
        if self.value not in node:
            node.append(self.value)

    def apply_doc(self, doc: Any) -> None:
        node = _walk(doc, self.array)
        if not isinstance(node, list):
            raise OpError("not an array")
        if self.value not in [str(v) for v in node]:
            node.append(self.value)


@dataclass(frozen=True)
class AddSource:
    """Route ``package``: add ``[tool.uv.sources]`` entries (a list of inline tables).

    If the package already has sources, the entries are appended to its list (a single table
    becomes a list); entries already present are not duplicated.
    """

    package: str
    entries: tuple[tuple[tuple[str, str], ...], ...]

    def describe(self) -> str:
        return f"route `{self.package}` in [tool.uv.sources]"

    def _tables(self) -> list[dict[str, str]]:
        return [dict(e) for e in self.entries]

    def apply_data(self, data: dict[str, Any]) -> None:
        uv = data.setdefault("tool", {}).setdefault("uv", {})
        sources = uv.setdefault("sources", {})
        current = sources.get(self.package)
        items = [] if current is None else (list(current) if isinstance(current, list) else [current])
        for t in self._tables():
            if t not in items:
                items.append(t)
        sources[self.package] = (
            items if (current is None or isinstance(current, list) or len(items) > 1) else items[0]
        )

    def apply_doc(self, doc: Any) -> None:
        import tomlkit

        tool = doc.get("tool")
        if tool is None:
            doc["tool"] = tomlkit.table(is_super_table=True)
            tool = doc["tool"]
        uv = tool.get("uv")
        if uv is None:
            tool["uv"] = tomlkit.table()
            uv = tool["uv"]
        sources = uv.get("sources")
        if sources is None:
            uv["sources"] = tomlkit.table()
            sources = uv["sources"]
        current = sources.get(self.package)
        if current is None:
            sources[self.package] = _item("[" + ", ".join(inline_table_text(t) for t in self._tables()) + "]")
            return
        existing = [dict(x) for x in current] if isinstance(current, list) else [dict(current)]
        new = [t for t in self._tables() if t not in existing]
        if not new:
            return
        if isinstance(current, list):
            for t in new:
                current.append(_item(inline_table_text(t)))
        else:
            sources[self.package] = _item(
                "[" + ", ".join(inline_table_text(t) for t in [*existing, *new]) + "]"
            )


Op = SetValue | RemoveKey | SetInlineTable | AppendString | AddSource


def apply_to_data(data: dict[str, Any], ops: tuple[Op, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for op in ops:
        op.apply_data(out)
    return out

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
        _insert_key(node, self.key, self.value)


@dataclass(frozen=True)
class RemoveKey:
    """Remove ``key`` from the table at ``table`` (a leaf value, never a whole table)."""

    table: TomlPath
    key: str
    #: Also remove a value written as an inline table (a sources entry); a ``[header]`` table never.
    inline_tables: bool = False

    def describe(self) -> str:
        return f"remove `{'.'.join(map(str, (*self.table, self.key)))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.table)
        if (
            not isinstance(node, dict)
            or self.key not in node
            or (isinstance(node[self.key], dict) and not self.inline_tables)
        ):
            raise OpError("no such leaf")
        del node[self.key]

    def apply_doc(self, doc: Any) -> None:
        from tomlkit.items import AoT, Comment, Table, Trivia

        node = _walk(doc, self.table)
        if not hasattr(node, "__delitem__") or isinstance(node, list) or self.key not in node:
            raise OpError("no such leaf")
        hits = [
            (c, i, v)
            for c in _containers(node)
            for i, (k, v) in enumerate(c.body)
            if k is not None and k.key == self.key
        ]
        if len(hits) != 1 or isinstance(hits[0][2], (Table, AoT)):
            raise OpError("no such leaf")
        container, i, value = hits[0]
        comments = _comments_of(value)
        indent = value.trivia.indent
        del node[self.key]  # tomlkit leaves an empty slot where the key was
        if comments:  # the comments on and inside the removed value stay, as comment lines
            container.body[i] = (
                None,
                Comment(Trivia(indent=indent, comment="\n".join(comments), trail="\n")),
            )


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

        before = _before_new_uv_table(doc)
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
            tail = _take_tail(before)
            uv["sources"] = tomlkit.table()
            sources = uv["sources"]
            _give_tail(sources, tail)
        current = sources.get(self.package)
        if current is None:
            _insert_key(
                sources,
                self.package,
                _item("[" + ", ".join(inline_table_text(t) for t in self._tables()) + "]"),
            )
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


# ---------------------------------------------------------------------------- comment placement
#
# tomlkit keeps the comments and blank lines that follow a table's last key in that table, even
# when they introduce the next header (``# CUDA builds`` above ``[[tool.uv.index]]``) or end the
# file. A key or table appended naively lands after them, separating a comment from what it
# describes. New keys are therefore inserted before such a trailing run, and a new table takes
# the run over (so it still precedes the next header, or still ends the file).


def _tail_start(container: Any) -> int:
    """Where the run of comments and blank lines at the end of *container* starts."""
    from tomlkit.items import Comment, Whitespace

    body = container.body
    i = len(body)
    while i > 0 and body[i - 1][0] is None and isinstance(body[i - 1][1], (Comment, Whitespace)):
        i -= 1
    return i


def _insert_key(table: Any, key: str, value: Any) -> None:
    """``table[key] = value`` for a new key, placed after the last key rather than after comments."""
    from tomlkit.items import Comment, Table

    if key in table or not isinstance(table, Table):
        table[key] = value
        return
    container = table.value
    start = _tail_start(container)
    run = container.body[start:]
    if not any(isinstance(v, Comment) for _, v in run):
        table[key] = value
        return
    container._insert_at(start, key, value)


def _last_table(container: Any) -> Any:
    """The table rendered last inside *container* (descending into sub-tables and arrays of tables)."""
    from tomlkit.items import AoT, Table

    if not container.body:
        return None
    _, value = container.body[-1]
    if isinstance(value, AoT) and value.body:
        value = value.body[-1]
    if isinstance(value, Table):
        return _last_table(value.value) or value
    return None


def _take_tail(last: Any) -> list[Any]:
    """Remove and return the comments (and blank lines) that end the table *last*."""
    from tomlkit.items import Comment, Table

    if not isinstance(last, Table):
        return []
    body = last.value.body
    start = _tail_start(last.value)
    run = body[start:]
    if start == 0 or not any(isinstance(v, Comment) for _, v in run):
        return []
    del body[start:]
    return [v for _, v in run]


def _before_new_uv_table(doc: Any) -> Any:
    """The table rendered right before a table that is about to be appended to ``[tool.uv]``."""
    from tomlkit.items import Table

    tool = doc.get("tool")
    if tool is None:
        return _last_table(doc)
    if not isinstance(tool, Table):
        return None  # split over several places: leave the comments alone
    uv = tool.get("uv")
    if uv is None:
        return _last_table(tool.value) or tool
    if not isinstance(uv, Table):
        return None
    return _last_table(uv.value) or uv


def _give_tail(table: Any, run: list[Any]) -> None:
    for item in run:
        table.value.body.append((None, item))


def _ensure_uv(doc: Any) -> Any:
    """The ``[tool.uv]`` table of a tomlkit document, created (as a header-less super table) if missing."""
    import tomlkit

    tool = doc.get("tool")
    if tool is None:
        doc["tool"] = tomlkit.table(is_super_table=True)
        tool = doc["tool"]
    uv = tool.get("uv")
    if uv is None:
        tool["uv"] = tomlkit.table()
        uv = tool["uv"]
    return uv


def _add_scalar(doc: Any, table: Any, key: str, value: Any) -> None:
    """Add a key that renders inline (a value, an inline array) to *table*.

    A table known only from its sub-tables (``[tool.uv.sources]`` with no ``[tool.uv]``) gets
    its own ``[tool.uv]`` header, just above the first sub-table. tomlkit would give that header
    the sub-table's comment too, so it starts without one; and the comments that introduced the
    sub-table (kept at the end of the table before it) move below the new key, so they still
    stand right above the sub-table's header.
    """
    from tomlkit.items import SingleKey, Table, Trivia, Whitespace

    if not (isinstance(table, Table) and table.is_super_table()):
        table[key] = value
        return
    tables = list(_render_order(doc))
    at = next((i for i, t in enumerate(tables) if t is table), None)
    before = None if at is None else next((t for t in reversed(tables[:at]) if not t.is_super_table()), None)
    run = _take_tail(before)
    while run and isinstance(run[0], Whitespace) and before is not None:
        before.value.body.append((None, run.pop(0)))  # the blank line above the new header stays
    table._trivia = Trivia()
    table._is_super_table = False
    table[key] = value
    if not run:
        return
    container = table.value
    idx = container._map.get(SingleKey(key))
    if not isinstance(idx, int):
        raise OpError("cannot place the comments")
    prev = container.body[idx][1]
    if "\n" not in prev.trivia.trail:
        prev.trivia.trail += "\n"
    items = [(None, Whitespace("\n")), *((None, c) for c in run)]
    container.body[idx + 1 : idx + 1] = items
    for k, v in list(container._map.items()):
        if isinstance(v, int) and v > idx:
            container._map[k] = v + len(items)
        elif isinstance(v, tuple):
            container._map[k] = tuple(x + len(items) if x > idx else x for x in v)
    following = container.body[idx + 1 + len(items) :]
    if following and isinstance(following[0][1], Table):
        following[0][1].trivia.indent = following[0][1].trivia.indent.replace("\n", "")


def _render_order(container: Any) -> Any:
    """Every table of *container* in the order they are rendered (array elements included)."""
    from tomlkit.items import AoT, Table

    for _, value in container.body:
        if isinstance(value, Table):
            yield value
            yield from _render_order(value.value)
        elif isinstance(value, AoT):
            for element in value.body:
                yield element
                yield from _render_order(element.value)


def _comments_of(value: Any) -> list[str]:
    """The comments written on a value's line and inside it (a multi-line array's items)."""
    from tomlkit.items import Array

    out = []
    if isinstance(value, Array):
        for group in value._value:
            if group.comment is not None and group.comment.trivia.comment:
                out.append(group.comment.trivia.comment)
            if isinstance(group.value, Array):
                out.extend(_comments_of(group.value))
    comment = getattr(getattr(value, "trivia", None), "comment", "")
    if comment:
        out.append(comment)
    return out


def _containers(node: Any) -> list[Any]:
    """The tomlkit containers that hold *node*'s keys (a table split over several headers has many)."""
    from tomlkit.container import Container, OutOfOrderTableProxy
    from tomlkit.items import InlineTable, Table

    if isinstance(node, Container):
        return [node]
    if isinstance(node, (Table, InlineTable)):
        return [node.value]
    if isinstance(node, OutOfOrderTableProxy):
        return [c for t in node._tables for c in _containers(t)]
    raise OpError("not a table")


@dataclass(frozen=True)
class RenameKey:
    """Rename ``old`` to ``new`` in the table at ``table``, keeping the value as written.

    The value (a scalar, an inline table, or a whole ``[header]`` table with its comments) is
    not rebuilt: only the key is replaced, so comments, layout and quoting stay. Refused when
    ``new`` already exists (that would be a merge, not a rename) or the key is dotted.
    """

    table: TomlPath
    old: str
    new: str

    def describe(self) -> str:
        return f"rename `{'.'.join(map(str, (*self.table, self.old)))}` to `{self.new}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.table)
        if not isinstance(node, dict) or self.old not in node or self.new in node:
            raise OpError("nothing to rename, or the new key exists")
        node[self.new] = node.pop(self.old)

    def apply_doc(self, doc: Any) -> None:
        from tomlkit.items import AoT, SingleKey, Table

        node = _walk(doc, self.table)
        if self.new in node:
            raise OpError(f"`{self.new}` already exists")
        hits = [
            (c, i, k, v)
            for c in _containers(node)
            for i, (k, v) in enumerate(c.body)
            if k is not None and k.key == self.old
        ]
        if len(hits) != 1:
            raise OpError(f"`{self.old}` is not one key here")
        container, i, key, value = hits[0]
        written = key.as_string()
        if key.is_dotted() or self.old not in written:
            raise OpError(f"`{self.old}` is written in a form this fix does not rewrite")
        new_key = SingleKey(self.new, t=key.t, sep=key.sep, original=written.replace(self.old, self.new, 1))
        # by hand, not Container._replace_at: that adds a "cosmetic" blank line after a table
        if not isinstance(container._map.get(key), int):
            raise OpError(f"`{self.old}` is split over several places")
        del container._map[key]
        container._map[new_key] = i
        dict.__delitem__(container, self.old)
        dict.__setitem__(container, self.new, value.value if hasattr(value, "value") else value)
        container.body[i] = (new_key, value)
        if hasattr(container, "_validation_cache"):
            container._validation_cache.clear()
        if isinstance(value, (Table, AoT)):
            value.invalidate_display_name()  # the header is rendered again from the new key


@dataclass(frozen=True)
class RemoveString:
    """Remove the string ``value`` from the array at ``array`` (other items stay as written)."""

    array: TomlPath
    value: str

    def describe(self) -> str:
        return f"remove {self.value!r} from `{'.'.join(map(str, self.array))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node = _walk(data, self.array)
        if not isinstance(node, list) or self.value not in node:
            raise OpError("no such item")
        node.remove(self.value)

    def apply_doc(self, doc: Any) -> None:
        node = _walk(doc, self.array)
        if not isinstance(node, list):
            raise OpError("not an array")
        from tomlkit.items import Comment, Trivia

        groups = [g for g in getattr(node, "_value", []) if g.value is not None]
        for i, item in enumerate(node):
            if isinstance(item, str) and str(item) == self.value:
                lost = groups[i].comment if len(groups) == len(node) else None
                del node[i]
                if lost is not None:  # the item's comment joins its neighbour's, not lost
                    near = groups[i - 1] if i > 0 else groups[i + 1] if i + 1 < len(groups) else None
                    if near is None:
                        raise OpError("the item's comment would be lost")
                    text = lost.trivia.comment
                    if near.comment is not None:
                        t = near.comment.trivia
                        merged = f"{t.comment}  {text}"
                        near.comment = Comment(Trivia(t.indent, t.comment_ws, merged, t.trail))
                    else:
                        t = lost.trivia
                        near.comment = Comment(Trivia(t.indent, t.comment_ws, text, t.trail))
                return
        raise OpError("no such item")


@dataclass(frozen=True)
class AddIndex:
    """Append a ``[[tool.uv.index]]`` element (``name`` first), unless an equal one exists.

    An index of the same name with other settings makes the operation fail: it never
    redefines an index.
    """

    items: tuple[tuple[str, str | bool], ...]

    @property
    def name(self) -> str:
        return str(dict(self.items)["name"])

    def describe(self) -> str:
        return f"add index `{self.name}`"

    def _existing(self, indexes: Any) -> bool:
        for item in indexes if isinstance(indexes, list) else []:
            if isinstance(item, dict) and item.get("name") == self.name:
                if {str(k): v for k, v in item.items()} != dict(self.items):
                    raise OpError(f"an index named `{self.name}` exists with other settings")
                return True
        return False

    def apply_data(self, data: dict[str, Any]) -> None:
        uv = data.setdefault("tool", {}).setdefault("uv", {})
        indexes = uv.setdefault("index", [])
        if not isinstance(indexes, list):
            raise OpError("`tool.uv.index` is not an array of tables")
        if not self._existing(indexes):
            indexes.append(dict(self.items))

    def apply_doc(self, doc: Any) -> None:
        import tomlkit
        from tomlkit.items import AoT

        before = _before_new_uv_table(doc)
        uv = _ensure_uv(doc)
        current = uv.get("index")
        if current is not None and not isinstance(current, AoT):
            raise OpError("`tool.uv.index` is not an array of tables")
        if current is not None and self._existing(current):
            return
        table = tomlkit.table()
        for k, v in self.items:
            table[k] = v
        if current is None:
            tail = _take_tail(before)
            aot = tomlkit.aot()
            aot.append(table)
            uv["index"] = aot
            _give_tail(uv["index"][-1], tail)
            return
        last = current[-1]
        tail = _take_tail(_last_table(last.value) or last)
        if last.as_string().endswith("\n\n"):
            table.add(tomlkit.nl())  # the blank line that followed the last index now follows this one
        else:
            last.add(tomlkit.nl())
        current.append(table)
        _give_tail(current[-1], tail)


@dataclass(frozen=True)
class AddConflict:
    """Append a set of mutually exclusive extras/groups to ``[tool.uv] conflicts``.

    ``items`` are ``(kind, name)`` pairs (``("extra", "cpu")``); the array is created when
    missing, and a set already declared is not added twice.
    """

    items: tuple[tuple[str, str], ...]

    def _group(self) -> list[dict[str, str]]:
        return [{k: n} for k, n in self.items]

    def _text(self) -> str:
        return "[" + ", ".join(inline_table_text(t) for t in self._group()) + "]"

    def describe(self) -> str:
        return f"add {self._text()} to `tool.uv.conflicts`"

    def apply_data(self, data: dict[str, Any]) -> None:
        uv = data.setdefault("tool", {}).setdefault("uv", {})
        conflicts = uv.setdefault("conflicts", [])
        if not isinstance(conflicts, list):
            raise OpError("`tool.uv.conflicts` is not an array")
        if self._group() not in conflicts:
            conflicts.append(self._group())

    def apply_doc(self, doc: Any) -> None:
        uv = _ensure_uv(doc)
        current = uv.get("conflicts")
        if current is None:
            _add_scalar(doc, uv, "conflicts", _item("[" + self._text() + "]"))
            return
        if not isinstance(current, list):
            raise OpError("`tool.uv.conflicts` is not an array")
        if self._group() in [[dict(t) for t in g] for g in current if isinstance(g, list)]:
            return
        current.append(_item(self._text()))


@dataclass(frozen=True)
class AddArray:
    """Add the strings ``values`` to the array ``key`` of the table at ``table``.

    Missing strings are appended to an existing array; a missing array is created, and so are
    missing tables on the way (``[project.optional-dependencies]``, ``[dependency-groups]``). A new
    table is placed after the table it belongs to (or at the end of the file), taking over the
    comments that ended the table before it, so they still introduce what follows.
    """

    table: TomlPath
    key: str
    values: tuple[str, ...]

    def describe(self) -> str:
        return f"add {', '.join(map(repr, self.values))} to `{'.'.join(map(str, (*self.table, self.key)))}`"

    def apply_data(self, data: dict[str, Any]) -> None:
        node: Any = data
        for part in self.table:
            if isinstance(part, int):
                node = _walk(node, (part,))
                continue
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise OpError(f"`{part}` is not a table")
        arr = node.setdefault(self.key, [])
        if not isinstance(arr, list):
            raise OpError(f"`{self.key}` is not an array")
        for v in self.values:
            if v not in arr:
                arr.append(v)

    def apply_doc(self, doc: Any) -> None:
        import tomlkit
        from tomlkit.items import Table

        node: Any = doc
        pad = None
        path = self.table
        if path[:2] == ("tool", "uv"):
            node, path = _ensure_uv(doc), path[2:]
        for part in path:
            if isinstance(part, int):
                node = _walk(node, (part,))
                continue
            child = node.get(part)
            if child is None:
                parent = node
                if not isinstance(parent, Table) and parent is not doc:
                    raise OpError(f"`{part}` would go into a table split over several places")
                after = None
                if isinstance(parent, Table):
                    before = _last_table(parent.value) or parent
                    followed = _followed(doc, parent)
                elif parent is doc and isinstance(doc.get("project"), Table):
                    # a new top-level table ([dependency-groups]) goes right after [project]
                    after = "project"
                    before = _last_table(doc["project"].value) or doc["project"]
                    followed = _followed(doc, doc["project"])
                else:
                    before, followed = _last_table(parent), False
                tail = _take_tail(before)
                if after is not None:
                    if not tail and not before.as_string().endswith("\n\n"):
                        before.add(tomlkit.nl())
                    doc._insert_after(after, part, tomlkit.table())
                else:
                    parent[part] = tomlkit.table()
                child = parent[part]
                if tail:
                    _give_tail(child, tail)
                pad = child if (followed and not tail) else None
            node = child
        current = node.get(self.key)
        if current is None:
            value = _item("[" + ", ".join(toml_string(v) for v in self.values) + "]")
            if isinstance(node, Table) and node.is_super_table():
                _add_scalar(doc, node, self.key, value)
            elif isinstance(node, Table) and 0 < _tail_start(node.value) < len(node.value.body):
                node.value._insert_at(_tail_start(node.value), self.key, value)  # before the blank line
            else:
                _insert_key(node, self.key, value)
            if pad is not None:
                pad.add(tomlkit.nl())  # a blank line before the header that follows
            return
        if not isinstance(current, list):
            raise OpError(f"`{self.key}` is not an array")
        for v in self.values:
            if v not in [str(x) for x in current]:
                current.append(v)


def _followed(doc: Any, table: Any) -> bool:
    """Is anything rendered after the top-level table holding *table*?"""
    from tomlkit.items import AoT, Table

    body = doc.body
    for i, (_, value) in enumerate(body):
        inside = []
        if isinstance(value, Table):
            inside = [value, *_render_order(value.value)]
        elif isinstance(value, AoT):
            inside = [t for element in value.body for t in (element, *_render_order(element.value))]
        if any(t is table for t in inside):
            return any(v is not None for _, v in body[i + 1 :])
    return False


Op = (
    SetValue
    | RemoveKey
    | SetInlineTable
    | AppendString
    | AddSource
    | RenameKey
    | RemoveString
    | AddIndex
    | AddConflict
    | AddArray
)


def apply_to_data(data: dict[str, Any], ops: tuple[Op, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for op in ops:
        op.apply_data(out)
    return out

"""Source positions for TOML documents (TOML 1.0).

``tomllib`` and ``tomlkit`` give data without line/column information, but every diagnostic
torchlint prints needs ``path:line:col`` of the value, key or table header it is about.  This
module is a small, tolerant position scanner: :func:`scan` walks the text once and records,
for every key path, the span of the value text, of the key token and of the table header.

Key paths use the *decoded* keys and integer indexes for array elements, so they match the
structure of ``tomllib.loads(text)``: ``("tool", "uv", "index", 1, "url")``.

The scanner is total: it never raises and runs in (roughly) linear time on any input,
including invalid TOML.  Callers validate with tomllib first; on garbage the recorded
positions are best-effort.  Nesting beyond ``_MAX_NESTING`` arrays/inline tables, or paths
longer than ``_MAX_PATH`` components, are skipped without recording positions.

Tables: a ``[a.b]`` header gives ``(a, b)`` a header span and a key span (its last key); an
``[[a.b]]`` element ``(a, b, i)`` likewise, and the array ``(a, b)`` gets those of its first
header.  Tables created implicitly (``(a,)`` by ``[a.b]`` or by the dotted key ``a.b = 1``)
only get the key span of their first mention.  Being tolerant, the scanner also accepts
TOML 1.1 inline tables spanning lines (with trailing commas).

Standard library only: this module is on the start-up path.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

__all__ = ["Path", "Positions", "Span", "scan"]

Path: TypeAlias = tuple[str | int, ...]

# Nesting of arrays / inline tables we descend into (each level costs two Python frames).
_MAX_NESTING = 100
# Longest key path we record (bounds the cost of building and hashing path tuples).
_MAX_PATH = 128

_WS = re.compile(r"[ \t\r]*")
_WS_NL = re.compile(r"[ \t\r\n]*")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC_SPECIAL = re.compile(r'["\\]')
_DQ_RUN = re.compile(r'"+')
_SQ_RUN = re.compile(r"'+")
_SCALAR = re.compile(r"[^ \t\r\n,\]}#]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_AFTER_SPACE = re.compile(r" [0-9]{2}:[0-9]{2}[^ \t\r\n,\]}#]*")
_SKIP_SPECIAL = re.compile(r"[\[\]{}\"'#\n]")
_FAST_KEY = re.compile(r"([A-Za-z0-9_-]+)[ \t]*=[ \t]*")
# [a.b] / [[a.b]] with bare keys and no spaces (group 1 and 3 must agree).
_FAST_HEADER = re.compile(r"\[(\[?)([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\](\]?)")
_TAIL = re.compile(r"[ \t\r]*(#[^\n]*)?")
# The commonest line, in one match: bare_key = "simple string" | token, then an optional comment.
_FAST_LINE = re.compile(
    r'([A-Za-z0-9_-]+)[ \t]*=[ \t]*("[^"\\\n]*"|[A-Za-z0-9_+.:-]+)[ \t\r]*(#[^\n]*)?(?:\n|\Z)'
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "e": "\x1b",
}

# Slot layout per path: value_start, value_end, key_start, key_end, header_start, header_end; -1 = unset.
_V, _K, _H = 0, 2, 4
_EMPTY = (-1, -1, -1, -1, -1, -1)


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the source text: 1-based line and column (in characters); end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


_NOWHERE = Span(1, 1, 1, 1)


class Positions:
    """Positions of values, keys and table headers, keyed by tomllib-style paths."""

    __slots__ = ("_bom", "_comments", "_entries", "_line_starts", "_slots", "_text")

    def __init__(
        self,
        text: str,
        entries: dict[Path, int],
        slots: list[int],
        comments: list[tuple[int, str]],
        bom: bool,
    ) -> None:
        self._text = text
        self._entries = entries
        self._slots = slots
        self._comments = comments
        self._bom = bom
        self._line_starts: list[int] | None = None

    def _point(self, offset: int) -> tuple[int, int]:
        starts = self._line_starts
        if starts is None:
            starts = [0]
            text = self._text
            find = text.find
            pos = find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        line = bisect_right(starts, offset)
        column = offset - starts[line - 1] + 1
        if line == 1 and self._bom and column > 1:
            column -= 1
        return line, column

    def _span(self, path: Path, slot: int) -> Span | None:
        try:
            base = self._entries.get(tuple(path))
        except TypeError:  # unhashable path component
            return None
        if base is None or self._slots[base + slot] < 0:
            return None
        line, column = self._point(self._slots[base + slot])
        end_line, end_column = self._point(self._slots[base + slot + 1])
        return Span(line, column, end_line, end_column)

    def value(self, path: Path) -> Span | None:
        """Span of the value text: a string including its quotes, ``[ ... ]``, ``{ ... }``, ``123``."""
        return self._span(path, _V)

    def key(self, path: Path) -> Span | None:
        """Span of the key token as written (for a table header, the header's last key)."""
        return self._span(path, _K)

    def header(self, path: Path) -> Span | None:
        """Span of the ``[a.b]`` / ``[[a.b]]`` header text of a table or array-of-tables element."""
        return self._span(path, _H)

    def best(self, path: Path) -> Span:
        """Value, else key, else header, else the nearest existing ancestor's best, else 1:1."""
        p = tuple(path)
        while True:
            for slot in (_V, _K, _H):
                span = self._span(p, slot)
                if span is not None:
                    return span
            if not p:
                return _NOWHERE
            p = p[:-1]

    def paths(self) -> Iterator[Path]:
        """Every recorded path, in document order of first appearance."""
        return iter(list(self._entries))

    def comments(self) -> dict[int, str]:
        """Line number -> comment text (from ``#`` to the end of the line, without the newline)."""
        return {self._point(offset)[0]: text for offset, text in self._comments}


def scan(text: str) -> Positions:
    """Scan ``text`` (a TOML document) and return the positions found.  Never raises."""
    if isinstance(text, (bytes, bytearray)):  # defensive: the scanner must be total
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    bom = text.startswith("\ufeff")
    scanner = _Scanner(text)
    try:
        scanner.run(1 if bom else 0)
    except RecursionError:  # pragma: no cover - nesting is bounded; belt and braces
        pass
    return Positions(text, scanner.entries, scanner.slots, scanner.comments, bom)


def _decode_basic(raw: str) -> str:
    """Resolve the escapes of a basic-string body; invalid escapes are kept as written."""
    if "\\" not in raw:
        return raw

    def replace(m: re.Match[str]) -> str:
        hex_code = m.group(1) or m.group(2)
        if hex_code is not None:
            code = int(hex_code, 16)
            return chr(code) if code <= 0x10FFFF else m.group()
        return _SIMPLE_ESCAPES.get(m.group(3), m.group())

    return _ESCAPE.sub(replace, raw)


_KeyParts: TypeAlias = list[tuple[str, int, int]]


class _Scanner:
    __slots__ = ("aot", "comments", "entries", "n", "slots", "table", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        # Path -> base index of its six slots in ``self.slots`` (flat ints: nothing for the GC).
        self.entries: dict[Path, int] = {}
        self.slots: list[int] = []
        self.comments: list[tuple[int, str]] = []
        # Concrete path of an array of tables -> number of [[...]] elements seen so far.
        self.aot: dict[Path, int] = {}
        # Path of the table that key/value lines currently belong to (None: ignore them).
        self.table: Path | None = ()

    # -- helpers ---------------------------------------------------------------------------

    def _entry(self, path: Path) -> int:
        base = self.entries.get(path)
        if base is None:
            base = self.entries[path] = len(self.slots)
            self.slots.extend(_EMPTY)
        return base

    def _eol(self, i: int) -> int:
        j = self.text.find("\n", i)
        return self.n if j < 0 else j

    def _comment(self, i: int) -> int:
        """Record the comment starting at ``i`` (a ``#``); return the end-of-line offset."""
        j = self._eol(i)
        self.comments.append((i, self.text[i:j].rstrip("\r")))
        return j

    def _blank(self, i: int) -> int:
        """Skip whitespace, newlines and comments."""
        text, n = self.text, self.n
        while True:
            m = _WS_NL.match(text, i)
            i = m.end() if m else i
            if i < n and text[i] == "#":
                i = self._comment(i)
            else:
                return i

    def _ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def _string_end(self, i: int) -> int:
        """End offset (exclusive) of the string starting at ``i``; always > i."""
        text = self.text
        if text[i] == '"':
            if text.startswith('"""', i):
                j = i + 3
                while True:
                    m = _ML_BASIC_SPECIAL.search(text, j)
                    if m is None:
                        return self.n
                    k = m.start()
                    if text[k] == "\\":
                        j = k + 2
                        continue
                    r = _DQ_RUN.match(text, k)
                    q = r.end() if r else k + 1
                    if q - k >= 3:
                        return q
                    j = q
            m = _BASIC.match(text, i)
        else:
            if text.startswith("'''", i):
                k = text.find("'''", i + 3)
                if k < 0:
                    return self.n
                r = _SQ_RUN.match(text, k)
                return r.end() if r else k + 3
            m = _LITERAL.match(text, i)
        if m is not None:
            return m.end()
        return max(self._eol(i), i + 1)

    def _skip_nested(self, i: int) -> int:
        """Skip the array / inline table at ``i`` without recursion or recording."""
        text, n = self.text, self.n
        depth = 0
        while i < n:
            m = _SKIP_SPECIAL.search(text, i)
            if m is None:
                return n
            k = m.start()
            c = text[k]
            if c in "[{":
                depth += 1
                i = k + 1
            elif c in "]}":
                depth -= 1
                i = k + 1
                if depth <= 0:
                    return i
            elif c in "\"'":
                i = self._string_end(k)
            elif c == "#":
                i = self._comment(k)
            else:
                i = k + 1
        return n

    # -- grammar ---------------------------------------------------------------------------

    def _keys(self, i: int) -> tuple[_KeyParts, int] | None:
        """Parse a (dotted) key at ``i``; return its parts and the end of the last part."""
        text, n = self.text, self.n
        parts: _KeyParts = []
        while i < n and len(parts) <= _MAX_PATH:
            c = text[i]
            if c == '"':
                m = _BASIC.match(text, i)
                if m is None:
                    return None
                key = _decode_basic(text[i + 1 : m.end() - 1])
            elif c == "'":
                m = _LITERAL.match(text, i)
                if m is None:
                    return None
                key = text[i + 1 : m.end() - 1]
            else:
                m = _BARE.match(text, i)
                if m is None:
                    return None
                key = m.group()
            end = m.end()
            parts.append((key, i, end))
            j = self._ws(end)
            if j < n and text[j] == ".":
                i = self._ws(j + 1)
                continue
            return parts, end
        return None

    def _register_keys(self, base: Path, parts: _KeyParts) -> Path | None:
        if len(base) + len(parts) > _MAX_PATH:
            return None
        path = base
        last = len(parts) - 1
        for index, (key, start, end) in enumerate(parts):
            path = (*path, key)
            at = self._entry(path)
            if index == last or self.slots[at + _K] < 0:
                self.slots[at + _K] = start
                self.slots[at + _K + 1] = end
        return path

    def _value(self, i: int, path: Path | None, depth: int) -> int:
        """Scan the value at ``i``; record it under ``path``; return its end (``i`` if none)."""
        text, n = self.text, self.n
        if i >= n:
            return i
        c = text[i]
        if c in "\"'":
            end = self._string_end(i)
        elif c in "[{":
            if path is None or depth >= _MAX_NESTING or len(path) >= _MAX_PATH:
                end = self._skip_nested(i)
            else:
                self._entry(path)  # containers precede their members in paths()
                nested = self._array if c == "[" else self._inline_table
                end = nested(i, path, depth)
        else:
            m = _SCALAR.match(text, i)
            if m is None:
                return i
            end = m.end()
            if _DATE.fullmatch(text, i, end):
                t = _TIME_AFTER_SPACE.match(text, end)
                if t is not None:
                    end = t.end()
        if path is not None:
            base = self._entry(path)
            self.slots[base + _V] = i
            self.slots[base + _V + 1] = end
        return end

    def _array(self, i: int, path: Path, depth: int) -> int:
        text, n = self.text, self.n
        i += 1
        index = 0
        while True:
            i = self._blank(i)
            if i >= n:
                return n
            c = text[i]
            if c == "]":
                return i + 1
            if c == ",":
                i += 1
                continue
            j = self._value(i, (*path, index), depth + 1)
            if j > i:
                index += 1
                i = j
            else:
                i += 1

    def _inline_table(self, i: int, path: Path, depth: int) -> int:
        text, n = self.text, self.n
        i += 1
        while True:
            i = self._blank(i)
            if i >= n:
                return n
            c = text[i]
            if c == "}":
                return i + 1
            if c == ",":
                i += 1
                continue
            parsed = self._keys(i)
            if parsed is None:
                i += 1
                continue
            parts, j = parsed
            j = self._ws(j)
            if j >= n or text[j] != "=":
                i = max(j, i + 1)
                continue
            j = self._ws(j + 1)
            sub = self._register_keys(path, parts)
            i = max(self._value(j, sub, depth + 1), j)

    def _header(self, i: int) -> int:
        text = self.text
        m = _FAST_HEADER.match(text, i)
        if m is not None and m.end(1) == m.end(3) - m.start(3) + m.start(1):
            offset = m.start(2)
            parts: _KeyParts = []
            for key in m.group(2).split("."):
                parts.append((key, offset, offset + len(key)))
                offset += len(key) + 1
            end = m.end()
            self._define_table(parts, m.end(1) > m.start(1), i, end)
            return end
        aot = text.startswith("[[", i)
        j = self._ws(i + (2 if aot else 1))
        parsed = self._keys(j)
        if parsed is None:
            return j
        parts, j = parsed
        j = self._ws(j)
        close = "]]" if aot else "]"
        if not text.startswith(close, j):
            return j
        end = j + len(close)
        self._define_table(parts, aot, i, end)
        return end

    def _define_table(self, parts: _KeyParts, aot: bool, start: int, end: int) -> None:
        self.table = None
        if len(parts) > _MAX_PATH:
            return
        entries = self.entries
        slots = self.slots
        counts = self.aot
        path: Path = ()
        for key, key_start, key_end in parts[:-1]:
            path = (*path, key)
            base = entries.get(path)
            if base is None:
                entries[path] = len(slots)
                slots.extend((-1, -1, key_start, key_end, -1, -1))
            elif slots[base + _K] < 0:
                slots[base + _K] = key_start
                slots[base + _K + 1] = key_end
            count = counts.get(path)
            if count is not None:
                path = (*path, count - 1)
        key, key_start, key_end = parts[-1]
        path = (*path, key)
        if aot:
            base = entries.get(path)
            if base is None:
                entries[path] = len(slots)
                slots.extend((-1, -1, key_start, key_end, start, end))
            else:
                if slots[base + _K] < 0:
                    slots[base + _K] = key_start
                    slots[base + _K + 1] = key_end
                if slots[base + _H] < 0:
                    slots[base + _H] = start
                    slots[base + _H + 1] = end
            count = counts.get(path, 0)
            counts[path] = count + 1
            path = (*path, count)
        if len(path) > _MAX_PATH:
            return
        base = entries.get(path)
        if base is None:
            entries[path] = len(slots)
            slots.extend((-1, -1, key_start, key_end, start, end))
        else:
            slots[base + _K] = key_start
            slots[base + _K + 1] = key_end
            slots[base + _H] = start
            slots[base + _H + 1] = end
        self.table = path

    def _key_value(self, i: int) -> int:
        text, n = self.text, self.n
        table = self.table
        m = _FAST_KEY.match(text, i)
        if m is not None and table is not None and len(table) < _MAX_PATH:
            # Common case: a single bare key.
            path = (*table, m.group(1))
            base = self._entry(path)
            self.slots[base + _K] = i
            self.slots[base + _K + 1] = m.end(1)
            return self._value(m.end(), path, 0)
        parsed = self._keys(i)
        if parsed is None:
            return i
        parts, j = parsed
        j = self._ws(j)
        if j >= n or text[j] != "=":
            return j
        j = self._ws(j + 1)
        path2 = None if table is None else self._register_keys(table, parts)
        return self._value(j, path2, 0)

    def run(self, i: int) -> None:
        text, n = self.text, self.n
        blank = _WS_NL.match
        tail = _TAIL.match
        comments = self.comments
        entries = self.entries
        slots = self.slots
        fast_line = _FAST_LINE.match
        table = self.table
        while i < n:
            m = blank(text, i)
            i = m.end() if m else i
            if i >= n:
                return
            c = text[i]
            if c == "#":
                i = self._comment(i)
                continue
            if c != "[" and table is not None and len(table) < _MAX_PATH:
                m = fast_line(text, i)
                if m is not None:
                    path = (*table, m.group(1))
                    base = entries.get(path)
                    if base is None:
                        entries[path] = len(slots)
                        slots.extend((m.start(2), m.end(2), i, m.end(1), -1, -1))
                    else:
                        slots[base + _K] = i
                        slots[base + _K + 1] = m.end(1)
                        slots[base + _V] = m.start(2)
                        slots[base + _V + 1] = m.end(2)
                    if m.start(3) >= 0:
                        comments.append((m.start(3), m.group(3).rstrip("\r")))
                    i = m.end()
                    continue
            i = self._header(i) if c == "[" else self._key_value(i)
            table = self.table
            # Rest of the line: a trailing comment, else (invalid input) skip it.
            m = tail(text, i)
            if m is not None:
                if m.start(1) >= 0:
                    comments.append((m.start(1), m.group(1).rstrip("\r")))
                i = m.end()
            if i < n and text[i] != "\n":
                i = self._eol(i)
            i += 1

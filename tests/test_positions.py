"""Tests for torchlint.project.positions: the TOML position scanner."""

from __future__ import annotations

import pathlib
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from torchlint.project.positions import Path, Positions, Span, scan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


FILE = pathlib.Path(__file__)

# ---------------------------------------------------------------------------------------------
# helpers


def text_at(text: str, span: Span) -> str:
    """The source text covered by ``span`` (BOM ignored, columns in characters)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    begin = starts[span.line - 1] + span.column - 1
    end = starts[span.end_line - 1] + span.end_column - 1
    return text[begin:end]


def loads(text: str) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(text.removeprefix("\ufeff"))
    return data


def parse_value(fragment: str) -> Any:
    return tomllib.loads("x = " + fragment)["x"]


def parse_key(fragment: str) -> str:
    key: str
    (key,) = tomllib.loads(fragment + " = 0").keys()
    return key


def header_keys(fragment: str) -> list[str]:
    """Decoded keys of a ``[a.b]`` / ``[[a.b]]`` header."""
    node: Any = tomllib.loads(fragment)
    keys: list[str] = []
    while node:
        if isinstance(node, list):
            (node,) = node
            continue
        ((key, node),) = node.items()
        keys.append(key)
    return keys


def resolve(data: Any, path: Path) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def check_document(text: str) -> Positions:
    """Every path of tomllib's data has a position whose text round-trips (the oracle)."""
    data = loads(text)
    pos = scan(text)

    def check_span(span: Span) -> None:
        assert span.line >= 1 and span.column >= 1
        assert (span.end_line, span.end_column) >= (span.line, span.column)

    def walk(node: Any, path: Path) -> None:
        children: Any = node.items() if isinstance(node, dict) else enumerate(node)
        for part, child in children:
            sub: Path = (*path, part)
            value = pos.value(sub)
            key = pos.key(sub)
            header = pos.header(sub)
            for span in (value, key, header):
                if span is not None:
                    check_span(span)
            if key is not None:  # for an [[aot]] element: the header's last key
                last_key = part if isinstance(part, str) else path[-1]
                assert parse_key(text_at(text, key)) == last_key, sub
            if header is not None:
                fragment = text_at(text, header)
                assert fragment.startswith("[") and fragment.endswith("]")
                assert header_keys(fragment) == [p for p in sub if isinstance(p, str)], sub
            if value is not None:
                assert parse_value(text_at(text, value)) == child, sub
            elif isinstance(child, dict):
                # A [table] / [[aot]] element, or a table created implicitly by a header / dotted key.
                assert header is not None or key is not None, sub
                if isinstance(part, int):
                    assert header is not None and text_at(text, header).startswith("[["), sub
            elif isinstance(child, list):
                # An array of tables: every element has its own [[header]].
                assert key is not None and header is not None, sub
                assert all(isinstance(e, dict) for e in child), sub
            else:
                raise AssertionError(f"no value span for scalar at {sub!r}")
            assert pos.best(sub) in (value, key, header)
            if isinstance(child, (dict, list)):
                walk(child, sub)

    walk(data, ())
    # Conversely, every recorded path exists in the data.
    for path in pos.paths():
        resolve(data, path)
    return pos


# ---------------------------------------------------------------------------------------------
# realistic documents

UV_PYPROJECT = """\
# torchlint example
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "numpy>=1.26",
    "torch>=2.5",  # the important one
    "torchvision",
]

[project.optional-dependencies]
cpu = ["torch>=2.5"]
cu128 = ["torch>=2.5", "torchvision"]

[dependency-groups]
dev = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff"]

[tool.uv]
index-strategy = "unsafe-best-match"
environments = ["sys_platform == 'linux'", "sys_platform == 'darwin'"]
conflicts = [
    [
        { extra = "cpu" },
        { extra = "cu128" },
    ],
]

[tool.uv.sources]
torch = [{ index = "pytorch-cu128", marker = "sys_platform == 'linux'" }, { index = "pytorch-cpu", marker = "sys_platform != 'linux'" }]
torchvision = { index = "pytorch-cu128" }

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"   # CPU wheels
explicit = true

[[ tool . uv . "index" ]]
name = 'internal'
url = 'https://pypi.internal.example/simple'
default = true
"""


def test_uv_values_exact() -> None:
    pos = scan(UV_PYPROJECT)
    # 2nd [[tool.uv.index]]'s url value (line 41).
    assert pos.value(("tool", "uv", "index", 1, "url")) == Span(41, 7, 41, 45)
    assert pos.key(("tool", "uv", "index", 1, "url")) == Span(41, 1, 41, 4)
    # 2nd element of project.dependencies.
    assert pos.value(("project", "dependencies", 1)) == Span(8, 5, 8, 17)
    assert pos.value(("project", "dependencies")) == Span(6, 16, 10, 2)
    # marker inside the 1st inline table of tool.uv.sources.torch
    torch = ("tool", "uv", "sources", "torch")
    assert pos.value((*torch, 0, "marker")) == Span(31, 46, 31, 71)
    assert pos.key((*torch, 0, "marker")) == Span(31, 37, 31, 43)
    assert pos.value((*torch, 1, "index")) == Span(31, 85, 31, 98)
    assert pos.value((*torch, 0)) == Span(31, 10, 31, 73)
    assert pos.value(("dependency-groups", "dev", 1, "include-group")) == Span(17, 39, 17, 45)
    assert pos.value(("tool", "uv", "conflicts", 0, 1, "extra")) == Span(26, 19, 26, 26)
    assert pos.value(("tool", "uv", "index", 2, "explicit")) is None
    assert pos.value(("tool", "uv", "index", 0, "explicit")) == Span(37, 12, 37, 16)


def test_uv_texts_and_headers() -> None:
    pos = scan(UV_PYPROJECT)
    assert text_at(UV_PYPROJECT, pos.best(("tool", "uv", "index", 1, "url"))) == (
        '"https://download.pytorch.org/whl/cpu"'
    )
    assert text_at(UV_PYPROJECT, pos.value(("tool", "uv", "sources", "torch", 0, "marker"))) == (  # type: ignore[arg-type]
        "\"sys_platform == 'linux'\""
    )
    # Tables: header and last key.
    assert pos.header(("tool", "uv")) == Span(20, 1, 20, 10)
    assert pos.key(("tool", "uv")) == Span(20, 7, 20, 9)
    assert pos.value(("tool", "uv")) is None
    assert pos.header(("tool", "uv", "index", 0)) == Span(34, 1, 34, 18)
    assert pos.header(("tool", "uv", "index", 1)) == Span(39, 1, 39, 18)
    assert pos.header(("tool", "uv", "index", 2)) == Span(44, 1, 44, 26)
    assert text_at(UV_PYPROJECT, pos.key(("tool", "uv", "index", 2))) == '"index"'  # type: ignore[arg-type]
    # The array of tables itself: first header.
    assert pos.header(("tool", "uv", "index")) == Span(34, 1, 34, 18)
    # Implicit super-table: key of its first mention, no header.
    assert pos.header(("tool",)) is None
    assert pos.key(("tool",)) == Span(20, 2, 20, 6)
    assert pos.best(("tool",)) == Span(20, 2, 20, 6)
    # best(): value, else key, else header, else ancestor, else 1:1.
    assert pos.best(("tool", "uv", "index", 1)) == Span(39, 11, 39, 16)
    assert pos.best(("tool", "uv", "index", 1, "nope", 3)) == Span(39, 11, 39, 16)
    assert pos.best(("missing", "x")) == Span(1, 1, 1, 1)
    assert pos.best(()) == Span(1, 1, 1, 1)
    assert pos.value(("tool", "uv", "index", 7, "url")) is None


def test_uv_comments() -> None:
    pos = scan(UV_PYPROJECT)
    assert pos.comments() == {1: "# torchlint example", 8: "# the important one", 41: "# CPU wheels"}


def test_uv_roundtrip_and_paths() -> None:
    pos = check_document(UV_PYPROJECT)
    paths = list(pos.paths())
    assert (
        paths.index(("project",))
        < paths.index(("project", "dependencies"))
        < paths.index(("project", "dependencies", 0))
    )
    assert ("tool", "uv", "index", 2, "default") in paths
    assert len(paths) == len(set(paths))


POETRY_PIXI = """\
[tool.poetry]
name = "demo"

[tool.poetry.dependencies]
python = "^3.10"
torch = { version = "^2.5", source = "pytorch-cu128" }

[[tool.poetry.source]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
priority = "explicit"

[[tool.poetry.source]]
name = "pypi-mirror"
url = "https://mirror.example/simple"
priority = "primary"

[tool.pixi.workspace]
channels = ["conda-forge", "pytorch"]
platforms = ["linux-64", "osx-arm64"]

[tool.pixi.pypi-options]
extra-index-urls = ["https://download.pytorch.org/whl/cu128"]

[tool.pixi.feature.cuda.system-requirements]
cuda = "12.8"

[tool.pixi.feature.cuda.pypi-dependencies]
torch = { version = ">=2.5", index = "https://download.pytorch.org/whl/cu128" }

[tool.pixi.environments]
cuda = { features = ["cuda"], solve-group = "default" }
"""


def test_poetry_and_pixi() -> None:
    pos = check_document(POETRY_PIXI)
    assert pos.value(("tool", "poetry", "source", 1, "url")) == Span(15, 7, 15, 38)
    assert pos.header(("tool", "poetry", "source", 1)) == Span(13, 1, 13, 23)
    assert pos.value(("tool", "poetry", "dependencies", "torch", "source")) == Span(6, 38, 6, 53)
    assert pos.value(("tool", "pixi", "pypi-options", "extra-index-urls", 0)) == Span(23, 21, 23, 61)
    feature = ("tool", "pixi", "feature", "cuda", "pypi-dependencies", "torch", "index")
    assert pos.value(feature) == Span(29, 38, 29, 78)
    assert pos.key(("tool", "pixi", "feature", "cuda")) == Span(25, 20, 25, 24)
    assert pos.value(("tool", "pixi", "environments", "cuda", "features", 0)) == Span(32, 22, 32, 28)


def test_dotted_and_quoted_keys() -> None:
    text = 'a.b . c = 1\n"x.y".\'z w\' = "v"\n"esc\\u00e9\\n" = 2\n[t]\nsite."tool.uv".index = true\n'
    pos = check_document(text)
    assert pos.key(("a",)) == Span(1, 1, 1, 2)
    assert pos.key(("a", "b")) == Span(1, 3, 1, 4)
    assert pos.key(("a", "b", "c")) == Span(1, 7, 1, 8)
    assert pos.value(("a", "b", "c")) == Span(1, 11, 1, 12)
    assert pos.value(("a",)) is None
    assert pos.key(("x.y", "z w")) == Span(2, 7, 2, 12)
    assert pos.key(("escé\n",)) == Span(3, 1, 3, 14)
    assert pos.value(("t", "site", "tool.uv", "index")) == Span(5, 24, 5, 28)


def test_nested_aot_restart_per_parent() -> None:
    text = """\
[[a]]
n = 1
[[a.b]]
m = 1
[[a.b]]
m = 2
[a.c]
k = "c0"
[[a]]
n = 2
[[a.b]]
m = 3
[a.b.d]
z = 0
"""
    pos = check_document(text)
    assert pos.value(("a", 0, "b", 1, "m")) == Span(6, 5, 6, 6)
    assert pos.value(("a", 0, "c", "k")) == Span(8, 5, 8, 9)
    assert pos.value(("a", 1, "b", 0, "m")) == Span(12, 5, 12, 6)
    assert pos.header(("a", 1, "b", 0, "d")) == Span(13, 1, 13, 8)
    assert pos.value(("a", 1, "b", 0, "d", "z")) == Span(14, 5, 14, 6)
    assert pos.header(("a", 1, "b", 1)) is None


def test_strings_scalars_and_whitespace() -> None:
    text = (
        's1 = "a \\" # not a comment"  # real\n'
        "s2 = 'C:\\path # x'\n"
        's3 = """\nline "one" \\"""\n  ""two""" # after\n'
        "s4 = '''\nraw ''quoted'' # no\n''''\n"
        's5 = """a \\\n   b"""\n'
        "\tf = -1.5e+3\t# tab\n"
        "d1 = 1979-05-27 07:32:00-07:00\n"
        "d2 = 1979-05-27T07:32:00Z\n"
        "d3 = 1979-05-27\n"
        "t1 = 07:32:00.999\n"
        "h = 0xDEAD_beef\n"
        "inf1 = -inf\n"
        "arr = [ # c1\n  1,\n  [2, [3, 'x]']], # c2\n  {a = {b = \"}\"}},\n]\n"
        "e = []\n"
        "ei = {}\n"
        'u = "é中🐍"\n'
    )
    pos = check_document(text)
    assert pos.value(("s1",)) == Span(1, 6, 1, 28)
    assert pos.value(("s3",)) == Span(3, 6, 5, 11)
    assert pos.value(("s4",)) == Span(6, 6, 8, 5)
    assert pos.value(("f",)) == Span(11, 6, 11, 13)
    assert pos.key(("f",)) == Span(11, 2, 11, 3)
    assert pos.value(("d1",)) == Span(12, 6, 12, 31)
    assert pos.value(("arr", 1, 1, 1)) == Span(20, 11, 20, 15)
    assert pos.value(("arr", 2, "a", "b")) == Span(21, 13, 21, 16)
    assert pos.value(("s5",)) == Span(9, 6, 10, 8)
    assert pos.value(("h",)) == Span(16, 5, 16, 16)
    assert pos.value(("u",)) == Span(25, 5, 25, 10)
    assert pos.comments() == {1: "# real", 5: "# after", 11: "# tab", 18: "# c1", 20: "# c2"}


def test_crlf_bom_tabs_unicode() -> None:
    text = '\ufeff[tool.uv]\r\n\tname = "é中"  # ü\r\n[[tool.uv.index]]\r\nurl = """a\r\nb"""\r\n'
    pos = check_document(text)
    assert pos.header(("tool", "uv")) == Span(1, 1, 1, 10)
    assert pos.value(("tool", "uv", "name")) == Span(2, 9, 2, 13)
    assert pos.comments() == {2: "# ü"}
    assert pos.value(("tool", "uv", "index", 0, "url")) == Span(4, 7, 5, 5)
    assert pos.header(("tool", "uv", "index", 0)) == Span(3, 1, 3, 18)
    assert scan("\ufeffa = 1").value(("a",)) == Span(1, 5, 1, 6)


def test_multiline_inline_table_toml_1_1() -> None:
    # TOML 1.1 (pixi docs use it; tomllib 1.0 rejects it): scanned leniently all the same.
    text = '[pypi-dependencies]\ntorch = {\n  version = ">=2.5.1",  # v\n  index = "https://x/cu124",\n}\nb = 1\n'
    pos = scan(text)
    assert pos.value(("pypi-dependencies", "torch")) == Span(2, 9, 5, 2)
    assert pos.value(("pypi-dependencies", "torch", "index")) == Span(4, 11, 4, 28)
    assert pos.value(("pypi-dependencies", "b")) == Span(6, 5, 6, 6)
    assert pos.comments() == {3: "# v"}


CORPUS = sorted((FILE.parent / "corpus" / "real").glob("**/*.toml"))


@pytest.mark.skipif(not CORPUS, reason="no tests/corpus")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_real_corpus_roundtrip(path: Path) -> None:
    # one case per file, so the parallel runner spreads them (together they take ~40 s)
    text = path.read_text(encoding="utf-8")
    try:
        loads(text)
    except tomllib.TOMLDecodeError:
        exercise(text)  # e.g. TOML 1.1 inline tables: must not raise
        return
    check_document(text)
    check_document(text.replace("\n", "\r\n"))


def test_real_corpus_is_not_empty() -> None:
    assert sum(1 for p in CORPUS if not _toml11(p)) > 0


def _toml11(path: Path) -> bool:
    try:
        loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return True
    return False


def test_positions_api_edges() -> None:
    pos = scan("")
    assert list(pos.paths()) == []
    assert pos.comments() == {}
    assert pos.best(("a",)) == Span(1, 1, 1, 1)
    pos = scan("a = [1]\n")
    assert pos.value(["a", 0]) == Span(1, 6, 1, 7)  # type: ignore[arg-type]
    assert pos.value(("a", [0])) is None  # type: ignore[arg-type]
    assert pos.value(("a", "0")) is None
    assert scan(b"a = 1").value(("a",)) == Span(1, 5, 1, 6)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# generated documents


@dataclass(frozen=True)
class Raw:
    """A literal written verbatim by the hand renderer (dates, hex ints, ...)."""

    text: str


RAW_LITERALS = [
    "1979-05-27T07:32:00Z",
    "1979-05-27 07:32:00-07:00",
    "1979-05-27T00:32:00.999999",
    "1979-05-27 07:32:00",
    "1979-05-27",
    "07:32:00",
    "0xDEADBEEF",
    "0o755",
    "0b1101",
    "1_000",
    "+inf",
    "-inf",
    "6.626e-34",
    "+1.5",
    "true",
]

KEY_CHARS = st.sampled_from(list("abzAZ09_-") + list(" .\"'\\#=[]{}é中🐍\t\n\x01"))
STR_CHARS = st.sampled_from(list("abc xyz09_-.,=#[]{}\"'\\\t\n\r\x00\x01\x1f\x7féü中🐍\u2028"))
keys = st.one_of(st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True), st.text(KEY_CHARS, max_size=6))
strings = st.text(STR_CHARS, max_size=16)
scalars = st.one_of(
    strings,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False),
)


def documents(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    tree = st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
            st.lists(st.dictionaries(keys, children, max_size=3), min_size=1, max_size=3),
        ),
        max_leaves=20,
    )
    return st.dictionaries(keys, tree, max_size=6)


BARE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _escape_char(ch: str, rnd: random.Random) -> str:
    short = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    if ch in short:
        return short[ch]
    if ch == "\t":
        return rnd.choice(["\t", "\\t"])
    if ord(ch) < 0x20 or ch == "\x7f":
        return f"\\u{ord(ch):04x}"
    if ord(ch) > 0x7F and rnd.random() < 0.3:
        return (
            f"\\U{ord(ch):08X}" if rnd.random() < 0.5 else (f"\\u{ord(ch):04X}" if ord(ch) < 0x10000 else ch)
        )
    return ch


def _control_free(s: str, allowed: str) -> bool:
    return all(not (ord(c) < 0x20 or c == "\x7f") or c in allowed for c in s)


def render_string(s: str, rnd: random.Random, multiline_ok: bool = True) -> str:
    styles = ["basic"]
    if "'" not in s and _control_free(s, "\t"):
        styles.append("literal")
    if multiline_ok:
        styles.append("ml_basic")
        if "''" not in s and _control_free(s, "\t\n"):
            styles.append("ml_literal")
    style = rnd.choice(styles)
    if style == "literal":
        return f"'{s}'"
    if style == "ml_literal":
        return f"'''\n{s}'''"
    if style == "ml_basic":
        body = "".join("\n" if c == "\n" else _escape_char(c, rnd) for c in s)
        return '"""' + rnd.choice(["", "\n"]) + body + '"""'
    return '"' + "".join(_escape_char(c, rnd) for c in s) + '"'


def render_key(k: str, rnd: random.Random) -> str:
    if k and set(k) <= BARE and rnd.random() < 0.8:
        return k
    if "'" not in k and _control_free(k, "\t") and rnd.random() < 0.4:
        return f"'{k}'"
    return '"' + "".join(_escape_char(c, rnd) for c in k) + '"'


class Renderer:
    """Hand renderer: headers, dotted keys, inline tables, AoT, comments, blank lines."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.lines: list[str] = []
        self.comments: list[str] = []

    def comment(self) -> str:
        rnd = self.rnd
        text = f"#c{len(self.comments)}" + "".join(
            rnd.choice(" \"'#[]{}=é🐍\tx") for _ in range(rnd.randrange(6))
        )
        self.comments.append(text)
        return text

    def maybe_comment(self, alternatives: list[str], before: str) -> str:
        choice = self.rnd.randrange(len(alternatives) + 1)
        return alternatives[choice] if choice < len(alternatives) else before + self.comment()

    def emit(self, line: str) -> None:
        rnd = self.rnd
        while rnd.random() < 0.15:
            self.lines.append(self.maybe_comment(["", "  "], ""))
        indent = rnd.choice(["", "", "  ", "\t"])
        suffix = self.maybe_comment(["", "", "", " "], "  ")
        self.lines.append(indent + line + suffix)

    def dot(self) -> str:
        return self.rnd.choice([".", ".", " . "])

    def value(self, v: Any, in_inline: bool = False) -> str:
        rnd = self.rnd
        if isinstance(v, Raw):
            return v.text
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return hex(v) if v >= 0 and rnd.random() < 0.2 else str(v)
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, str):
            return render_string(v, rnd)
        if isinstance(v, dict):
            items = [f"{render_key(k, rnd)} = {self.value(x, True)}" for k, x in v.items()]
            return "{" + rnd.choice(["", " "]) + ", ".join(items) + rnd.choice(["", " "]) + "}"
        assert isinstance(v, list)
        items = [self.value(x, in_inline) for x in v]
        if in_inline or not items or rnd.random() < 0.5:
            return "[" + ", ".join(items) + rnd.choice(["", ","] if items else [""]) + "]"
        parts = ["["]
        for item in items:
            parts.append("\n  " + item + "," + self.maybe_comment(["", ""], " "))
        parts.append("\n]")
        return "".join(parts)

    def dotted(self, prefix: list[str], d: dict[str, Any]) -> None:
        for k, v in d.items():
            keys = [*prefix, render_key(k, self.rnd)]
            if isinstance(v, dict) and v and self.rnd.random() < 0.5:
                self.dotted(keys, v)
            else:
                self.emit(self.dot().join(keys) + " = " + self.value(v))

    def body(self, d: dict[str, Any], header: list[str]) -> None:
        rnd = self.rnd
        deferred: list[tuple[str, str, Any]] = []
        for k, v in d.items():
            kt = render_key(k, rnd)
            if isinstance(v, dict):
                mode = rnd.choice(["header", "dotted", "inline"])
                if mode == "header":
                    deferred.append(("table", kt, v))
                elif mode == "dotted" and v:
                    self.dotted([kt], v)
                else:
                    self.emit(f"{kt} = {self.value(v)}")
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and rnd.random() < 0.7:
                deferred.append(("aot", kt, v))
            else:
                self.emit(f"{kt} = {self.value(v)}")
        for kind, kt, v in deferred:
            path = [*header, kt]
            space = rnd.choice(["", " "])
            if kind == "table":
                self.emit("[" + space + self.dot().join(path) + space + "]")
                self.body(v, path)
            else:
                for element in v:
                    self.emit("[[" + space + self.dot().join(path) + space + "]]")
                    self.body(element, path)


def hand_render(data: dict[str, Any], rnd: random.Random) -> tuple[str, list[str]]:
    renderer = Renderer(rnd)
    renderer.body(data, [])
    return "\n".join(renderer.lines) + "\n", renderer.comments


def variants(text: str, rnd: random.Random) -> str:
    if rnd.random() < 0.3:
        text = text.replace("\n", "\r\n")
    if rnd.random() < 0.2:
        text = "\ufeff" + text
    return text


def check_comments(text: str, pos: Positions, expected: list[str]) -> None:
    found = pos.comments()
    assert sorted(found.values()) == sorted(expected)
    lines = text.removeprefix("\ufeff").split("\n")
    for line, comment in found.items():
        assert lines[line - 1].rstrip("\r").endswith(comment)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents(scalars), st.randoms(use_true_random=False))
def test_property_tomlkit_rendered(data: dict[str, Any], rnd: random.Random) -> None:
    text = tomlkit.dumps(data)
    try:
        ok = loads(text) == data
    except tomllib.TOMLDecodeError:  # pragma: no cover - tomlkit quirk
        ok = False
    assume(ok)
    text = variants(text, rnd)
    pos = check_document(text)
    assert not pos.comments()


@SETTINGS
@given(
    documents(st.one_of(scalars, st.sampled_from(RAW_LITERALS).map(Raw))), st.randoms(use_true_random=False)
)
def test_property_hand_rendered(data: dict[str, Any], rnd: random.Random) -> None:
    text, comments = hand_render(data, rnd)
    text = variants(text, rnd)
    pos = check_document(text)
    check_comments(text, pos, comments)


# ---------------------------------------------------------------------------------------------
# totality: never raise, always terminate


def exercise(text: str) -> None:
    pos = scan(text)
    for path in pos.paths():
        pos.value(path)
        pos.key(path)
        pos.header(path)
        pos.best(path)
    pos.comments()
    pos.best(("a", 0, "b"))


NOISE_TOKENS = [
    *"[]{}\"'=#.,\n\r\t \\abc01-_:+é\ufeff",
    '"""',
    "'''",
    "[[",
    "]]",
    "a = ",
    "[a]",
    "1979-05-27 ",
]
TOML_NOISE = st.lists(st.sampled_from(NOISE_TOKENS), max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TOML_NOISE, st.text(max_size=200)))
def test_random_text_never_raises(text: str) -> None:
    exercise(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([UV_PYPROJECT, POETRY_PIXI]),
    st.lists(
        st.tuples(st.integers(0, 5000), st.integers(0, 40), TOML_NOISE),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_toml_never_raises(base: str, edits: list[tuple[int, int, str]]) -> None:
    text = base
    for at, delete, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + delete :]
    exercise(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "a = " + "[" * 100_000,
        "a = " + "{b = " * 50_000,
        "a = " + "[{x = " * 30_000 + "1" + "}]" * 30_000,
        '"' * 100_000,
        "'" * 100_000,
        'a = """' + '"' * 100_000,
        "a = '''" + "x\n" * 50_000,
        "[" + "a." * 100_000 + "a]",
        "a" + ".a" * 100_000 + " = 1",
        "[[a]]\n" * 20_000,
        "a = [" + "1," * 100_000,
        "a = {" + "b," * 100_000,
        "#" * 100_000,
        "\\" * 100_000,
        "a = " + "\\" * 100_000,
        '"\\' * 50_000,
        "x = 1979-05-27 " * 10_000,
        "\r" * 100_000,
        "\ufeff" * 1000,
    ],
    ids=lambda s: repr(s[:12]),
)
def test_pathological_inputs_terminate_quickly(text: str) -> None:
    start = time.perf_counter()
    exercise(text)
    assert time.perf_counter() - start < 3.0


def test_deep_nesting_is_skipped_not_recursed() -> None:
    depth = 500
    text = "a = " + "[" * depth + "1" + "]" * depth + "\nb = 2  # after\n"
    pos = scan(text)
    assert pos.value(("a",)) == Span(1, 5, 1, 5 + 2 * depth + 1)
    assert pos.value(("b",)) == Span(2, 5, 2, 6)
    assert pos.comments() == {2: "# after"}
    assert pos.value(("a", *([0] * 50))) is not None
    assert pos.value(("a", *([0] * (depth - 1)))) is None
    assert pos.best(("a", *([0] * (depth - 1)))) is not None


# ---------------------------------------------------------------------------------------------
# performance


def big_pyproject(lines: int) -> str:
    """A valid, realistic pyproject.toml of at least ``lines`` lines."""
    out = [UV_PYPROJECT]
    count = UV_PYPROJECT.count("\n")
    i = 0
    while count < lines:
        block = (
            f'\n[[tool.uv.index]]\nname = "index-{i}"  # n{i}\n'
            f'url = "https://example.invalid/{i}/simple"\nexplicit = true\n'
            f'\n[tool.uv.sources.pkg{i}]\nindex = "index-{i}"\nmarker = "sys_platform == \'linux\'"\n'
            f'\n[tool.pixi.feature.f{i}]\nextra{i} = ["pkg{i}>=1.0", "torch>=2.5"]\n'
        )
        out.append(block)
        count += block.count("\n")
        i += 1
    return "".join(out)


def test_performance_2000_lines() -> None:
    text = big_pyproject(2000)
    assert text.count("\n") >= 2000
    loads(text)
    best = min(_timed(text) for _ in range(5))
    assert best < 0.1  # budget is 20 ms; generous bound against noisy CI machines


@pytest.mark.slow
def test_performance_10mb() -> None:
    text = big_pyproject(480_000)
    assert len(text) >= 10_000_000
    assert _timed(text) < 5.0


def _timed(text: str) -> float:
    """CPU seconds for scan + one lookup (CPU time: other jobs share this machine)."""
    start = time.process_time()
    pos = scan(text)
    pos.value(("tool", "uv", "index", 1, "url"))
    return time.process_time() - start

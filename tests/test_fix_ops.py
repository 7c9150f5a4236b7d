"""The document operations fixes are made of: each keeps comments and layout, and each result is
verified (re-parsed with tomllib, it must equal the intended data) by ``apply_fixes``."""

from __future__ import annotations

import sys

import pytest

from torchlint.fix.apply import apply_fixes
from torchlint.fix.ops import AddConflict, AddIndex, AddSource, RemoveKey, RemoveString, RenameKey

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CU124 = (("name", "pytorch-cu124"), ("url", "https://download.pytorch.org/whl/cu124"), ("explicit", True))


def _one(text: str, *ops) -> str:  # type: ignore[no-untyped-def]
    outcome = apply_fixes(text, [tuple(ops)])
    assert not outcome.refused, outcome.refused
    return outcome.text


def _refused(text: str, *ops) -> None:  # type: ignore[no-untyped-def]
    outcome = apply_fixes(text, [tuple(ops)])
    assert outcome.refused and not outcome.applied and outcome.text == text


def test_rename_header_table_keeps_comments() -> None:
    text = (
        '[project]\nname = "x"\n\n# where torch comes from\n[tool.uv.souces]  # typo\n'
        'torch = { index = "pytorch" }  # cpu build\n\n[[tool.uv.index]]\nname = "pytorch"\nurl = "u"\n'
    )
    out = _one(text, RenameKey(("tool", "uv"), "souces", "sources"))
    assert out == text.replace("[tool.uv.souces]", "[tool.uv.sources]")


def test_rename_table_split_over_headers() -> None:
    text = '[tool.uv.souces]\ntorch = { index = "a" }\n\n[project]\nname = "x"\n\n[tool.uv]\nx = 1\n'
    out = _one(text, RenameKey(("tool", "uv"), "souces", "sources"))
    assert out == text.replace("souces", "sources")


def test_rename_key_in_index_element_and_inline_table() -> None:
    text = '[[tool.uv.index]]\nname = "p"\nurl = "u"\nexplict   = true # note\n'
    out = _one(text, RenameKey(("tool", "uv", "index", 0), "explict", "explicit"))
    assert out == text.replace("explict", "explicit")
    text = '[tool.uv.sources]\ntorch = { index = "a", extras = "cpu" } # c\n'
    out = _one(text, RenameKey(("tool", "uv", "sources", "torch"), "extras", "extra"))
    assert out == '[tool.uv.sources]\ntorch = { index = "a", extra = "cpu" } # c\n'
    text = '[tool.uv]\n"souces" = { torch = { index = "a" } } # c\n'
    assert _one(text, RenameKey(("tool", "uv"), "souces", "sources")) == text.replace("souces", "sources")


def test_rename_refused_when_target_exists_or_dotted() -> None:
    _refused(
        '[tool.uv.souces]\ntorch = { index = "a" }\n[tool.uv.sources]\nx = { index = "b" }\n',
        RenameKey(("tool", "uv"), "souces", "sources"),
    )
    _refused('[tool]\nuv.souces.torch = { index = "a" }\n', RenameKey(("tool", "uv"), "souces", "sources"))


def test_remove_string_keeps_the_other_items() -> None:
    text = '[tool.uv]\nfind-links = [\n  "a",  # first\n  "b",  # second\n]\n'
    out = _one(text, RemoveString(("tool", "uv", "find-links"), "b"))
    assert tomllib.loads(out)["tool"]["uv"]["find-links"] == ["a"]
    assert '  "a",  # first  # second\n]' in out  # the removed item's comment is kept
    _refused(text, RemoveString(("tool", "uv", "find-links"), "c"))


def test_add_index_new_and_appended() -> None:
    text = '[project]\nname = "x"\n\n[tool.uv.pip]\nextra-index-url = ["u"]  # c\n'
    out = _one(text, AddIndex(CU124), RemoveKey(("tool", "uv", "pip"), "extra-index-url"))
    assert out == (
        '[project]\nname = "x"\n\n[tool.uv.pip]\n# c\n\n[[tool.uv.index]]\nname = "pytorch-cu124"\n'
        'url = "https://download.pytorch.org/whl/cu124"\nexplicit = true\n'
    )
    text = '[[tool.uv.index]]\nname = "a"\nurl = "u"\n\n[tool.uv.sources]\ntorch = { index = "a" }\n'
    out = _one(text, AddIndex(CU124))
    assert out == (
        '[[tool.uv.index]]\nname = "a"\nurl = "u"\n\n[[tool.uv.index]]\nname = "pytorch-cu124"\n'
        'url = "https://download.pytorch.org/whl/cu124"\nexplicit = true\n\n'
        '[tool.uv.sources]\ntorch = { index = "a" }\n'
    )
    # an equal index is not added twice; one with the same name and another URL is never redefined
    assert apply_fixes(out, [(AddIndex(CU124),)]).text == out
    _refused(out, AddIndex((("name", "pytorch-cu124"), ("url", "https://download.pytorch.org/whl/cu126"))))


def test_add_conflict_creates_or_appends() -> None:
    text = '[project]\nname = "x"\n\n# sources\n[tool.uv.sources]  # here\ntorch = { index = "a" }\n'
    out = _one(text, AddConflict((("extra", "cpu"), ("extra", "cu124"))))
    assert out == (
        '[project]\nname = "x"\n\n[tool.uv]\nconflicts = [[{ extra = "cpu" }, { extra = "cu124" }]]\n\n'
        '# sources\n[tool.uv.sources]  # here\ntorch = { index = "a" }\n'
    )
    text = '[tool.uv]\nconflicts = [\n  [{ group = "a" }, { group = "b" }],  # ab\n]\n'
    out = _one(text, AddConflict((("extra", "cpu"), ("extra", "cu124"))))
    assert tomllib.loads(out)["tool"]["uv"]["conflicts"] == [
        [{"group": "a"}, {"group": "b"}],
        [{"extra": "cpu"}, {"extra": "cu124"}],
    ]
    assert "# ab" in out
    assert apply_fixes(out, [(AddConflict((("extra", "cpu"), ("extra", "cu124"))),)]).text == out


@pytest.mark.parametrize("crlf", [False, True])
def test_new_ops_keep_line_endings(crlf: bool) -> None:
    text = '[project]\nname = "x"\n\n[tool.uv.souces]\ntorch = { index = "pytorch-cu124" }\n'
    if crlf:
        text = text.replace("\n", "\r\n")
    out = _one(
        text,
        RenameKey(("tool", "uv"), "souces", "sources"),
        AddIndex(CU124),
        AddSource("torchvision", ((("index", "pytorch-cu124"),),)),
    )
    assert ("\r\n" in out) == crlf
    if crlf:
        assert "\n" not in out.replace("\r\n", "")


def test_remove_key_keeps_its_comments_as_lines() -> None:
    text = '[tool.uv]\nfind-links = [\n  "a",  # first\n  "b",\n]  # after\nx = 1  # xc\n'
    out = _one(text, RemoveKey(("tool", "uv"), "find-links"))
    assert out == "[tool.uv]\n# first\n# after\nx = 1  # xc\n"
    out = _one(text, RemoveKey(("tool", "uv"), "x"))
    assert out.endswith("]  # after\n# xc\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a comment introducing the next table stays with it
            '[tool.uv]\nfind-links = ["a"]\n\n# ruff settings\n[tool.ruff]\nline-length = 100\n# the end\n',
            '[tool.uv]\nfind-links = ["a"]\n\n[[tool.uv.index]]\nname = "p"\nurl = "u"\nexplicit = true\n\n'
            '[tool.uv.sources]\ntorch = [{ index = "p" }]\n\n# ruff settings\n[tool.ruff]\nline-length = 100\n'
            "# the end\n",
        ),
        (  # a comment ending the file still ends it
            '[project]\nname = "x"\n\n[[tool.uv.index]]\nname = "a"\nurl = "b"\n# the end\n',
            '[project]\nname = "x"\n\n[[tool.uv.index]]\nname = "a"\nurl = "b"\n\n[[tool.uv.index]]\nname = "p"\n'
            'url = "u"\nexplicit = true\n\n[tool.uv.sources]\ntorch = [{ index = "p" }]\n# the end\n',
        ),
        (  # a new sources entry goes after the last one, not after the next header's comment
            '[tool.uv.sources]\ntorch = { index = "a" }\n\n# indexes\n[[tool.uv.index]]\nname = "a"\nurl = "b"\n',
            '[tool.uv.sources]\ntorch = { index = "a" }\ntorchvision = [{ index = "p" }]\n\n# indexes\n'
            '[[tool.uv.index]]\nname = "a"\nurl = "b"\n\n[[tool.uv.index]]\nname = "p"\nurl = "u"\nexplicit = true\n',
        ),
    ],
    ids=["before-next-header", "end-of-file", "new-key"],
)
def test_new_keys_and_tables_leave_comments_in_place(text: str, expected: str) -> None:
    package = "torchvision" if "torch = " in text else "torch"
    out = _one(
        text,
        AddIndex((("name", "p"), ("url", "u"), ("explicit", True))),
        AddSource(package, ((("index", "p"),),)),
    )
    assert out == expected

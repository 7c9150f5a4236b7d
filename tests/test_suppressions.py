"""Suppression comments: placement, forms, file-level ignores, and TL900 for the unused ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import check_json, run_cli, write_project
from torchlint.check import CheckOptions, CheckResult, run_check
from torchlint.config import Config
from torchlint.index.probe import ProbeOptions

HEAD = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests"]
"""
INDEX = """
[[tool.uv.index]]{trailing}
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
"""
# HEAD + INDEX: one TL001 at 7:1 (the [[tool.uv.index]] header)


def _run(tmp_path: Path, text: str, codes: list[str] | None = None, cfg: Config | None = None) -> CheckResult:
    path = write_project(tmp_path, text)
    opts = CheckOptions(
        codes=codes, config=cfg, probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache"))
    )
    return run_check([str(path)], opts, environ={})


def _found(result: CheckResult) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.location.row, d.location.column, d.message) for d in result.diagnostics]


CODES = ["TL001", "TL002", "TL900"]


def test_unsuppressed_baseline(tmp_path: Path) -> None:
    result = _run(tmp_path, HEAD + INDEX.format(trailing=""), CODES)
    assert [(c, r, col) for c, r, col, _ in _found(result)] == [("TL001", 7, 1)]


@pytest.mark.parametrize(
    "text",
    [
        HEAD + INDEX.format(trailing="  # torchlint: ignore[TL001]"),
        HEAD + INDEX.format(trailing="  # torchlint: ignore[TL002, TL001]").replace("TL002, ", ""),
        HEAD + INDEX.format(trailing="  # torchlint: ignore"),
        HEAD + INDEX.format(trailing="  # noqa: TL001"),
        HEAD + INDEX.format(trailing="  # noqa"),
        HEAD + INDEX.format(trailing="  # keep: CI has no default index # torchlint: ignore[tl001]"),
        HEAD + "\n# torchlint: ignore[TL001]" + INDEX.format(trailing=""),
        "# torchlint: file-ignore[TL001]\n" + HEAD + INDEX.format(trailing=""),
        "# torchlint: file-ignore\n" + HEAD + INDEX.format(trailing=""),
    ],
    ids=[
        "trailing",
        "trailing-one-code",
        "trailing-bare",
        "noqa",
        "noqa-bare",
        "after-other-comment-lowercase",
        "line-above",
        "file-ignore",
        "file-ignore-bare",
    ],
)
def test_suppressed_and_used(tmp_path: Path, text: str) -> None:
    result = _run(tmp_path, text, CODES)
    assert _found(result) == []
    assert result.suppressed == 1
    assert result.exit_code == 0


def test_line_above_must_be_alone_and_directly_above(tmp_path: Path) -> None:
    text = HEAD + "\n# torchlint: ignore[TL001]\n" + INDEX.format(trailing="")
    result = _run(tmp_path, text, CODES)  # a blank line in between: covers the blank line
    assert [(c, r, col) for c, r, col, _ in _found(result)] == [("TL900", 7, 1), ("TL001", 9, 1)]
    assert _found(result)[0][3] == "unused suppression: no TL001 diagnostic on line 8"


def test_unused_suppression_message_and_position(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="") + "explicit = true  # torchlint: ignore[TL001]\n"
    result = _run(tmp_path, text, CODES)
    assert _found(result) == [("TL900", 10, 18, "unused suppression: no TL001 diagnostic on line 10")]
    d = result.diagnostics[0]
    assert (d.name, d.severity, d.help) == ("unused-suppression", "warning", "remove the comment")
    assert (d.location.end_row, d.location.end_column) == (10, 44)
    assert result.exit_code == 1


def test_partly_unused(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="  # torchlint: ignore[TL001, TL002]")
    result = _run(tmp_path, text, CODES)
    assert _found(result) == [("TL900", 7, 20, "unused suppression: no TL002 diagnostic on line 7")]
    assert result.diagnostics[0].help == "remove TL002 from the comment"


def test_unknown_code(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="  # torchlint: ignore[TL001, TL0001]")
    result = _run(tmp_path, text, CODES)
    assert _found(result) == [
        ("TL900", 7, 20, "suppression names unknown rule code TL0001; did you mean `TL001`?")
    ]


def test_file_ignore_below_first_header_has_no_effect(tmp_path: Path) -> None:
    text = HEAD + "# torchlint: file-ignore[TL001]\n" + INDEX.format(trailing="")
    result = _run(tmp_path, text, CODES)
    assert _found(result) == [
        ("TL900", 6, 1, "file-level suppression below the first table header has no effect"),
        ("TL001", 8, 1, result.diagnostics[1].message),
    ]


def test_unused_file_ignore(tmp_path: Path) -> None:
    result = _run(tmp_path, "# torchlint: file-ignore[TL002]\n" + HEAD, CODES)
    assert _found(result) == [
        ("TL900", 1, 1, "unused file-level suppression: no TL002 diagnostic in this file")
    ]


def test_other_tools_noqa_is_left_alone(tmp_path: Path) -> None:
    result = _run(tmp_path, HEAD.replace('["requests"]', '["requests"]  # noqa: E501'), CODES)
    assert _found(result) == []


def test_codes_that_did_not_run_are_not_called_unused(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="") + "explicit = true  # torchlint: ignore[TL001]\n"
    assert _found(_run(tmp_path, text, ["TL002", "TL900"])) == []
    # a bare suppression is judged only when every rule ran
    text = HEAD + INDEX.format(trailing="") + "explicit = true  # torchlint: ignore\n"
    assert _found(_run(tmp_path, text, ["TL002", "TL900"])) == []
    result = _run(tmp_path, text)
    assert [(c, r, m) for c, r, _, m in _found(result) if c == "TL900"] == [
        ("TL900", 10, "unused suppression: no diagnostic on line 10 to ignore")
    ]


def test_tl900_off_means_no_reports(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="") + "explicit = true  # torchlint: ignore[TL001]\n"
    assert _found(_run(tmp_path, text, ["TL001", "TL002"])) == []


def test_tl900_can_be_silenced(tmp_path: Path) -> None:
    text = HEAD + INDEX.format(trailing="") + "explicit = true  # torchlint: ignore[TL001, TL900]\n"
    assert _found(_run(tmp_path, text, CODES)) == []
    text = (
        "# torchlint: file-ignore[TL900]\n"
        + HEAD
        + "# torchlint: ignore[TL002]\n"
        + INDEX.format(trailing="")
    )
    assert [c for c, *_ in _found(_run(tmp_path, text, CODES))] == ["TL001"]
    cfg = Config(per_file_ignores={"pyproject.toml": ["TL900"]}, base_dir=str(tmp_path))
    text = HEAD + "explicit = 1  # torchlint: ignore[TL002]\n"
    assert _found(_run(tmp_path, text, CODES, cfg)) == []


def test_comment_inside_a_string_is_not_a_directive(tmp_path: Path) -> None:
    text = HEAD.replace('version = "0.1.0"', 'version = "0.1.0"\ndescription = "# torchlint: ignore"')
    result = _run(tmp_path, text + INDEX.format(trailing=""), CODES)
    assert [c for c, *_ in _found(result)] == ["TL001"]


def test_through_the_cli(tmp_path: Path) -> None:
    path = write_project(tmp_path, HEAD + INDEX.format(trailing="  # torchlint: ignore[TL001, TL003]"))
    code, diags, _ = check_json(path, "--offline", "--select", "TL001,TL003,TL900")
    assert code == 1
    assert [(d["code"], d["location"], d["message"]) for d in diags] == [
        ("TL900", {"row": 7, "column": 20}, "unused suppression: no TL003 diagnostic on line 7")
    ]
    proc = run_cli(
        ["check", "--offline", "--select", "TL001,TL003,TL900", "--output-format", "concise"], cwd=tmp_path
    )
    assert proc.stdout.splitlines()[0] == (
        "pyproject.toml:7:20: TL900 [warning] unused suppression: no TL003 diagnostic on line 7"
    )

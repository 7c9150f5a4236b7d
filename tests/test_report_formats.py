"""The machine-readable and shareable formats: json-lines, github, sarif, html.

CheckResults are built directly from Diagnostic objects (with hostile text: HTML, workflow-command
syntax, percent signs, newlines, unicode), then each format is parsed back and checked; one test
per format goes end to end through the CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.helpers import run_cli, write_project
from torchlint.check import CheckResult
from torchlint.diagnostics import Diagnostic, Fix, Location, Related, Severity
from torchlint.engine import all_rules
from torchlint.report import FORMATS, HUMAN_FORMATS, render
from torchlint.report import github as github_format
from torchlint.report import html as html_format
from torchlint.report import sarif as sarif_format

SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"

SOURCE = """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch==2.7.0", "torchvision"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
"""

HOSTILE = [
    "index <script>alert('x')</script> & \"quoted\" <b>bold</b>",
    "100% of 50%0A builds: fail, then :: more, a=b",
    "two lines\nsecond line\r\nthird ::error::injected",
    "unicode: torch → ü 🔥 \u2028sep\u2029 \x85nel",
    "[text](1) looks like an embedded SARIF link; so does [x]",
    "line\n::warning file=x::fake annotation",
]


#: URLs in a sample message and evidence line: the HTML report must make them links.
LINKED = ("https://example.org/a", "https://download.pytorch.org/whl/cpu/torch/")


def loc(row: int, col: int, end_row: int | None = None, end_col: int | None = None, **kw: Any) -> Location:
    filename = kw.pop("filename", "pyproject.toml")
    return Location(
        filename,
        row,
        col,
        row if end_row is None else end_row,
        col + 5 if end_col is None else end_col,
        kw.pop("toml_path", "tool.uv.index[0]"),
    )


def diag(code: str, severity: Severity, message: str, location: Location, **kw: Any) -> Diagnostic:
    names = {rm.code: rm.rule.name for rm in all_rules()}
    return Diagnostic(
        code=code,
        name=names.get(code, "made-up-rule"),
        severity=severity,
        message=message,
        location=location,
        **kw,
    )


def sample_result() -> CheckResult:
    ds = [
        diag(
            "TL201",
            "error",
            HOSTILE[0],
            loc(7, 9, end_col=34, toml_path="tool.uv.sources.torch"),
            targets=("linux-x86_64", "linux-aarch64"),
            related=(Related("index `pytorch-cpu` defined here, 50%: a,b", loc(9, 1, end_col=17)),),
            evidence=('Requires-Dist: pytorch-triton==3.3.0; platform_system == "Linux"', "ev <i>2</i>"),
            help="route `pytorch-triton` too: 100% needed",
            basis="snapshot 2026-01-01",
            extra={"targets_summary": "linux-x86_64 (Python 3.12-3.15), linux-aarch64 (Python 3.12-3.15)"},
        ),
        diag("TL201", "error", HOSTILE[1], loc(4, 17, end_col=31), targets=("linux-x86_64",)),
        diag("TL000", "error", HOSTILE[2], loc(4, 33, end_col=46), help="fix the\nvalue"),
        diag(
            "TL001",
            "warning",
            HOSTILE[3],
            loc(9, 1, end_col=17),
            related=(
                Related("url ü", loc(11, 7, end_col=45)),
                Related("sources entry", loc(7, 9, end_col=34)),
            ),
            fix=Fix("unsafe", "add `explicit = true`"),
        ),
        diag("TL003", "warning", HOSTILE[4], loc(4, 17, 5, 2), targets=("macos-arm64",)),
        # the same code on the same line text twice: distinct occurrence numbers
        diag("TL003", "warning", "duplicate one", loc(4, 17, end_col=20)),
        diag("TL003", "warning", "duplicate two", loc(4, 33, end_col=40)),
        diag("TL002", "info", HOSTILE[5], loc(7, 1), targets=("macos-arm64", "windows-x86_64")),
        diag(
            "TL102",
            "info",
            "`torch` is not listed on <https://example.org/a>",
            loc(5, 1),
            targets=(
                "linux-x86_64-py3.12",
                "linux-x86_64-py3.13",
                "macos-arm64-py3.12",
                "macos-arm64-py3.13",
            ),
            evidence=(f"{LINKED[1]} lists torch 2.7.0 (snapshot)",),
        ),
        diag(
            "TL002",
            "info",
            "info in a subdirectory with a space",
            loc(2, 1, filename="sub dir/pyproject.toml"),
        ),
        diag(
            "TL999",
            "info",
            "a code outside the registry",
            loc(1, 1, filename="/elsewhere/päth/pyproject.toml"),
        ),
        # a degenerate span (end before start) must still give a valid region
        Diagnostic(
            "TL001", "index-not-explicit", "warning", "odd span", Location("pyproject.toml", 10, 4, 1, 1)
        ),
    ]
    return CheckResult(
        diagnostics=ds,
        files=["pyproject.toml", "sub dir/pyproject.toml"],
        origins={"snapshot"},
        snapshot_date="2026-01-01",
        notes=["the default index is the snapshot's record"],
        skipped=[("TL201", "needs index data, and probing is disabled")],
    )


SOURCES = {"pyproject.toml": SOURCE}


def test_formats_registered() -> None:
    assert FORMATS == ("full", "concise", "json", "json-lines", "github", "sarif", "html")
    assert HUMAN_FORMATS == ("full", "concise")
    assert set(HUMAN_FORMATS) <= set(FORMATS)
    with pytest.raises(ValueError):
        render("xml", sample_result(), SOURCES)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in HUMAN_FORMATS])
def test_machine_formats_ignore_color(fmt: str) -> None:
    result = sample_result()
    text = render(fmt, result, SOURCES, color=True)
    assert "\x1b[" not in text
    assert text == render(fmt, result, SOURCES, color=False) or fmt == "sarif"


# --- json-lines ---------------------------------------------------------------------------------


def test_json_lines_one_object_per_line() -> None:
    result = sample_result()
    text = render("json-lines", result, SOURCES)
    assert text.endswith("\n")
    # splitlines() also breaks on U+2028/U+2029/U+0085: they must be escaped
    lines = text.splitlines()
    assert lines == text.rstrip("\n").split("\n")
    assert [json.loads(line) for line in lines] == [d.to_json() for d in result.diagnostics]
    assert json.loads(render("json", result, SOURCES)) == [json.loads(line) for line in lines]


def test_json_lines_empty() -> None:
    assert render("json-lines", CheckResult(), {}) == ""


# --- github -------------------------------------------------------------------------------------

COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice) (?P<props>[^:\r\n]*)::(?P<msg>[^\r\n]*)$")
_UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def unescape(s: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: _UNESCAPE[m.group(0)], s)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND.match(line)
    assert m, line
    props = {}
    for part in m.group("props").split(","):
        key, sep, value = part.partition("=")
        assert sep, line
        props[key] = unescape(value)
    assert "%" not in re.sub(r"%(25|0D|0A)", "", m.group("msg")), line
    return m.group("cmd"), props, unescape(m.group("msg"))


def test_github_annotations_round_trip() -> None:
    result = sample_result()
    lines = render("github", result, SOURCES).rstrip("\n").split("\n")
    n = len(result.diagnostics)
    cmd_of = {"error": "error", "warning": "warning", "info": "notice"}
    for line, d in zip(lines[:n], result.diagnostics, strict=True):
        cmd, props, msg = parse_command(line)
        loc_ = d.location
        assert cmd == cmd_of[d.severity]
        assert props["file"] == loc_.filename
        assert props["title"] == f"torchlint ({d.code})"
        assert (int(props["line"]), int(props["col"])) == (loc_.row, loc_.column)
        assert int(props["endLine"]) >= int(props["line"])
        assert list(props) == ["file", "line", "col", "endLine", "endColumn", "title"]
        assert msg == f"{loc_.filename}:{loc_.row}:{loc_.column}: {d.code} {d.message}"
    first = result.diagnostics[0]
    assert parse_command(lines[0])[1]["endColumn"] == str(first.location.end_column)


def test_github_escaping_of_properties() -> None:
    d = diag("TL001", "warning", "m", loc(1, 1, filename="we:ird,name%.toml"))
    line = github_format.annotation(d)
    assert "file=we%3Aird%2Cname%25.toml," in line
    assert parse_command(line)[1]["file"] == "we:ird,name%.toml"
    assert github_format.escape_data("a%b\r\nc:,") == "a%25b%0D%0Ac:,"
    assert github_format.escape_property("a%b\r\nc:,") == "a%25b%0D%0Ac%3A%2C"


def test_github_plain_report_follows_and_cannot_inject_commands() -> None:
    from torchlint.report import concise

    result = sample_result()
    lines = render("github", result, SOURCES).rstrip("\n").split("\n")
    n = len(result.diagnostics)
    start = lines[n]
    assert start.startswith("::stop-commands::")
    token = start.removeprefix("::stop-commands::")
    assert len(token) > 20
    assert lines[-1] == f"::{token}::"
    assert f"::{token}::" not in "\n".join(lines[n + 1 : -1])
    assert "\n".join(lines[n + 1 : -1]) + "\n" == concise.render(result, color=False)
    # every line that the runner would read as a command is one we meant
    for line in lines[:n]:
        parse_command(line)
    # the hostile messages do put "::" at the start of plain lines, but only inside the guarded block
    guarded = lines[n + 1 : -1]
    assert any(x.startswith("::warning file=x::") for x in guarded)
    assert not any(x.startswith("::") for x in lines[:n] if not COMMAND.match(x))


def test_github_clean_run() -> None:
    text = render("github", CheckResult(), {})
    assert "All checks passed!" in text
    assert text.splitlines()[0].startswith("::stop-commands::")


# --- sarif --------------------------------------------------------------------------------------


def sarif_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_valid_sarif(log: dict[str, Any]) -> None:
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_sarif_is_valid_against_the_official_schema(tmp_path: Path) -> None:
    log = json.loads(json.dumps(sarif_format.build(sample_result(), SOURCES, cwd=str(tmp_path))))
    assert_valid_sarif(log)
    text = render("sarif", sample_result(), SOURCES)
    assert_valid_sarif(json.loads(text))


def test_sarif_shape(tmp_path: Path) -> None:
    result = sample_result()
    log = sarif_format.build(result, SOURCES, cwd=str(tmp_path))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "torchlint" and driver["version"] and driver["informationUri"]
    rules = driver["rules"]
    registry = [rm.code for rm in all_rules()]
    assert [r["id"] for r in rules] == [*registry, "TL999"]
    for r in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert r[key]["text"].strip()
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert r["helpUri"].endswith(f"/{r['id']}.md")
        assert r["properties"]["tags"] and r["properties"]["precision"]
    tl001 = rules[registry.index("TL001")]
    assert "## What it does" in tl001["help"]["markdown"]
    assert tl001["defaultConfiguration"]["level"] == "warning"
    assert run["invocations"][0]["executionSuccessful"] is True
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("2026-01-01" in n for n in notes)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"

    results = run["results"]
    assert len(results) == len(result.diagnostics)
    for res, d in zip(results, result.diagnostics, strict=True):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == d.code
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[d.severity]
        phys = res["locations"][0]["physicalLocation"]
        region = phys["region"]
        assert region["startLine"] == d.location.row and region["startColumn"] == d.location.column
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        assert re.fullmatch(r"[0-9a-f]{16}:\d+", res["partialFingerprints"]["primaryLocationLineHash"])
        assert len(res["relatedLocations"] if d.related else []) == len(d.related)

    first = results[0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "pyproject.toml",
        "uriBaseId": "%SRCROOT%",
    }
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 9,
        "endLine": 7,
        "endColumn": 34,
    }
    text = first["message"]["text"]
    assert text.startswith(HOSTILE[0] + ".")
    assert "Requires-Dist: pytorch-triton==3.3.0" in text and "ev <i>2</i>" in text
    assert "Help: route `pytorch-triton` too" in text
    assert "linux-x86_64 (Python 3.12-3.15)" in text
    rel = first["relatedLocations"][0]
    assert rel["id"] == 1 and rel["message"]["text"].startswith("index `pytorch-cpu`")
    assert rel["physicalLocation"]["region"]["startLine"] == 9

    by_msg = {d.message: r for d, r in zip(result.diagnostics, results, strict=True)}
    sub = by_msg["info in a subdirectory with a space"]["locations"][0]["physicalLocation"]
    assert sub["artifactLocation"] == {"uri": "sub%20dir/pyproject.toml", "uriBaseId": "%SRCROOT%"}
    outside = by_msg["a code outside the registry"]["locations"][0]["physicalLocation"]
    assert outside["artifactLocation"] == {"uri": "file:///elsewhere/p%C3%A4th/pyproject.toml"}
    odd = by_msg["odd span"]["locations"][0]["physicalLocation"]["region"]
    assert (odd["endLine"], odd["endColumn"]) == (10, 4)
    # brackets that would read as an embedded link are escaped
    assert by_msg[HOSTILE[4]]["message"]["text"].startswith("\\[text\\](1)")
    assert "🔥" in by_msg[HOSTILE[3]]["message"]["text"]


def test_sarif_fingerprints_survive_line_moves(tmp_path: Path) -> None:
    result = sample_result()
    before = sarif_format.build(result, SOURCES, cwd=str(tmp_path))["runs"][0]["results"]
    shifted_source = "# a comment\n\n" + SOURCE
    moved = CheckResult(
        diagnostics=[
            Diagnostic(
                d.code,
                d.name,
                d.severity,
                d.message + " (reworded)",
                Location(
                    d.location.filename,
                    d.location.row + 2,
                    d.location.column,
                    d.location.end_row + 2,
                    d.location.end_column,
                    d.location.toml_path,
                ),
                targets=d.targets,
            )
            for d in result.diagnostics
        ]
    )
    after = sarif_format.build(moved, {"pyproject.toml": shifted_source}, cwd=str(tmp_path))["runs"][0][
        "results"
    ]

    def fp(results: list[dict[str, Any]]) -> list[str]:
        return [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]

    assert fp(before) == fp(after)
    by_msg = {d.message: f for d, f in zip(result.diagnostics, fp(before), strict=True)}
    one, two = by_msg["duplicate one"], by_msg["duplicate two"]
    assert one.split(":")[0] == two.split(":")[0] and {one[-2:], two[-2:]} == {":2", ":3"}
    # a different line or a different code gives a different hash
    assert len({f.split(":")[0] for f in fp(before)}) >= 5


# --- html ---------------------------------------------------------------------------------------


class Checker(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "input", "link", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.links: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") or name.startswith("on"):
                self.links.append((tag, name, value or ""))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(page: str) -> Checker:
    c = Checker()
    c.feed(page)
    c.close()
    assert not c.problems, c.problems
    assert not c.stack, c.stack
    return c


def test_html_is_self_contained_and_escaped() -> None:
    result = sample_result()
    page = render("html", result, SOURCES)
    assert page.startswith("<!DOCTYPE html>")
    c = parse_html(page)
    text = " ".join(" ".join(c.text).split())
    for d in result.diagnostics:  # code spans lose their backticks, links their angle brackets
        plain = d.message.replace("`", "").replace("<https://", "https://").replace(".org/a>", ".org/a")
        assert " ".join(plain.split()) in text, d.message
        for ev in d.evidence:
            assert ev in text
    assert "<script" not in page and "script" not in c.tags and "b" not in c.tags and "i" not in c.tags
    assert "&lt;script&gt;alert(" in page
    doc_urls = {d.url for d in result.diagnostics} | set(LINKED)
    for tag, attr, value in c.links:
        assert attr in ("href",), (tag, attr, value)
        assert value.startswith("#") or value in doc_urls, value
    assert {v for _t, _a, v in c.links} >= set(LINKED)  # URLs in messages and evidence are links
    assert "url(" not in page and "@import" not in page
    for line in page.splitlines():  # --quiet filters lines starting with these
        assert not line.startswith(("Found ", "All checks", "Index facts", "Note:", "Skipped "))
    assert "the bundled snapshot of 2026-01-01" in text
    assert "Note: the default index is the snapshot" in text
    assert "3 errors" in text and "5 warnings" in text and "4 info" in text


def test_html_lists_each_finding_once_errors_first() -> None:
    result = sample_result()
    page = render("html", result, SOURCES)
    c = parse_html(page)
    assert page.count('<article class="finding') == len(result.diagnostics)
    severities = re.findall(r'<article class="finding (\w+)"', page)
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__) or severities == [
        d.severity for d in result.diagnostics
    ]
    text = " ".join(c.text)
    # targets as one compact list: a summary when the rule gave one, else merged target names
    assert "linux-x86_64 (Python 3.12-3.15), linux-aarch64 (Python 3.12-3.15)" in text
    assert "Linux x86_64, macOS arm64, Python 3.12–3.13" in text
    # code spans are rendered, not shown raw
    assert "<code>pytorch-triton</code>" in page and "`pytorch-triton`" not in page
    assert html_format.targets_of(result.diagnostics[2]) == ""


def test_html_clean_run() -> None:
    page = render("html", CheckResult(files=["pyproject.toml"]), {})
    c = parse_html(page)
    assert "all checks passed" in " ".join(c.text)


def test_report_modules_do_not_import_jinja2_until_html_renders() -> None:
    code = (
        "import sys, torchlint.report, torchlint.report.html, torchlint.report.sarif, "
        "torchlint.report.github, torchlint.report.json_lines; print('jinja2' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


# --- end to end ---------------------------------------------------------------------------------

TL001_PROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["torch==2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
"""


def test_cli_sarif_end_to_end(tmp_path: Path) -> None:
    write_project(tmp_path, TL001_PROJECT)
    proc = run_cli(["check", "pyproject.toml", "--offline", "--output-format", "sarif"], cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    assert_valid_sarif(log)
    run = log["runs"][0]
    tl001 = [r for r in run["results"] if r["ruleId"] == "TL001"]
    assert tl001, run["results"]
    phys = tl001[0]["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"}
    assert phys["region"]["startLine"] == 10
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert run["tool"]["driver"]["rules"][tl001[0]["ruleIndex"]]["id"] == "TL001"


@pytest.mark.parametrize("fmt", ["json-lines", "github", "html"])
def test_cli_other_formats_end_to_end(tmp_path: Path, fmt: str) -> None:
    write_project(tmp_path, TL001_PROJECT)
    proc = run_cli(["check", "pyproject.toml", "--offline", "--output-format", fmt], cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    if fmt == "json-lines":
        assert "TL001" in [json.loads(line)["code"] for line in proc.stdout.splitlines()]
    elif fmt == "github":
        commands = [parse_command(x) for x in proc.stdout.splitlines() if COMMAND.match(x)]
        assert ("warning", "pyproject.toml", "torchlint (TL001)") in [
            (cmd, props["file"], props["title"]) for cmd, props, _msg in commands
        ]
    else:
        c = parse_html(proc.stdout)
        assert "TL001" in " ".join(c.text)


def test_sarif_schema_check_is_not_vacuous(tmp_path: Path) -> None:
    validator = sarif_validator()
    assert type(validator).__name__ == "Draft4Validator"  # what the vendored file declares
    log = sarif_format.build(sample_result(), SOURCES, cwd=str(tmp_path))
    del log["runs"][0]["results"][0]["message"]
    log["runs"][0]["results"][1]["level"] = "info"
    assert len(list(validator.iter_errors(log))) >= 2

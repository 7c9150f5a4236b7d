"""``torchlint matrix``: a faithful view of the resolution model, in every format.

* every outcome of the model appears in exactly one cell, saying what the outcome says, and rows
  merge only consecutive Pythons with the same answer (every example, every manager);
* the terminal table fits 100 columns; colour only when asked for or on a terminal;
* the JSON output validates against ``torchlint/resources/matrix.schema.json``;
* the issue's "done when" on u71, ``check``'s summary line, the HTML report's matrix, and the
  README's matrix block (it must be the command's real output).

Agreement with real uv is ``tests/test_matrix_uv.py``; the page in a browser is
``tests/test_matrix_browser.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli
from torchlint.matrix import terminal
from torchlint.matrix.build import Matrix, ProjectMatrix, project_matrix

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "expected.json").is_file())
U71 = ROOT / "examples" / "u71-guide-cuda-linux-windows-cpu-elsewhere" / "pyproject.toml"
SCHEMA = ROOT / "torchlint" / "resources" / "matrix.schema.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def model_and_matrix(example: Path) -> tuple[Any, ProjectMatrix]:
    from torchlint.check import discover, load_project
    from torchlint.index.probe import Probe, ProbeOptions
    from torchlint.resolution import resolve
    from torchlint.routing import Router, resolve_default_index
    from torchlint.rules.base import RuleContext
    from torchlint.targets import build_targets

    (path,) = discover([str(example)])[:1] or [str(example)]
    project = load_project(path)
    router = Router(project, resolve_default_index(project, None, {}))
    probe = Probe(ProbeOptions(offline=True), {})
    try:
        ctx = RuleContext(project, build_targets(project), router, probe)
        res = resolve(ctx)
        return res, project_matrix(ctx, res)
    finally:
        probe.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_matrix_restates_the_model(example: Path) -> None:
    res, pm = model_and_matrix(example)
    seen: dict[tuple[str, str, str], Any] = {}
    for sec in pm.sections:
        for row in sec.rows:
            minors = [py[1] for py in row.pythons]
            assert minors == list(range(minors[0], minors[0] + len(minors))), (
                "merged Pythons must be consecutive"
            )
            assert all(t.startswith(row.platform + "-py") for t in row.targets)
            for package, cell in row.cells.items():
                if cell is None:
                    continue
                for t in row.targets:
                    key = (sec.label, t, package)
                    assert key not in seen, key
                    seen[key] = (cell, row.wheels[package][t])
    every = {(o.fork.label, o.target.name, o.package): o for o in res.outcomes}
    assert set(seen) == set(every), set(seen) ^ set(every)
    for key, o in every.items():
        cell, wheel = seen[key]
        assert cell.status == o.status, key
        assert cell.intent == o.intent, key
        if o.status != "fails":
            assert cell.version == (str(o.pick.version) if o.pick else None), key
        assert wheel == (o.wheel.filename if o.wheel else None), key
        if o.status != "ok":
            assert cell.gap is not None and cell.reason, key
    assert pm.lock_fails == res.lock_fails
    assert set(pm.intended_gaps) == {
        o.target.name for o in res.outcomes if o.status in ("no-wheel", "fails") and o.intent != "no"
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_terminal_table_fits_100_columns(example: Path) -> None:
    _res, pm = model_and_matrix(example)
    text = terminal.render(Matrix([pm], ["Index facts from the bundled snapshot."], ["snapshot"], None))
    too_wide = [line for line in text.splitlines() if len(line) > 100 and not line.startswith("Note:")]
    assert not too_wide, too_wide
    if pm.packages:
        assert "target" in text and pm.packages[0] in text


def test_u71_done_when() -> None:
    """CUDA on Linux and Windows, CPU on macOS arm64, Intel macOS a gap with its reason."""
    proc = run_cli(["matrix", str(U71), "--offline"], cwd=U71.parent)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.split()[:1]}
    for plat in ("linux-x86_64", "linux-aarch64", "windows-amd64"):
        assert "+cu130 pytorch-cu130" in rows[plat], rows[plat]
    assert "pytorch-cpu" in rows["macos-arm64"] and "cu130" not in rows["macos-arm64"]
    assert "no wheel for platform" in rows["macos-x86_64"]
    assert re.search(r"torch on macOS x86_64, Python 3\.12–3\.14 \(not intended\): torch \S+ on", proc.stdout)
    assert "has no wheel for macOS x86_64" in proc.stdout
    assert "Index facts from the bundled snapshot of" in proc.stdout
    assert not ANSI.search(proc.stdout), "no colour when stdout is not a terminal"


def test_colour_per_backend_only_when_asked() -> None:
    always = run_cli(["matrix", str(U71), "--offline", "--color", "always"], cwd=U71.parent).stdout
    assert "\x1b[32m2.14.1+cu130" in always and "\x1b[34m2.15.0" in always and "\x1b[31m" in always
    assert ANSI.sub("", always) == run_cli(["matrix", str(U71), "--offline"], cwd=U71.parent).stdout
    no_color = run_cli(["matrix", str(U71), "--offline"], cwd=U71.parent, env={"NO_COLOR": "1"}).stdout
    assert not ANSI.search(no_color)


def test_json_validates_against_the_schema() -> None:
    import jsonschema

    proc = run_cli(
        ["matrix", *(str(e) for e in EXAMPLES[:12]), str(U71), "--offline", "--output-format", "json"]
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["schema"] == 1 and doc["basis"]["origins"] == ["snapshot"]  # --offline: never "live"
    assert len(doc["projects"]) >= 12
    u71 = doc["projects"][-1]
    assert u71["packages"] == ["torch", "torchvision"] and u71["intended_gaps"] == []
    assert u71["differing"] == ["torch", "torchvision"]  # 2.14.1+cu130 on Linux, 2.15.0 on macOS
    (fork,) = u71["forks"]
    intel = next(r for r in fork["rows"] if r["platform"] == "macos-x86_64")
    assert intel["intent"] == "no" and intel["cells"]["torch"]["gap"] == "platform"
    assert "Index facts" in proc.stderr  # machine formats state the basis on stderr


def test_forks_are_sections() -> None:
    example = ROOT / "examples" / "u72-guide-backend-extras"
    out = run_cli(["matrix", str(example), "--offline"]).stdout
    assert "With `--extra cpu`" in out and "With `--extra cu130`" in out


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["torch=="]\n[tool.uv\n')
    proc = run_cli(["matrix", "pyproject.toml", "--offline"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.match(r"^pyproject\.toml:\d+:\d+: ", proc.stderr) and len(proc.stderr.splitlines()) == 1


def test_check_points_at_the_matrix_only_when_intended_targets_have_gaps() -> None:
    broken = ROOT / "examples" / "u01-nightly-without-triton"
    out = run_cli(["check", str(broken), "--offline"], cwd=broken).stdout
    (line,) = [x for x in out.splitlines() if "torchlint matrix" in x]
    assert line.startswith("Note: the lock fails (Linux x86_64/aarch64") and line.endswith("gets.")
    # the uv guide's CUDA/CPU split passes, but Linux and macOS get different releases
    (line,) = [
        x
        for x in run_cli(["check", str(U71), "--offline"], cwd=U71.parent).stdout.splitlines()
        if "matrix" in x
    ]
    assert line.startswith("Note: intended targets get different releases of `torch`, `torchvision`: ")
    cpu_only = ROOT / "examples" / "u70-guide-cpu-only"
    assert "torchlint matrix" not in run_cli(["check", str(cpu_only), "--offline"], cwd=cpu_only).stdout
    quiet = run_cli(["check", str(broken), "--offline", "-q"], cwd=broken).stdout
    assert "torchlint matrix" not in quiet


def test_check_html_shows_the_matrix_first() -> None:
    proc = run_cli(["check", str(U71.parent), "--offline", "--output-format", "html"], cwd=U71.parent)
    page = proc.stdout
    assert page.count('<tr class="matrix-row') == 5
    assert page.index('class="matrix"') < page.index('id="findings"')
    assert "<link" not in page and "<script" not in page and "src=" not in page


def test_readme_shows_the_real_matrix() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What every target gets", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```text\n(.*?)^```", section, flags=re.S | re.M)
    command, _, shown = block.partition("\n")
    assert command.startswith("$ torchlint matrix ")
    args = command.removeprefix("$ torchlint ").split()
    proc = run_cli(args, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert shown.rstrip("\n") == proc.stdout.rstrip("\n")

"""Fixes: what they write, that they keep every byte of intent, and that they are safe to write."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, python_for_uv, uv_exe
from tests.indexserver.worlds import founding_case_world
from torchlint.check import CheckOptions, run_check
from torchlint.fix.apply import FixError, SourceBytes, apply_fixes, write_atomic
from torchlint.fix.run import attach_edits, plan_fixes
from torchlint.index.probe import ProbeOptions

BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()


def _check(path: Path, tmp: Path, select: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    opts = CheckOptions(select=select, probe=ProbeOptions(offline=True, cache_dir=str(tmp / "cache")))
    return run_check([str(path)], opts, environ={})


def _fix_once(path: Path, tmp: Path, unsafe: bool = False) -> str:
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        result = _check(Path(path.name), tmp)
        plans = plan_fixes(result, unsafe)
        for ff in plans:
            if ff.changed:
                write_atomic(ff.source, ff.new_text)
    finally:
        os.chdir(cwd)
    return path.read_bytes().decode("utf-8-sig")


def test_tl201_fix_declares_and_routes(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    fixed = _fix_once(path, tmp_path)
    assert "\"pytorch-triton ; platform_system == 'Linux'\"" in fixed
    assert 'pytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]' in fixed
    # every comment is still there, and the rest of the file is unchanged line for line
    for line in BROKEN.splitlines():
        assert line in fixed.splitlines() or line.startswith("dependencies")
    result = _check(path, tmp_path)
    assert not [d for d in result.diagnostics if d.code == "TL201"]
    # idempotent: nothing left to fix
    assert _fix_once(path, tmp_path) == fixed


def test_fix_keeps_crlf_bom_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BROKEN.replace("\n", "\r\n").encode())
    os.chmod(path, 0o640)
    _fix_once(path, tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"pytorch-triton = [" in raw
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)


def test_fix_writes_through_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text(BROKEN)
    link = tmp_path / "pyproject.toml"
    link.symlink_to(real)
    _fix_once(link, tmp_path)
    assert link.is_symlink()
    assert "pytorch-triton = [" in real.read_text()


def test_refuses_file_changed_since_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    src = SourceBytes.read(str(path))
    path.write_text(BROKEN + "\n# edited meanwhile\n")
    with pytest.raises(FixError, match="changed since it was read"):
        write_atomic(src, src.text + "x = 1\n")
    assert path.read_text().endswith("# edited meanwhile\n")


def test_interrupted_write_leaves_original_whole(tmp_path: Path) -> None:
    """A process killed (SIGKILL) in the middle of writing a fix: the original is intact."""
    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from torchlint.fix import apply
        real_fsync = os.fsync
        def slow_fsync(fd):
            print("writing", flush=True)
            time.sleep(30)
        os.fsync = slow_fsync
        src = apply.SourceBytes.read({str(path)!r})
        apply.write_atomic(src, src.text + "x" * 5_000_000)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert path.read_text() == BROKEN


def test_attach_edits_gives_one_replacement_per_changed_place(tmp_path: Path) -> None:
    """The edits (one per changed hunk, never a span over untouched lines) reproduce the fix."""
    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = _check(Path("pyproject.toml"), tmp_path)
        attach_edits(result)
    finally:
        os.chdir(cwd)
    (d,) = [d for d in result.diagnostics if d.code == "TL201"]
    assert d.fix is not None and d.fix.applicability == "safe"
    assert len(d.fix.edits) == 2  # the dependency and its source entry
    assert all("pytorch-triton" in e.content for e in d.fix.edits)
    assert all(e.location.row >= 8 for e in d.fix.edits)
    lines = BROKEN.splitlines(keepends=True)

    def offset(row: int, col: int) -> int:
        return sum(len(x) for x in lines[: row - 1]) + col - 1

    text = BROKEN
    for e in sorted(d.fix.edits, key=lambda e: (e.location.row, e.location.column), reverse=True):
        loc = e.location
        text = text[: offset(loc.row, loc.column)] + e.content + text[offset(loc.end_row, loc.end_column) :]
    assert text == _fix_once(path, tmp_path)


def test_unverifiable_fix_is_refused() -> None:
    from torchlint.fix.ops import AppendString

    text = 'dependencies = "not-an-array"\n'
    outcome = apply_fixes(text, [(AppendString(("dependencies",), "x"),)])
    assert not outcome.applied and outcome.refused and outcome.text == text


# ---------------------------------------------------------------------- property tests

_COMMENT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\x7f"),
    max_size=20,
)


@st.composite
def _variants(draw: st.DrawFn) -> str:
    """The founding case with comments, blank lines, quote styles and line endings varied."""
    lines = BROKEN.splitlines()
    out = []
    for line in lines:
        if draw(st.booleans()) and line and not line.startswith("#") and not line.endswith(("[", ",")):
            line = line + "  # " + draw(_COMMENT).replace("#", "")
        out.append(line)
        if draw(st.integers(0, 5)) == 0:
            out.append("")
        if draw(st.integers(0, 6)) == 0:
            out.append("# note: " + draw(_COMMENT))
    text = "\n".join(out) + "\n"
    if draw(st.booleans()):  # literal strings for the index URL and name
        text = text.replace(
            'url = "https://download.pytorch.org/whl/nightly/cpu"',
            "url = 'https://download.pytorch.org/whl/nightly/cpu'",
        )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=_variants())
def test_fix_preserves_intent_under_variation(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("fixprop")
    path = tmp / "pyproject.toml"
    path.write_bytes(text.encode())
    fixed = _fix_once(path, tmp)
    comments = re.findall(r"#[^\r\n]*", text)
    for c in comments:
        assert c in fixed
    assert ("\r\n" in text) == ("\r\n" in fixed)
    if "\r\n" in text:
        assert "\n" not in fixed.replace("\r\n", "")
    assert fixed.endswith("\r\n" if "\r\n" in text else "\n")
    result = _check(path, tmp)
    assert not [d for d in result.diagnostics if d.code == "TL201"]
    assert _fix_once(path, tmp) == fixed


@pytest.mark.uv
def test_uv_locks_the_fixed_founding_case(index_server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uv, py = uv_exe(), python_for_uv()
    if uv is None or py is None:
        pytest.skip("uv or a Python >= 3.12 is not available")
    server = index_server_factory(founding_case_world(nightlies=3), json=False, missing_status=403)
    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    fixed = _fix_once(path, tmp_path)
    local = fixed.replace(
        "https://download.pytorch.org/whl/nightly/cpu", server.index_url("/whl/nightly/cpu")
    )
    path.write_text(local)
    env = dict(os.environ)
    env.update(
        UV_DEFAULT_INDEX=server.index_url("/simple"),
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_PYTHON=py,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(tmp_path),
    )
    proc = subprocess.run([uv, "lock"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "pytorch-triton" in (tmp_path / "uv.lock").read_text()


def test_cli_diff_shows_exactly_what_fix_writes(tmp_path: Path) -> None:
    from tests.helpers import run_cli
    from torchlint.fix.apply import unified_diff

    path = tmp_path / "pyproject.toml"
    path.write_text(BROKEN)
    proc = run_cli(["check", "--offline", "--diff"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("--- a/pyproject.toml\n+++ b/pyproject.toml\n")
    assert path.read_text() == BROKEN  # --diff writes nothing
    proc = run_cli(["check", "--offline", "--fix"], cwd=tmp_path)
    assert "Fixed 1 finding(s)" in proc.stdout
    fixed = path.read_text()
    # the diff printed before equals the change --fix made
    path.write_text(BROKEN)
    before = run_cli(["check", "--offline", "--diff"], cwd=tmp_path).stdout
    assert before == unified_diff(BROKEN, fixed, "pyproject.toml")
    path.write_text(fixed)
    after = run_cli(["check", "--offline", "--diff"], cwd=tmp_path)
    assert (after.returncode, after.stdout) == (0, "")


def test_cli_unsafe_fixes_need_the_flag(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    text = BROKEN.replace('index = "pytorch-nightly", marker', 'index = "pytorch-nightl", marker', 1)
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    proc = run_cli(["check", "--offline", "--select", "TL002"], cwd=tmp_path)
    assert "hidden fixes can be enabled with the --unsafe-fixes option" in proc.stdout
    run_cli(["check", "--offline", "--select", "TL002", "--fix"], cwd=tmp_path)
    assert path.read_text() == text
    run_cli(["check", "--offline", "--select", "TL002", "--fix", "--unsafe-fixes"], cwd=tmp_path)
    assert 'torch = [{ index = "pytorch-nightly", marker' in path.read_text()


@pytest.mark.parametrize(
    ("example", "select", "before", "after"),
    [
        (
            "u22-marker-extra",
            "TL004",
            'torch = { index = "pytorch-cu126", marker = "extra == \'cuda\'" }',
            'torch = { index = "pytorch-cu126", extra = "cuda" }',
        ),
        (
            "u01-nightly-without-triton-fixed",
            "TL007",
            'torch = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]',
            'torch = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]',
        ),
    ],
)
def test_unsafe_marker_fixes(tmp_path: Path, example: str, select: str, before: str, after: str) -> None:
    from tests.helpers import run_cli

    text = (ROOT / "examples" / example / "pyproject.toml").read_text()
    if select == "TL007":  # break the sources' markers the way the 2024 guide did
        head, _, tail = text.partition("[tool.uv.sources]")
        text = (
            head + "[tool.uv.sources]" + tail.replace("sys_platform == 'linux'", "platform_system == 'linux'")
        )
        before = before.replace("sys_platform == 'linux'", "platform_system == 'linux'")
    assert before in text
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    run_cli(["check", "--offline", "--select", select, "--fix"], cwd=tmp_path)
    assert path.read_text() == text  # unsafe: not applied by --fix alone
    proc = run_cli(["check", "--offline", "--select", select, "--fix", "--unsafe-fixes"], cwd=tmp_path)
    fixed = path.read_text()
    assert after in fixed and before not in fixed
    assert [line for line in fixed.splitlines() if line.startswith("#")] == [
        line for line in text.splitlines() if line.startswith("#")
    ]
    again = run_cli(["check", "--offline", "--select", select, "--output-format", "json"], cwd=tmp_path)
    fixed_kind = "with `marker =" if select == "TL004" else "never true"
    assert fixed_kind not in again.stdout, proc.stdout

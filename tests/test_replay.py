"""Result replay (torchlint/replay.py): identical checks replay, any change to an input runs again.

A replayed run writes nothing to the results folder, so an unchanged folder tells a replay from a
real run. Every "runs again" case also compares the output with a run on a fresh cache, so a
stale replay cannot pass.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.5"]
"""
INSECURE = "--extra-index-url http://mirror.invalid/whl/cpu\ntorch\n"


def _stamp(cache: Path) -> dict[str, int]:
    folder = cache / "results"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")} if folder.is_dir() else {}


def _check(cache: Path, *args: str, cwd: Path) -> tuple[int, str]:
    r = run_cli(
        ["check", *args, "--offline", "--output-format", "concise"],
        cwd=cwd,
        env={"TORCHLINT_CACHE_DIR": str(cache)},
    )
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, r.stdout


def _fresh(tmp: Path, *args: str, cwd: Path) -> tuple[int, str]:
    return _check(tmp / f"fresh-{len(list(tmp.glob('fresh-*')))}", *args, cwd=cwd)


def test_identical_check_replays(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(PYPROJECT)
    cache = tmp_path / "cache"
    first = _check(cache, ".", cwd=proj)
    stamp = _stamp(cache)
    assert stamp, "the first run stores its result"
    assert _check(cache, ".", cwd=proj) == first
    assert _stamp(cache) == stamp, "the second run was a replay"


def test_edited_requirements_file_in_a_directory_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(PYPROJECT)
    (proj / "requirements.txt").write_text("torch\n")
    cache = tmp_path / "cache"
    before = _check(cache, ".", cwd=proj)
    (proj / "requirements.txt").write_text(INSECURE)
    after = _check(cache, ".", cwd=proj)
    assert after == _fresh(tmp_path, ".", cwd=proj)
    assert after != before and "TL302" in after[1]


def test_new_file_in_a_checked_directory_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(PYPROJECT)
    cache = tmp_path / "cache"
    before = _check(cache, ".", cwd=proj)
    (proj / "requirements-dev.txt").write_text(INSECURE)
    after = _check(cache, ".", cwd=proj)
    assert after == _fresh(tmp_path, ".", cwd=proj)
    assert after != before and "TL302" in after[1]


def test_edited_include_of_a_requirements_file_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "requirements.txt").write_text("-r base.txt\n")
    (proj / "base.txt").write_text("torch\n")
    cache = tmp_path / "cache"
    before = _check(cache, "requirements.txt", cwd=proj)
    (proj / "base.txt").write_text(INSECURE)
    after = _check(cache, "requirements.txt", cwd=proj)
    assert after == _fresh(tmp_path, "requirements.txt", cwd=proj)
    assert after != before and "TL302" in after[1]


def test_lock_file_appearing_beside_the_project_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(PYPROJECT)
    cache = tmp_path / "cache"
    _check(cache, cwd=proj)
    stamp = _stamp(cache)
    (proj / "uv.lock").write_text("version = 1\n")
    after = _check(cache, cwd=proj)
    assert _stamp(cache) != stamp, "a new uv.lock must not be answered from the stored result"
    assert after == _fresh(tmp_path, cwd=proj)


def test_new_project_deep_in_a_checked_directory_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    (proj / "services" / "api").mkdir(parents=True)
    (proj / "pyproject.toml").write_text(PYPROJECT)
    cache = tmp_path / "cache"
    before = _check(cache, ".", cwd=proj)
    (proj / "services" / "api" / "requirements.txt").write_text(INSECURE)
    after = _check(cache, ".", cwd=proj)
    assert after == _fresh(tmp_path, ".", cwd=proj)
    assert after != before and "TL302" in after[1]


def test_closer_configuration_appearing_for_a_pathless_check_runs_again(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    sub = proj / "sub"
    sub.mkdir(parents=True)
    (proj / "pyproject.toml").write_text(PYPROJECT)
    cache = tmp_path / "cache"
    before = _check(cache, cwd=sub)  # no path: the nearest pyproject upward (../pyproject.toml)
    stamp = _stamp(cache)
    assert _check(cache, cwd=sub) == before and _stamp(cache) == stamp, "an unchanged run replays"
    (sub / "pyproject.toml").write_text(
        PYPROJECT + '\n[tool.uv]\nextra-index-url = ["http://mirror.invalid/whl/cpu"]\n'
    )
    after = _check(cache, cwd=sub)
    assert after == _fresh(tmp_path, cwd=sub)
    assert after != before and "TL302" in after[1]


def test_new_workspace_member_runs_again(tmp_path: Path) -> None:
    from tests.workspace_cases import ROOT_ROUTES_MEMBER_DECLARES as WS

    proj = tmp_path / "ws"
    (proj / "packages").mkdir(parents=True)
    (proj / "pyproject.toml").write_text(WS["pyproject.toml"])
    cache = tmp_path / "cache"
    before = _check(cache, cwd=proj)
    member = proj / "packages" / "trainer"
    member.mkdir()
    (member / "pyproject.toml").write_text(WS["packages/trainer/pyproject.toml"])
    after = _check(cache, cwd=proj)
    assert after == _fresh(tmp_path, cwd=proj)
    assert after != before and "TL201" in after[1]

"""uv workspaces: one resolution for root and members, findings where they are caused, real uv agrees.

Each case of ``tests/workspace_cases.py`` is written to a temporary directory, checked by torchlint
(offline, the bundled snapshot) and — for the oracle tests — locked by real uv against the local
index built from the same snapshot (``tests/uvoracle_workspace.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import uv_exe
from tests.helpers import run_cli
from tests.workspace_cases import CASES, _member, _root


def _write(tmp: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp


def _check(cwd: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    proc = run_cli(["check", *args, "--offline", "--output-format", "json"], cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else [], proc.stderr


def _errors(diags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diags if d["severity"] == "error"]


@pytest.mark.uv
@pytest.mark.parametrize("name", sorted(CASES))
def test_torchlint_and_uv_agree_on_the_workspace(name: str, tmp_path: Path) -> None:
    if uv_exe() is None:
        pytest.skip("uv is not installed")
    from tests.uvoracle_workspace import run_lock_workspace

    files = CASES[name]
    outcome = run_lock_workspace(files, tmp_path / "uv")
    root = _write(tmp_path / "tl", files)
    code, diags, _ = _check(root)
    assert outcome.ok == (code == 0 and not _errors(diags)), (name, outcome.stderr[-1500:], diags)
    if not outcome.ok:
        if "conflicting indexes" in outcome.stderr:
            assert {d["code"] for d in _errors(diags)} == {"TL004"}, diags
        else:
            assert "pytorch-triton" in outcome.stderr
            assert {d["code"] for d in _errors(diags)} == {"TL201"}, diags


def test_founding_case_from_the_root_points_at_the_root_source(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["root-routes-member-declares"])
    code, diags, _ = _check(root)
    assert code == 1
    (d,) = _errors(diags)
    assert d["code"] == "TL201" and d["filename"] == "pyproject.toml"
    line = (root / "pyproject.toml").read_text().splitlines()[d["location"]["row"] - 1]
    assert line.startswith("torch = [{ index")
    related = {(r["filename"], r["message"]) for r in d["related"]}
    assert ("packages/trainer/pyproject.toml", "`torch` is declared here") in related


def test_checking_a_member_checks_its_workspace(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["root-routes-member-declares"])
    member = root / "packages" / "trainer"
    for args in ((), ("pyproject.toml",)):
        code, diags, _ = _check(member, *args)
        assert code == 1, args
        (d,) = _errors(diags)
        assert d["code"] == "TL201"
        assert Path(d["filename"]) == (root / "pyproject.toml"), d["filename"]
        assert any(r["filename"] == "pyproject.toml" for r in d["related"]), d["related"]


def test_member_source_overrides_the_root_and_is_reported_there(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["member-overrides-root-broken"])
    code, diags, _ = _check(root)
    assert code == 1
    (d,) = _errors(diags)
    assert d["code"] == "TL201" and d["filename"] == "packages/trainer/pyproject.toml"
    assert d["fix"] is None  # fixes edit the root's file only
    code, diags, _ = _check(_write(tmp_path / "ok", CASES["member-overrides-root"]))
    assert code == 0 and not _errors(diags), diags


def test_members_disagreeing_point_at_both_sources(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["members-disagree"])
    _, diags, _ = _check(root)
    (d,) = _errors(diags)
    assert d["code"] == "TL004"
    files = {d["filename"], *(r["filename"] for r in d["related"])}
    assert files == {"packages/cpu-svc/pyproject.toml", "packages/gpu-svc/pyproject.toml"}


def test_excluded_member_and_outside_project_are_not_in_the_workspace(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["correct"])
    code, diags, _ = _check(root)
    assert code == 0 and not _errors(diags), diags  # packages/scratch names an undefined index
    # the excluded project is checked on its own: its undefined index is an error there
    code, diags, _ = _check(root / "packages" / "scratch")
    assert code == 1 and {d["code"] for d in _errors(diags)} == {"TL002"}, diags
    assert all(d["filename"] == "pyproject.toml" for d in diags)


def test_requirement_on_member_without_workspace_source_is_invalid(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": _root(""),
        "packages/a/pyproject.toml": _member("a", '["b"]'),
        "packages/b/pyproject.toml": _member("b", "[]"),
    }
    code, diags, _ = _check(_write(tmp_path, files))
    assert code == 1
    (d,) = [d for d in diags if d["code"] == "TL000"]
    assert d["filename"] == "packages/a/pyproject.toml" and "workspace = true" in d["message"]
    if uv_exe() is not None:
        from tests.uvoracle_workspace import run_lock_workspace

        outcome = run_lock_workspace(files, tmp_path / "uv")
        assert not outcome.ok and "workspace = true" in outcome.stderr, outcome.stderr


def test_a_project_naming_itself_needs_no_workspace_source(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": _root("").replace(
            "dependencies = []",
            'dependencies = []\n\n[project.optional-dependencies]\nx = []\nall = ["mono[x]"]',
        ),
        "packages/a/pyproject.toml": _member("a", "[]"),
    }
    code, diags, _ = _check(_write(tmp_path, files))
    assert [d for d in diags if d["code"] == "TL000"] == [] and code == 0, diags


def test_member_glob_matching_a_folder_without_pyproject_is_invalid(tmp_path: Path) -> None:
    files = {"pyproject.toml": _root(""), "packages/a/pyproject.toml": _member("a", "[]")}
    root = _write(tmp_path, files)
    (root / "packages" / "notes").mkdir()
    code, diags, _ = _check(root)
    assert code == 1
    (d,) = [d for d in diags if d["code"] == "TL000"]
    assert d["filename"] == "pyproject.toml" and "packages/notes" in d["message"]
    assert d["location"]["row"] == 8  # the members line


def test_sarif_carries_the_member_as_related_location(tmp_path: Path) -> None:
    root = _write(tmp_path, CASES["root-routes-member-declares"])
    proc = run_cli(["check", "--offline", "--output-format", "sarif"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads(proc.stdout)
    (res,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "TL201"]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in res.get("relatedLocations", [])}
    assert any(u.endswith("packages/trainer/pyproject.toml") for u in uris), res


# ------------------------------------------------------------------ real workspaces (tests/corpus)

WS_CORPUS = Path(__file__).parent / "corpus" / "workspaces"
WS_ENTRIES = json.loads((WS_CORPUS / "index.json").read_text())


def _entry_files(entry: dict[str, Any]) -> dict[str, str]:
    return {rel: (WS_CORPUS / entry["dir"] / rel).read_text() for rel in entry["files"]}


@pytest.mark.parametrize("entry", WS_ENTRIES, ids=lambda e: e["id"])
def test_workspace_corpus_entry(entry: dict[str, Any], tmp_path: Path) -> None:
    root = _write(tmp_path, _entry_files(entry))
    member_dirs = sorted({str(Path(rel).parent) for rel in entry["files"] if "/" in rel})
    for where in [root, *(root / d for d in member_dirs)]:  # the root, and each member finds it
        code, diags, _ = _check(where)
        loud = {d["code"] for d in diags if d["severity"] in ("error", "warning")}
        summary = [(d["code"], d["severity"], d["message"][:160]) for d in diags]
        assert not (loud & set(entry["must_not_codes"])), (where, summary)
        if entry["verdict"] == "correct":
            assert loud <= set(entry["expected_codes"]) | set(entry["acceptable_codes"]), summary
            assert code == (1 if loud else 0), summary
        else:
            assert set(entry["expected_codes"]) <= loud, summary


@pytest.mark.uv
@pytest.mark.parametrize("entry", WS_ENTRIES, ids=lambda e: e["id"])
def test_workspace_corpus_verdict_agrees_with_uv(entry: dict[str, Any], tmp_path: Path) -> None:
    if uv_exe() is None:
        pytest.skip("uv is not installed")
    from tests.uvoracle_workspace import run_lock_workspace

    outcome = run_lock_workspace(_entry_files(entry), tmp_path / "uv")
    assert outcome.ok == (entry["verdict"] == "correct"), outcome.stderr[-1500:]


@pytest.mark.uv
def test_member_conflicts_count_for_the_workspace(tmp_path: Path) -> None:
    """ws001 without the member's `conflicts`: uv stops with conflicting indexes, TL004 reports it."""
    if uv_exe() is None:
        pytest.skip("uv is not installed")
    import re

    from tests.uvoracle_workspace import run_lock_workspace

    (entry,) = [e for e in WS_ENTRIES if e["id"] == "ws001"]
    files = _entry_files(entry)
    member = files["subexample/pyproject.toml"]
    files["subexample/pyproject.toml"] = re.sub(r"conflicts = \[.*?\n\]\n", "", member, flags=re.S)
    assert files["subexample/pyproject.toml"] != member
    outcome = run_lock_workspace(files, tmp_path / "uv")
    assert not outcome.ok and "conflicting indexes" in outcome.stderr, outcome.stderr[-800:]
    code, diags, _ = _check(_write(tmp_path / "tl", files))
    assert code == 1
    (d,) = [d for d in diags if d["code"] == "TL004"]
    assert d["filename"] == "subexample/pyproject.toml"

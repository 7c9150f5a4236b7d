"""Every rule's EXAMPLES are tests: bad ones produce the rule's code, good ones do not.

They run in-process, offline, on the bundled snapshot, so they are fast and need no server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from torchlint.check import CheckOptions, run_check
from torchlint.engine import all_rules
from torchlint.fix.run import plan_fixes
from torchlint.index.probe import ProbeOptions

CASES = [
    pytest.param(rm, i, ex, id=f"{rm.code}-{ex.kind}-{i}")
    for rm in all_rules()
    for i, ex in enumerate(rm.module.EXAMPLES)
]


def test_every_rule_has_bad_and_good_examples() -> None:
    for rm in all_rules():
        kinds = {ex.kind for ex in rm.module.EXAMPLES}
        assert kinds == {"bad", "good"}, f"{rm.code} needs at least one bad and one good example"


@pytest.mark.parametrize(("rm", "i", "ex"), CASES)
def test_example(rm, i, ex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pyproject.toml"
    path.write_text(ex.pyproject, encoding="utf-8")
    # files an example needs beside its pyproject (e.g. a uv.lock for TL401)
    for name, text in getattr(rm.module, "EXAMPLE_FILES", {}).get(i, {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # every rule runs (pedantic ones too) and infos are shown: a bad example shows what the rule
    # finds, at whatever severity; a good one has no error or warning of the rule
    opts = CheckOptions(pedantic=True, probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache")))
    opts.codes = [r.code for r in all_rules()]
    result = run_check([str(path)], opts, environ={})
    found = sorted({d.code for d in result.diagnostics if d.code == rm.code})
    if ex.kind == "bad":
        assert found == [rm.code], [(d.code, d.message) for d in result.diagnostics]
        for code in ex.expect:
            assert any(d.code == code for d in result.diagnostics), (
                code,
                [d.code for d in result.diagnostics],
            )
    else:
        loud = [(d.code, d.message) for d in result.diagnostics if d.code == rm.code and d.severity != "info"]
        assert loud == [], loud


def test_every_rule_with_a_fix_shows_it() -> None:
    """A rule that can fix shows the fixed text in an example (rendered on its page)."""
    for rm in all_rules():
        shown = [ex for ex in rm.module.EXAMPLES if ex.fixed is not None]
        if rm.rule.fix_availability == "none":
            assert not shown, f"{rm.code} says it has no fix but an example shows one"
        else:
            assert shown, f"{rm.code} has a fix ({rm.rule.fix_availability}) but no example shows it"
        assert all(ex.kind == "bad" for ex in shown)


FIXED = [c for c in CASES if c.values[2].fixed is not None]


@pytest.mark.parametrize(("rm", "i", "ex"), FIXED)
def test_example_fix(rm, i, ex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """`--fix --unsafe-fixes` (this rule's fixes only) writes exactly ``fixed``; after it the rule
    reports nothing with a fix, and a second pass changes nothing."""
    path = tmp_path / "pyproject.toml"
    path.write_text(ex.pyproject, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    opts = CheckOptions(
        select=(rm.code,), probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache"))
    )
    (plan,) = plan_fixes(run_check(["pyproject.toml"], opts, environ={}), unsafe=True)
    assert not plan.refused, plan.refused
    assert plan.new_text == ex.fixed
    path.write_text(plan.new_text, encoding="utf-8")
    again = run_check(["pyproject.toml"], opts, environ={})
    assert not [d for d in again.diagnostics if d.fix is not None and d.fix.ops], [
        d.message for d in again.diagnostics
    ]
    assert all(not p.changed for p in plan_fixes(again, unsafe=True))

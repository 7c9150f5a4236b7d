"""Every rule's EXAMPLES are tests: bad ones produce the rule's code, good ones do not.

They run in-process, offline, on the bundled snapshot, so they are fast and need no server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from torchlint.check import CheckOptions, run_check
from torchlint.engine import all_rules
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
    opts = CheckOptions(probe=ProbeOptions(offline=True, cache_dir=str(tmp_path / "cache")))
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
        assert found == [], [(d.code, d.message) for d in result.diagnostics if d.code == rm.code]

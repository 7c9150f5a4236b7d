"""Rule documentation: every rule module documents itself, and rules/ is current."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from torchlint.docs import REQUIRED_SECTIONS, render_all, rule_doc
from torchlint.engine import all_rules


@pytest.mark.parametrize("rm", all_rules(), ids=lambda rm: rm.code)
def test_docstring_has_sections(rm) -> None:  # type: ignore[no-untyped-def]
    doc = rule_doc(rm)
    for section in REQUIRED_SECTIONS:
        assert section in doc, f"{rm.code} docstring lacks {section!r}"
    assert rm.rule.name == rm.rule.name.lower() and " " not in rm.rule.name


def test_rule_pages_are_current() -> None:
    pages = render_all()
    out = ROOT / "rules"
    stale = [
        name
        for name, text in pages.items()
        if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
    ]
    extra = [p.name for p in out.glob("*.md") if p.name not in pages]
    assert not stale and not extra, (
        f"rules/ is stale ({stale or extra}); run `python scripts/generate_rule_docs.py`"
    )


def test_each_page_shows_its_examples() -> None:
    pages = render_all()
    for rm in all_rules():
        page = pages[f"{rm.code}.md"]
        for ex in rm.module.EXAMPLES:
            assert ex.pyproject.strip().splitlines()[0] in page


def test_readme_rule_table_matches_the_rules() -> None:
    """The README's rule table (written by hand) names every rule with its current fix availability."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| [TL"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].split("]")[0].lstrip("[")] = cells
    for rm in all_rules():
        assert rm.code in rows, f"README's rule table lacks {rm.code}"
        _code, name, _finds, needs, fix = rows[rm.code]
        assert (name, needs, fix) == (rm.rule.name, rm.rule.needs, rm.rule.fix_availability), rm.code
    assert set(rows) == {rm.code for rm in all_rules()}

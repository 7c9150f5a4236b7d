"""``--output-format json``: an array of diagnostic objects (ruff's field names where they overlap)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchlint.check import CheckResult


def render(result: CheckResult) -> str:
    return json.dumps([d.to_json() for d in result.diagnostics], indent=2, ensure_ascii=False) + "\n"
